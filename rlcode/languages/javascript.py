"""JavaScript on Node.js (CommonJS script; stdin through ``require("fs").readFileSync(0)``).

V8 reserves a large virtual cage, so the address space is not limited. The old-generation heap
is capped at the task's limit (``--max-old-space-size``); the private writable memory of the
whole process (RLIMIT_DATA), which also bounds Buffers and typed arrays outside that heap, at
1.5 times it (``memory_factor``).
"""

from rlcode.languages.base import Language

NODE_MEMORY_MARKERS = ("JavaScript heap out of memory", "Fatal process out of memory", "Fatal process OOM")

LANGUAGE = Language(
    name="javascript",
    source_file="main.js",
    # A syntax error is a compile_error, found before anything runs.
    compile=("node", "--check", "main.js"),
    run=("node", "--max-old-space-size={heap_mb}", "main.js"),
    version=("node", "--version"),
    time_factor=1.5,
    memory_factor=1.5,
    address_space=False,
    data_limit=True,
    memory_markers=NODE_MEMORY_MARKERS,
)
