"""Rust (rustc, edition 2021): optimised, one codegen unit, symbols stripped; a native binary
under an address-space limit. rustc links with gcc's ``cc``, which the image carries."""

from rlcode.languages.base import Language

LANGUAGE = Language(
    name="rust",
    source_file="main.rs",
    # One codegen unit: fewer threads (the container's pids limit counts them) and, for programs
    # this size, a faster compile than the default sixteen.
    compile=("rustc", "--edition", "2021", "-O", "-C", "codegen-units=1", "-C", "strip=symbols",
             "-o", "main", "main.rs"),
    run=("./main",),
    artifacts=("main",),
    version=("rustc", "--version"),
    compile_time_s=30.0,
    # "memory allocation of N bytes failed" is how the standard allocator aborts.
    memory_markers=("memory allocation of",),
)
