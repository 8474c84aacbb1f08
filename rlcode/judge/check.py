"""The trusted side of HumanEval-layout function tasks: ``check(candidate)`` runs here.

The task's ``test`` code (and the prompt's helper functions, which tests use) is executed in
this, the scorer's, process. ``candidate`` is a proxy: each call sends the arguments to the
sandbox as plain data and gets the return value back as plain data, rebuilt here from scratch.
No object of the candidate's ever reaches an ``==``; the candidate's process never holds the
test code or the expected values.

Each top-level ``assert`` in ``check`` is counted as one test, so partial credit is possible;
a failed assertion does not stop the later ones, but a candidate that died (timeout, memory,
output flood) stops the check.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable

from rlcode.records import Task


class CandidateGone(BaseException):
    """The candidate process died mid-check. BaseException: test code cannot swallow it."""

    def __init__(self, report: dict | None, reason: str):
        super().__init__(reason)
        self.report = report or {}
        self.reason = reason


class CandidateRaised(Exception):
    """The candidate's function raised (or returned something that cannot cross the channel)."""

    def __init__(self, message: str, unplain: bool = False):
        super().__init__(message)
        self.unplain = unplain


@dataclass
class CheckOutcome:
    passed: int = 0
    total: int = 0
    failures: list[dict] = field(default_factory=list)
    gone: CandidateGone | None = None

    def fail(self, line: int, exc: BaseException) -> None:
        if isinstance(exc, CandidateRaised):
            kind = "unplain_return" if exc.unplain else "candidate_exception"
        elif isinstance(exc, AssertionError):
            kind = "assertion"
        else:
            kind = "test_error"
        if len(self.failures) < 5:
            self.failures.append({"line": line, "kind": kind, "message": _short(exc)})

    @property
    def kinds(self) -> set[str]:
        return {f["kind"] for f in self.failures}


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:500]


class _Recorder:
    Gone = CandidateGone

    def __init__(self, outcome: CheckOutcome):
        self.outcome = outcome

    def ok(self) -> None:
        self.outcome.passed += 1

    def fail(self, line: int, exc: BaseException) -> None:
        self.outcome.fail(line, exc)


_WRAP = ast.parse(
    "try:\n    pass\nexcept __rl.Gone:\n    raise\nexcept BaseException as __rl_e:\n    __rl.fail(0, __rl_e)\n"
    "else:\n    __rl.ok()\n"
).body[0]


class _CountAsserts(ast.NodeTransformer):
    def __init__(self) -> None:
        self.count = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        if node.name != "check":
            return node
        body = []
        for stmt in node.body:
            if isinstance(stmt, ast.Assert):
                self.count += 1
                wrap = _copy(_WRAP)
                wrap.body = [stmt]
                wrap.handlers[1].body[0].value.args[0] = ast.Constant(stmt.lineno)
                body.append(ast.copy_location(wrap, stmt))
            else:
                body.append(stmt)
        node.body = body
        return node


def _copy(node: ast.AST) -> Any:
    return ast.parse(ast.unparse(node)).body[0]


class CheckJudge:
    """Compiled once per task; ``run`` once per candidate."""

    def __init__(self, task: Task):
        self.task = task
        self.entry_point = task.entry_point or ""
        try:
            self.prompt_code = compile(task.prompt, f"<prompt {task.task_id}>", "exec") if task.prompt else None
        except SyntaxError:
            self.prompt_code = None  # a prompt that is not a module on its own: no helpers
        tree = ast.parse(task.test or "", filename=f"<test {task.task_id}>")
        counter = _CountAsserts()
        tree = ast.fix_missing_locations(counter.visit(tree))
        self.asserts = counter.count
        self.test_code = compile(tree, f"<test {task.task_id}>", "exec")

    @property
    def total(self) -> int:
        return max(1, self.asserts)

    def run(self, call: Callable[[tuple, dict], Any]) -> CheckOutcome:
        outcome = CheckOutcome(total=self.total)
        ns: dict[str, Any] = {"__name__": "__rlcode_judge__"}
        if self.prompt_code is not None:
            try:
                exec(self.prompt_code, ns)  # noqa: S102 - trusted task text (helpers the tests use)
            except Exception:  # noqa: BLE001 - a prompt that fails alone gives no helpers
                pass

        def candidate(*args, **kwargs):
            return call(args, kwargs)

        candidate.__name__ = self.entry_point or "candidate"
        ns[self.entry_point] = candidate
        ns["__rl"] = _Recorder(outcome)
        try:
            exec(self.test_code, ns)  # noqa: S102 - trusted test code
            ns["check"](candidate)
            if self.asserts == 0:
                outcome.passed = 1
        except CandidateGone as gone:
            outcome.gone = gone
        except BaseException as exc:  # noqa: BLE001 - anything else fails the remaining tests
            if isinstance(exc, KeyboardInterrupt):
                raise
            outcome.fail(getattr(exc, "lineno", 0) or 0, exc)
        return outcome
