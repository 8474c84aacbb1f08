"""Haskell (GHC 9.0, Debian's): ``ghc -O`` of one module ``Main``, run as a native binary.

GHC's runtime (and GHC itself, a Haskell program) reserves a terabyte of address space up front,
so the address space is not limited; private writable memory is (RLIMIT_DATA), as for Go, and the
run passes ``+RTS -M<task limit>`` so the collector works harder and the heap stops at the task's
own limit (a clean "Heap exhausted", exit 251) before the hard limit 10% above it is reached.
``-rtsopts`` lets the run command give RTS flags; the candidate's own ``getArgs`` never sees them.
A program is written as ``Main.hs``; a ``module X where`` header other than ``Main`` is compiled
with ``-main-is X`` (GHC needs the module that holds ``main``). ``-Wall`` gives the warnings
that rlcode.analysis.compiler reads. Builds write their .hi/.o next to the source in the work dir.
"""

from __future__ import annotations

import re

from rlcode.languages.base import Language

MAIN_MODULE_FILE = "main-module.txt"
_SKIP = re.compile(r'--[^\n]*|\{-.*?-\}|"(?:\\.|[^"\\\n])*"', re.S)
_MODULE = re.compile(r"^module\s+([A-Z][\w']*(?:\.[A-Z][\w']*)*)", re.M)


def blank(code: str) -> str:
    """``code`` with its comments and string literals blanked (newlines kept, so offsets stay)."""
    return _SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)


def module_name(code: str) -> str:
    """The module the program declares (``Main`` when it has no header)."""
    m = _MODULE.search(blank(code))
    return m.group(1) if m else "Main"


def prepare(code: str) -> dict[str, str]:
    return {"Main.hs": code, MAIN_MODULE_FILE: module_name(code) + "\n"}


# No -threaded: the non-threaded RTS has one capability and no idle GC (the container has one CPU).
LANGUAGE = Language(
    name="haskell",
    source_file="Main.hs",
    compile=("sh", "-c", 'exec ghc -O -Wall -rtsopts -v0 -main-is "$(cat ' + MAIN_MODULE_FILE + ')" '
             "-outputdir build -o main Main.hs +RTS -M{heap_mb}m -RTS"),
    run=("./main", "+RTS", "-M{heap_mb}m", "-RTS"),
    prepare=prepare,
    artifacts=("main",),
    version=("ghc", "--version"),
    memory_factor=1.1,
    address_space=False,
    data_limit=True,
    compile_time_s=60.0,
    compile_memory_mb=1536,
    # "Heap exhausted" under -M; "out of memory" when the heap cannot grow under RLIMIT_DATA.
    memory_markers=("Heap exhausted", "out of memory"),
)
