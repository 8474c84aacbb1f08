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
import binascii
import builtins
import functools
import hashlib
import marshal
import random
import sys
import threading
import types
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from rlcode.cache import cache_key
from rlcode.records import Task
from rlcode.sandbox.runner import NotPlainData, decode, encode

_AST_LOCK = threading.RLock()
_JUDGES: dict[tuple, "CheckJudge"] = {}
SEED = 1234  # tests that draw random inputs draw the same ones when recorded and when replayed
MAX_RECORDED_CALLS = 20000


class CandidateGone(BaseException):
    """The candidate process died mid-check. BaseException: test code cannot swallow it."""

    def __init__(self, report: dict | None, reason: str):
        super().__init__(reason)
        self.report = report or {}
        self.reason = reason


class Diverged(BaseException):
    """A replayed check asked for a call that was not recorded: fall back to live calls."""


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
    """``__rl__`` in the test's namespace (a dunder name: names with two leading underscores
    alone are mangled inside classes, and asserts in methods call it too). The rewritten test
    calls ``check`` for each counted assert and ``nested`` for every other one (``_rewrite``); the
    tree-rewritten fallback calls ``ok`` and ``fail`` itself. When ``recording``, asserts never
    stop the check (see ``_neutralise_asserts``)."""

    Gone = (CandidateGone, Diverged)

    def __init__(self, outcome: CheckOutcome, recording: bool = False):
        self.outcome = outcome
        self.recording = recording

    def ok(self) -> None:
        self.outcome.passed += 1

    def fail(self, line: int, exc: BaseException) -> None:
        self.outcome.fail(line, exc)

    def check(self, line: int, test: Callable[[], Any], msg: Callable[[], Any] | None = None) -> None:
        """``assert test(), msg()`` as one test: a failure is counted and the check goes on."""
        try:
            self.nested(test, msg)
        except self.Gone:
            raise
        except BaseException as exc:  # noqa: BLE001 - whatever the assert raised fails this test only
            self.fail(line, exc)
        else:
            self.ok()

    def nested(self, test: Callable[[], Any], msg: Callable[[], Any] | None = None) -> None:
        """``assert test(), msg()``; when recording, both evaluated and neither can fail."""
        if self.recording:
            for part in (test, msg):
                try:
                    if part is not None:
                        part()
                except Exception:  # noqa: BLE001, S110 - recording only collects the calls
                    pass
        elif not test():
            raise AssertionError(msg()) if msg is not None else AssertionError


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _loc(where: ast.AST) -> dict[str, int | None]:
    """The location of ``where``, given to every node made in its place (made located, so no
    tree walk is needed: walking whole test trees was most of the cost of building a judge)."""
    return {attr: getattr(where, attr, None) for attr in _LOCATION}


def _name(name: str, loc: dict) -> ast.expr:
    return ast.Name(name, ast.Load(), **loc)


def _rl(method: str, loc: dict, *args: ast.expr) -> ast.stmt:
    call = ast.Call(ast.Attribute(_name("__rl__", loc), method, ast.Load(), **loc), list(args), [], **loc)
    return ast.Expr(call, **loc)


def _counted(stmt: ast.Assert) -> ast.Try:
    """try: <assert> / except __rl__.Gone: raise / except BaseException as e: __rl__.fail(line, e) / else: __rl__.ok()"""
    loc = _loc(stmt)
    gone = ast.Attribute(_name("__rl__", loc), "Gone", ast.Load(), **loc)
    failed = _rl("fail", loc, ast.Constant(stmt.lineno, **loc), _name("__rl_e", loc))
    return ast.Try(
        body=[stmt],
        handlers=[ast.ExceptHandler(gone, None, [ast.Raise(**loc)], **loc),
                  ast.ExceptHandler(_name("BaseException", loc), "__rl_e", [failed], **loc)],
        orelse=[_rl("ok", loc)], finalbody=[], **loc)


def _guarded(expr: ast.expr, where: ast.AST) -> ast.Try:
    """try: <expr> / except Exception: pass"""
    loc = _loc(where)
    return ast.Try(body=[ast.Expr(expr, **loc)],
                   handlers=[ast.ExceptHandler(_name("Exception", loc), None, [ast.Pass(**loc)], **loc)],
                   orelse=[], finalbody=[], **loc)


# Asserts are statements: rewriting them needs only a tree's statement lists, never its
# expressions (most of its nodes, which a NodeTransformer would visit one by one). Statements that
# hold statements; any other holds none, and is not looked into:
_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If,
             ast.With, ast.AsyncWith, ast.Try, ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def _blocks(node: ast.AST):
    """(owner, field) for each statement list directly inside ``node``, the bodies of its
    exception handlers and match cases included."""
    for name in ("body", "orelse", "finalbody"):
        value = getattr(node, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            yield node, name
    for name in ("handlers", "cases"):
        for item in getattr(node, name, None) or ():
            yield item, "body"


def _count_asserts(found: list["_Found"]) -> int:
    """Wrap each counted assert (``_asserts``) in ``_counted``, in its tree; return how many."""
    for body, index, stmt, counts in found:
        if counts:
            body[index] = _counted(stmt)
    return sum(item.counts for item in found)


def _neutralise_asserts(node: ast.AST) -> None:
    """For recording: every ``assert cond, msg`` becomes ``try: cond / except: pass`` (and the
    same for msg), so a loop of asserts records all its calls instead of stopping at the first
    stand-in result. The message too: tests like ``assert f(1), str(f(1))`` call the candidate
    again on failure."""
    for owner, name in _blocks(node):
        out = []
        for stmt in getattr(owner, name):
            if isinstance(stmt, ast.Assert):
                out.extend(_guarded(expr, stmt) for expr in (stmt.test, stmt.msg) if expr is not None)
            else:
                if isinstance(stmt, _COMPOUND):
                    _neutralise_asserts(stmt)
                out.append(stmt)
        setattr(owner, name, out)


# What a lambda cannot hold the way an assert statement does: names a walrus binds, yields, awaits.
_NOT_IN_LAMBDA = (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)


class _Found(NamedTuple):
    body: list  # the statement list holding it
    index: int
    stmt: ast.Assert
    counts: bool  # directly in the body of a ``def check`` outside other functions: one test


def _asserts(tree: ast.Module, source: str) -> tuple[list[_Found], bool]:
    """Every assert of the test, in source order, and whether each can become a lambda call
    (``_rewrite``): not where it sits in a class body (a lambda there cannot see the class's
    names) or holds what ``_NOT_IN_LAMBDA`` names."""
    found: list[_Found] = []
    lambdas = True
    # Walking every assert's expression costs more than the rest of the rewrite: only where the
    # source has the words at all.
    suspect = any(word in source for word in (":=", "yield", "await"))

    def visit(node: ast.AST, in_class: bool, top: bool, counting: bool) -> None:
        nonlocal lambdas
        for owner, name in _blocks(node):
            body = getattr(owner, name)
            for index, stmt in enumerate(body):
                if isinstance(stmt, ast.Assert):
                    if in_class or (suspect and any(isinstance(n, _NOT_IN_LAMBDA) for n in ast.walk(stmt))):
                        lambdas = False
                    found.append(_Found(body, index, stmt, counting and owner is node))
                elif isinstance(stmt, _COMPOUND):
                    function = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                    scope_class = isinstance(stmt, ast.ClassDef) or (in_class and not function)
                    counts = top and isinstance(stmt, ast.FunctionDef) and stmt.name == "check"
                    visit(stmt, scope_class, top and not isinstance(stmt, ast.FunctionDef), counts)

    visit(tree, False, True, False)
    return sorted(found, key=lambda item: (item.stmt.lineno, item.stmt.col_offset)), lambdas


def _rewrite(source: str, found: list[_Found]) -> tuple[str, int]:
    """The test's source with every assert made a call on ``__rl__``, line for line, and how many
    count: ``assert X, M`` directly in ``check`` becomes ``__rl__.check(LINE, lambda: (X), lambda:
    (M))``, any other ``__rl__.nested(lambda: (X), lambda: (M))``. One compile of source then
    serves checking and recording alike (``_Recorder`` decides), instead of two compiles of a
    rewritten tree, which cost several times more. Only where every assert can become a lambda
    call and the source has no carriage returns (``CheckJudge._build``)."""
    data = source.encode()
    starts = [0]
    for line in data.split(b"\n"):
        starts.append(starts[-1] + len(line) + 1)

    def span(node: ast.AST) -> tuple[int, int]:
        return starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset

    out, done, counted = [], 0, 0
    for _body, _index, stmt, counts in found:
        begin, end = span(stmt)
        parts = [b"lambda: (" + data[slice(*span(e))] + b")" for e in (stmt.test, stmt.msg) if e is not None]
        head = f"__rl__.check({stmt.lineno}, " if counts else "__rl__.nested("
        call = head.encode() + b", ".join(parts)
        call += b"\n" * (data.count(b"\n", begin, end) - call.count(b"\n")) + b")"  # (inside the call's parentheses)
        out += [data[done:begin], call]
        done = end
        counted += counts
    out.append(data[done:])
    return b"".join(out).decode(), counted


_BUILDING: dict[tuple, threading.Lock] = {}


def _key(task: Task) -> tuple:
    return (task.task_id, task.prompt, task.test, task.entry_point)


def has_judge(task: Task, store=None) -> bool:
    """Whether ``judge_for(task, store)`` would return at once (built, and stored if asked)."""
    judge = _JUDGES.get(_key(task))
    return judge is not None and (store is None or judge.stored)


def judge_for(task: Task, store=None) -> "CheckJudge":
    """The task's judge, built (and recorded) once per process and shared by every worker: any
    thread asking for a judge another thread is building waits for that one. With ``store`` (the
    on-disk cache), a judge an earlier run built is loaded instead, and a new one is kept there."""
    key = _key(task)
    judge = _JUDGES.get(key)
    if judge is None or (store is not None and not judge.stored):
        with _AST_LOCK:
            building = _BUILDING.setdefault(key, threading.Lock())
        with building:
            judge = _JUDGES.get(key)
            stored_as = _store_key(task) if store is not None else None
            if judge is None:
                judge = _load_judge(task, store, stored_as) if store is not None else None
                if judge is None:
                    judge = CheckJudge(task)
                    judge.record()
            if store is not None and not judge.stored:  # (built by a thread that had no store)
                store.put_bytes("judges", stored_as, judge.dumps())
                judge.stored = True
            with _AST_LOCK:
                if key not in _JUDGES and len(_JUDGES) >= 4096:
                    _JUDGES.pop(next(iter(_JUDGES)))
                _JUDGES[key] = judge
                _BUILDING.pop(key, None)
    return judge


# What a stored judge depends on besides its task: this interpreter (code objects and marshal are
# version-specific) and this module's source (how tests are rewritten and recorded).
_JUDGE_FORMAT = (sys.version, hashlib.sha256(Path(__file__).read_bytes()).hexdigest())


def _store_key(task: Task) -> str:
    return cache_key("judge", _JUDGE_FORMAT, *_key(task))


def _load_judge(task: Task, store, key: str) -> "CheckJudge | None":
    data = store.get_bytes("judges", key)
    judge = CheckJudge.loads(task, data) if data is not None else None
    if judge is not None:
        judge.stored = True
    return judge


class CheckJudge:
    """Compiled once per task; ``run`` once per candidate."""

    stored = False  # kept in the on-disk cache (``judge_for``)

    def dumps(self) -> bytes:
        """The compiled judge and its recorded calls, for the on-disk cache (``loads``)."""
        plan = self.record()
        return marshal.dumps((self.entry_point, self.prompt_code, self.test_code, self.record_code, self.asserts,
                              None if plan is None else (plan.calls, plan.encoded, plan.keys)))

    @classmethod
    def loads(cls, task: Task, data: bytes) -> "CheckJudge | None":
        """A judge ``dumps`` wrote for this task; None for anything else (it is then rebuilt)."""
        try:
            entry_point, prompt_code, test_code, record_code, asserts, plan = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            return None
        judge = cls.__new__(cls)
        judge.task, judge.entry_point, judge.asserts = task, entry_point, asserts
        judge.prompt_code, judge.test_code, judge.record_code = prompt_code, test_code, record_code
        judge._recorded = CallPlan(*plan) if plan is not None else None
        return judge

    def __init__(self, task: Task):
        with _AST_LOCK:  # CPython 3.11's ast can fail under concurrent parsing (python/cpython#106905)
            self._build(task)

    def _build(self, task: Task) -> None:
        self.task = task
        self.entry_point = task.entry_point or ""
        try:
            self.prompt_code = compile(task.prompt, f"<prompt {task.task_id}>", "exec") if task.prompt else None
        except SyntaxError:
            self.prompt_code = None  # a prompt that is not a module on its own: no helpers
        filename = f"<test {task.task_id}>"
        source = task.test or ""
        tree = ast.parse(source, filename=filename)
        found, lambdas = _asserts(tree, source)
        if lambdas and "\r" not in source:
            rewritten, self.asserts = _rewrite(source, found)
            try:
                self.test_code = self.record_code = compile(rewritten, filename, "exec")
                return
            except (SyntaxError, ValueError):  # not expected; the tree can always be rewritten
                pass
        self.asserts = _count_asserts(found)  # new nodes got their locations where they were made
        self.test_code = compile(tree, filename, "exec")
        # The recording version from the same tree: the counted asserts stay wrapped, and their
        # wrappers pass Diverged on (``_Recorder.Gone``), so recording still stops where it must.
        _neutralise_asserts(tree)
        self.record_code = compile(tree, filename, "exec")

    @property
    def total(self) -> int:
        return max(1, self.asserts)

    def _namespace(self, outcome: CheckOutcome, candidate: Callable, recording: bool) -> dict[str, Any]:
        ns: dict[str, Any] = {"__name__": "__rlcode_judge__", "__builtins__": _builtins_with_seeded_random()}
        if self.prompt_code is not None:
            try:
                exec(self.prompt_code, ns)  # noqa: S102 - trusted task text (helpers the tests use)
            except Exception:  # noqa: BLE001 - a prompt that fails alone gives no helpers
                pass
        candidate.__name__ = self.entry_point or "candidate"
        ns[self.entry_point] = candidate
        ns["__rl__"] = _Recorder(outcome, recording)
        return ns

    def run(self, call: Callable[[tuple, dict], Any], _recording: bool = False) -> CheckOutcome:
        """Run ``check`` against ``call``; raises Diverged when a replay does not match."""
        outcome = CheckOutcome(total=self.total)

        def candidate(*args, **kwargs):
            return call(args, kwargs)

        ns = self._namespace(outcome, candidate, _recording)
        try:
            exec(self.record_code if _recording else self.test_code, ns)  # noqa: S102 - trusted test code
            ns["check"](candidate)
            if self.asserts == 0:
                outcome.passed = 1
        except Diverged:
            raise
        except CandidateGone as gone:
            outcome.gone = gone
        except BaseException as exc:  # noqa: BLE001 - anything else fails the remaining tests
            if isinstance(exc, KeyboardInterrupt):
                raise
            outcome.fail(getattr(exc, "lineno", 0) or 0, exc)
        return outcome

    def record(self) -> "CallPlan | None":
        """The calls ``check`` will make (see ``_record``), computed once per task: recording
        depends on the task alone (seeded inputs, stand-in results), never on a candidate."""
        if not hasattr(self, "_recorded"):
            calls = self._record()
            self._recorded = CallPlan.of(calls) if calls is not None else None
        return self._recorded

    def _record(self) -> list[tuple[tuple, dict]] | None:
        """The calls ``check`` will make, found by running it against a stand-in that agrees with
        everything. Sending them in one batch saves a round trip per call; the verdict still comes
        from ``run`` on the real results (a replay), which falls back to live calls if it asks
        for anything else. None when the calls cannot be known in advance."""
        calls: list[tuple[tuple, dict]] = []

        def call(args: tuple, kwargs: dict) -> Any:
            if len(calls) >= MAX_RECORDED_CALLS:
                raise Diverged("too many calls to record")
            try:
                encode([list(args), dict(kwargs)])
            except NotPlainData:
                raise Diverged("an argument depends on an earlier result") from None
            calls.append((args, kwargs))
            return _ANYTHING

        try:
            self.run(call, _recording=True)
        except Diverged:
            return None
        return calls


@dataclass(frozen=True)
class CallPlan:
    """Calls to send to the sandbox in one batch, prepared once: their plain-data encoding, and a
    key per call (``call_key``) to match the calls a replayed check makes against them."""

    calls: list[tuple[tuple, dict]]
    encoded: list[list]
    keys: list[str]

    @classmethod
    def of(cls, calls: list[tuple[tuple, dict]]) -> "CallPlan":
        """Raises NotPlainData when an argument cannot cross to the sandbox."""
        return cls(calls, [[encode(list(a)), encode(dict(k))] for a, k in calls], [call_key(a, k) for a, k in calls])

    @functools.cached_property
    def marshalled(self) -> str | None:
        """The calls for the runner's ``py_batch`` as ``calls_marshal``: base64 of marshal version
        2 (no shared references: every argument a fresh object in the candidate's process, as
        decoding makes them), built from ``encoded`` (the arguments as they were when called).
        Made once per task, so neither side encodes or decodes them per candidate. None when
        marshal refuses them (nesting too deep): they then go as ``encoded``."""
        try:
            data = marshal.dumps([[decode(a), decode(k)] for a, k in self.encoded], 2)
        except (ValueError, NotPlainData, RecursionError):
            return None
        return binascii.b2a_base64(data, newline=False).decode()


def call_key(args: tuple, kwargs: dict) -> str:
    """Equal only for calls whose arguments are equal *and* of the same types (1, 1.0 and True
    differ; so do list and tuple): repr of plain data is exact, and made in C, unlike encoding.
    Equal values that print differently (sets, dicts built in another order) only cost a replay
    its batch: the check then runs live."""
    return repr((args, kwargs))


class _Anything:
    """Host-side stand-in result while recording: equal to, greater and less than everything."""

    def _self(self, *_a, **_k):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _self
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = _self
    __abs__ = __round__ = __getitem__ = __call__ = __getattr__ = _self

    def _true(self, *_a):
        return True

    __eq__ = __lt__ = __le__ = __gt__ = __ge__ = __contains__ = __bool__ = _true

    def __ne__(self, _other):
        return False

    def __hash__(self):
        return 0

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    __index__ = __int__

    def __len__(self):
        return 0

    def __iter__(self):
        return iter(())

    def __str__(self):
        return ""


_ANYTHING = _Anything()


# The random module's public names, and whether each is a method of a Random instance.
_RANDOM_NAMES = [(n, callable(getattr(random.Random(), n, None)) and not isinstance(getattr(random, n), type))
                 for n in dir(random) if not n.startswith("_")]


_SEEDED = threading.local()


def _builtins_with_seeded_random() -> dict[str, Any]:
    """Builtins whose ``import random`` gives a private generator, seeded afresh for every run
    (repeatable) when the run first imports it (most tests never do). The module is made once
    per thread (threads never share a generator); the builtins table is copied per run, so a
    test that changes it changes only its own run."""
    cached = getattr(_SEEDED, "made", None)
    if cached is None:
        gen = random.Random()
        module = types.ModuleType("random")
        for name, bound in _RANDOM_NAMES:
            setattr(module, name, getattr(gen, name) if bound else getattr(random, name))
        cached = _SEEDED.made = (gen, module, dict(builtins.__dict__))
    gen, module, table = cached
    real_import, seeded = table["__import__"], []

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "random" and level == 0:
            if not seeded:  # once per run: a second import in the same run does not restart it
                gen.seed(SEED)
                seeded.append(True)
            return module
        return real_import(name, globals, locals, fromlist, level)

    run = dict(table)
    run["__import__"] = _import
    return run
