"""What ``rlcode analyze`` reads: source files (language from the extension) or candidates + tasks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rlcode.analysis.base import SUPPORTED_LANGUAGES, AnalysisInput
from rlcode.errors import InputError, UsageError

EXTENSIONS = {
    ".py": "python", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp",
    ".hh": "cpp", ".java": "java", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".go": "go", ".rs": "rust",
}


def is_candidates_file(path: Path) -> bool:
    return path.name.endswith((".jsonl", ".jsonl.gz"))


def inputs_from_files(paths: Sequence[Path]) -> list[AnalysisInput]:
    items = []
    for path in paths:
        language = EXTENSIONS.get(path.suffix.lower())
        if language is None:
            raise InputError(str(path), None, None, f"unknown source extension {path.suffix or '(none)'!r}",
                             hint=f"known: {' '.join(sorted(EXTENSIONS))}; or pass a candidates .jsonl with --tasks")
        if not path.is_file():
            raise InputError(str(path), None, None, "no such file")
        try:
            code = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(str(path), None, None, f"cannot read: {exc}") from None
        items.append(AnalysisInput(language, code, str(path)))
    return items


def inputs_from_candidates(path: Path, tasks_spec: str) -> list[AnalysisInput]:
    """The program each candidate runs as (``program_for``), named ``task_id#candidate_id``."""
    from rlcode.candidates import load_candidates
    from rlcode.languages import language_names
    from rlcode.scoring.scorer import program_for
    from rlcode.tasks import load_tasks

    # Analysis reaches languages the sandbox may not run yet, so both sets are accepted.
    known = language_names() | set(SUPPORTED_LANGUAGES)
    tasks = load_tasks(tasks_spec, known)
    items = []
    for cand in load_candidates(path, tasks, known):
        task = tasks[cand.task_id]
        language, code, info = program_for(task, cand)
        # A completion is appended to the prompt: the prompt's full lines are not the candidate's.
        given = task.prompt.count("\n") if info["mode"] == "completion" else 0
        items.append(AnalysisInput(language, code, f"{cand.task_id}#{cand.candidate_id}", given_lines=given))
    return items


def load_inputs(paths: Sequence[Path], tasks_spec: str | None) -> list[AnalysisInput]:
    if not paths:
        raise UsageError("give source files or one candidates .jsonl", hint="rlcode analyze --help")
    candidates = [p for p in paths if is_candidates_file(p)]
    if candidates:
        if len(paths) != 1:
            raise UsageError("give either source files or one candidates file, not both",
                             hint=f"rlcode analyze {candidates[0]} --tasks TASKS")
        if tasks_spec is None:
            raise UsageError(f"{candidates[0]}: a candidates file needs --tasks",
                             hint=f"rlcode analyze {candidates[0]} --tasks humaneval")
        return inputs_from_candidates(candidates[0], tasks_spec)
    if tasks_spec is not None:
        raise UsageError("--tasks applies to a candidates file only, not to source files")
    return inputs_from_files(paths)
