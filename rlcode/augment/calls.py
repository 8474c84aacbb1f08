"""Calling a (trusted) solution on many inputs in the sandbox, for its return values.

The scorer's machinery does the work: a ``Worker``'s warm Python session and the executor's
``py_batch`` (all calls in one child process, replies decoded on the host as plain data). The
entry point is wrapped so that each call also reports its own CPU time (``process_time`` inside
the child), which is how inputs that make the solution slow are told apart. When a call ends the
process (a limit, a crash), the calls before it have their values, that call is marked ``gone``
and the rest run again in a fresh process, a few times at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rlcode.judge.check import CallPlan, CandidateGone, CandidateRaised
from rlcode.records import Limits
from rlcode.scoring.pool import Worker

WRAPPER = "__rlcode_timed__"
RERUNS = 3  # processes that may end early per solution before the remaining calls are given up

_WRAP = '''

def {wrapper}(*args):
    import time as _time
    _start = _time.process_time()
    _value = {entry}(*args)
    return [_time.process_time() - _start, _value]
'''


@dataclass(frozen=True)
class CallOutcome:
    status: str  # "ok", "raised" (an exception, or a value that cannot cross), "gone" (ended the process), "skipped"
    value: Any = None
    cpu_s: float = 0.0
    error: str = ""


def call_all(worker: Worker, code: str, entry_point: str, inputs: list[list[Any]], limits: Limits) -> list[CallOutcome]:
    """``entry_point(*args)`` of ``code`` for every argument list, in the sandbox."""
    wrapped = code + _WRAP.format(wrapper=WRAPPER, entry=entry_point)
    out: list[CallOutcome | None] = [None] * len(inputs)
    start, reruns = 0, 0
    while start < len(inputs):
        done = _batch(worker, wrapped, inputs, start, out, limits)
        if done >= len(inputs):
            break
        out[done] = CallOutcome("gone", error="the process ended during this call")
        start, reruns = done + 1, reruns + 1
        if reruns > RERUNS:
            break
    return [o or CallOutcome("skipped") for o in out]


def _batch(worker: Worker, code: str, inputs: list[list[Any]], start: int, out: list, limits: Limits) -> int:
    """Run inputs[start:] in one process; fill ``out``; return the index of the first call
    without a result (``len(inputs)`` when all have one)."""
    calls = [(tuple(args), {}) for args in inputs[start:]]
    plan = CallPlan.of(calls)
    # The worker's warm session, replaced and retried like a candidate's (SessionsFailed at the end).
    early, replay, _report = worker.with_session("python", lambda ex: ex.call_batch(code, WRAPPER, plan, limits))
    if early is not None:  # the module did not load: every call fails alike
        for i in range(start, len(inputs)):
            out[i] = CallOutcome("raised", error=str(early.details.get("error", early.verdict.value))[:300])
        return len(inputs)
    for offset, (args, kwargs) in enumerate(calls):
        try:
            cpu_s, value = replay(args, kwargs)
            out[start + offset] = CallOutcome("ok", value, float(cpu_s))
        except CandidateRaised as exc:
            out[start + offset] = CallOutcome("raised", error=str(exc)[:300])
        except CandidateGone:
            return start + offset
    return len(inputs)
