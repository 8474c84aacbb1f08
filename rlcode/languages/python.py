"""Python: function tasks run through the runner's call channel; I/O tasks as a script."""

from rlcode.languages.base import Language

LANGUAGE = Language(
    name="python",
    source_file="main.py",
    # A syntax error is a compile_error, found before anything runs.
    compile=("python3", "-I", "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", "main.py"),
    run=("python3", "-I", "main.py"),
    version=("python3", "--version"),
    time_factor=1.0,
    memory_markers=("MemoryError",),
)
