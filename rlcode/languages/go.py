"""Go (the gc toolchain): ``go build`` of one file, run as a native binary.

The Go runtime reserves far more address space than it uses, so the address space is not
limited; its private writable memory is (RLIMIT_DATA), which is what its heap grows into, and
``GOMEMLIMIT`` at the task's own limit makes the collector work harder before the hard limit
(10% above it, ``memory_factor``) is reached. The build cache is the default one under ``$HOME``,
which the runner points at the work dir that ``end`` wipes; the standard library ships prebuilt
with Debian's Go 1.19, so even a cold build compiles only the candidate (about half a second).
``GOMAXPROCS`` keeps the thread count (the container's pids limit counts threads) independent of
the host's cores. ``go vet`` is left out: it would double the compile time.
"""

from rlcode.languages.base import Language

# GOPATH mode for a single file, no VCS stamping, never a toolchain download (newer Go).
_BUILD_ENV = ("env", "GO111MODULE=off", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local", "GOMAXPROCS=2")

LANGUAGE = Language(
    name="go",
    source_file="main.go",
    compile=(*_BUILD_ENV, "go", "build", "-o", "main", "main.go"),
    run=("env", "GOMAXPROCS=1", "GOMEMLIMIT={heap_mb}MiB", "./main"),
    artifacts=("main",),
    version=("go", "version"),
    memory_factor=1.1,
    address_space=False,
    data_limit=True,
    # "fatal error: runtime: out of memory" when the heap cannot grow under RLIMIT_DATA.
    memory_markers=("runtime: out of memory",),
)
