"""C++ (g++, GNU C++17): compiled with warnings on, run as a native binary under an
address-space limit. The image precompiles <bits/stdc++.h> for exactly these -std and -O flags
(sandboxes/cpp/Dockerfile): change them together."""

from rlcode.languages.base import Language

LANGUAGE = Language(
    name="cpp",
    source_file="main.cpp",
    compile=("g++", "-std=gnu++17", "-O2", "-Wall", "-Wextra", "-pipe", "-o", "main", "main.cpp"),
    run=("./main",),
    artifacts=("main",),
    version=("g++", "--version"),
    compile_time_s=15.0,
    memory_markers=("std::bad_alloc",),
)
