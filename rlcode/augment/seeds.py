"""The argument values a task's own tests pass: the seeds of new inputs, and the part of the
augmented ``fn_tests`` that stands for the original test.

For a HumanEval-layout task they are the calls ``check(candidate)`` makes, as the judge records
them (``rlcode.judge.check.CheckJudge.record``: the check run against a stand-in that agrees with
everything). Turning those calls into ``fn_tests`` (expected value: the canonical solution's
return value) keeps the test's meaning only when every assert compares a call's result for
equality (``==``, ``is``, truthiness, ``abs(candidate(x) - y) < eps``); a check that tests a
property of the result (``poly(xs, candidate(xs))`` near zero) accepts answers the canonical one
is not, so such a task is left as it is (``Unconvertible``).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

from rlcode.judge.check import CheckJudge
from rlcode.records import Task


class Unconvertible(Exception):
    """The task's tests cannot be written as fn_tests without changing what they accept."""


@dataclass
class Seeds:
    args: list[list[Any]]  # each original call's arguments, in order, without repeats
    expected: list[Any] | None  # fn_tests tasks: their own expected values; check tasks: None (computed)


def json_exact(value: Any) -> bool:
    """Whether ``value`` comes back from JSON as the same value of the same types (no tuples,
    no non-string keys, no NaN or infinities): what fn_tests can carry unchanged."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return _same(json.loads(text), value)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


def seeds_of(task: Task) -> Seeds:
    """The original tests' arguments; raises Unconvertible with the reason when they cannot serve."""
    if task.fn_tests is not None:
        args = [list(t["args"]) for t in task.fn_tests]
        return Seeds(args, [t["expected"] for t in task.fn_tests])
    if task.test is None or not task.entry_point:
        raise Unconvertible("no test to start from")
    param = _equality_only(task.test)
    if param is not None:
        raise Unconvertible(param)
    plan = CheckJudge(task).record()
    if plan is None:
        raise Unconvertible("the check's calls depend on earlier results")
    args, seen = [], set()
    for call_args, kwargs in plan.calls:
        if kwargs:
            raise Unconvertible("the check passes keyword arguments")
        value = list(call_args)
        if not json_exact(value):
            raise Unconvertible("an original argument cannot be written as JSON exactly (tuple, non-string key, NaN)")
        key = json.dumps(value)
        if key not in seen:
            seen.add(key)
            args.append(value)
    if not args:
        raise Unconvertible("the check makes no calls")
    return Seeds(args, None)


def _equality_only(test: str) -> str | None:
    """None when every call of the candidate in ``check`` sits in an equality assert; else why not."""
    try:
        tree = ast.parse(test)
    except SyntaxError as exc:
        return f"the test does not parse: {exc.msg}"
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check" and n.args.args]
    if not checks:
        return "the test defines no check(candidate)"
    name = checks[0].args.args[0].arg
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(checks[0]):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(checks[0]):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            if not _compared(node, parents):
                return f"line {node.lineno}: the check tests a property of the result, not its value"
        elif isinstance(node, ast.Name) and node.id == name and not isinstance(parents.get(id(node)), ast.Call):
            if not isinstance(parents.get(id(node)), ast.arguments):
                return f"line {node.lineno}: the check passes the candidate on"
    return None


def _compared(call: ast.expr, parents: dict[int, ast.AST]) -> bool:
    """The call's result is only compared for equality, in an assert (or its message)."""
    up = parents.get(id(call))
    if isinstance(up, ast.Call) and _called(up) in ("tuple", "list") and up.args == [call] and not up.keywords:
        return _compared(up, parents)  # tuple(candidate(x)) == y: the same value
    if isinstance(up, ast.Assert):
        return up.test is call or up.msg is call
    if isinstance(up, ast.UnaryOp) and isinstance(up.op, ast.Not):
        return isinstance(parents.get(id(up)), ast.Assert)
    if isinstance(up, ast.Compare) and len(up.ops) == 1 and isinstance(up.ops[0], (ast.Eq, ast.Is)):
        return _in_assert(up, parents)
    if isinstance(up, ast.BinOp) and isinstance(up.op, ast.Sub):  # abs(candidate(x) - y) < eps
        fn = parents.get(id(up))
        cmp = parents.get(id(fn)) if fn is not None else None
        return (isinstance(fn, ast.Call) and _called(fn) in ("abs", "fabs") and isinstance(cmp, ast.Compare)
                and cmp.left is fn and isinstance(cmp.ops[0], (ast.Lt, ast.LtE)) and _in_assert(cmp, parents))
    return _in_message(call, parents)


def _called(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _in_assert(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    up = parents.get(id(node))
    return isinstance(up, ast.Assert) and up.test is node


def _in_message(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Inside an assert's message: evaluated only when the assert already failed."""
    while node is not None:
        up = parents.get(id(node))
        if isinstance(up, ast.Assert):
            return up.msg is node
        node = up
    return False
