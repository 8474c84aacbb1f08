"""What a language is to rlcode: file names, compile and run commands, limit multipliers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Language:
    name: str
    source_file: str  # where the program is written inside the work dir
    run: tuple[str, ...]  # argv that runs the (compiled) program
    compile: tuple[str, ...] | None = None  # argv that compiles it; None: interpreted
    artifacts: tuple[str, ...] = ()  # files the compile step leaves, cached by the host
    version: tuple[str, ...] = ()  # argv printing the toolchain version
    time_factor: float = 1.0  # interpreted and JIT languages get more time
    memory_factor: float = 1.0  # the JVM needs more memory
    address_space: bool = True  # False where the runtime reserves huge virtual ranges
    # Where address_space is False: bound private writable memory (RLIMIT_DATA) to the limit
    # instead (Go, Node). Not for the JVM, whose thread stacks count in full.
    data_limit: bool = False
    compile_time_s: float = 20.0
    compile_memory_mb: int = 1024
    # Substrings of stderr that mean the program ran out of memory.
    memory_markers: tuple[str, ...] = ()
    # Rewrites a program before it is written (a Java public class of any name, say).
    prepare: Callable[[str], dict[str, str]] | None = field(default=None, compare=False)
    image_dir: str = ""  # sandboxes/<image_dir>; defaults to the name

    @property
    def sandbox_dir(self) -> str:
        return self.image_dir or self.name

    def files_for(self, code: str) -> dict[str, str]:
        return self.prepare(code) if self.prepare else {self.source_file: code}

    def argv(self, template: tuple[str, ...], limits: dict) -> list[str]:
        """``compile`` or ``run`` for one process, with its limits filled in.

        ``{memory_mb}`` is the process's memory limit in MiB (scaled by ``memory_factor`` for runs),
        ``{heap_mb}`` the same divided by ``memory_factor`` (the task's own limit): runtimes that
        bound memory with a flag rather than the address space (``-Xmx``, ``--max-old-space-size``)
        use them, since the runner only limits their address space when ``address_space`` is True.
        """
        memory_mb = int(limits.get("memory_mb", 0))
        values = {"{memory_mb}": str(memory_mb),
                  "{heap_mb}": str(max(16, int(memory_mb / max(self.memory_factor, 1.0))))}
        out = []
        for arg in template:
            for key, value in values.items():
                arg = arg.replace(key, value)
            out.append(arg)
        return out
