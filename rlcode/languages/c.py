"""C (gcc, C17): compiled with warnings on, run as a native binary under an address-space limit."""

from rlcode.languages.base import Language

LANGUAGE = Language(
    name="c",
    source_file="main.c",
    compile=("gcc", "-std=gnu17", "-Wall", "-Wextra", "-O2", "-pipe", "-o", "main", "main.c", "-lm"),
    run=("./main",),
    artifacts=("main",),
    version=("gcc", "--version"),
    compile_time_s=15.0,
    memory_markers=(),
)
