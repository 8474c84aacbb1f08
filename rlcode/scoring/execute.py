"""Run one candidate against its task in a sandbox session and decide the verdict.

The session holds the candidate; this module (the trusted side) holds the tests. Three task
kinds: ``check`` (HumanEval layout), ``fn`` (``fn_tests``) and ``io`` (``io_tests``).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from rlcode.cache import cache_key
from rlcode.judge.check import CallPlan, CandidateGone, CandidateRaised, CheckJudge, Diverged, call_key, judge_for
from rlcode.judge.compare import compare_output, to_json_shape, values_equal
from rlcode.languages import Language
from rlcode.records import ExecutionResult, Limits, Task, Verdict
from rlcode.sandbox.base import Session
from rlcode.sandbox.runner import NotPlainData, decode, encode

HOST_MARGIN_S = 10.0  # how much longer than the candidate's wall limit the host waits for the runner
EXCERPT = 2000

LIMIT_VERDICTS = {
    "wall_time": Verdict.TIMEOUT,
    "cpu_time": Verdict.TIMEOUT,
    "memory": Verdict.MEMORY_EXCEEDED,
    "output": Verdict.OUTPUT_EXCEEDED,
    "file_size": Verdict.OUTPUT_EXCEEDED,
}


def verdict_from_report(report: dict | None, language: Language) -> Verdict | None:
    """The verdict a finished process earned on its own; None when it ended cleanly."""
    if not report:
        return None
    if report.get("limit") in LIMIT_VERDICTS:
        return LIMIT_VERDICTS[report["limit"]]
    stderr = report.get("stderr") or ""
    if any(marker in stderr for marker in language.memory_markers):
        return Verdict.MEMORY_EXCEEDED
    if report.get("exit_code") not in (0, None) or (report.get("signal") and report.get("exit_code") is None):
        return Verdict.RUNTIME_ERROR
    return None


MEMORY_NEAR = 0.9  # a crash at this fraction of the memory limit or above is taken as running out of it


def memory_verdict(verdict: Verdict | None, report: dict, lim: dict) -> Verdict | None:
    """Peak resident memory over the limit is memory_exceeded, however the run ended: runtimes
    whose limit is a heap flag or the container's cgroup can pass it. A crash near the limit is
    one too: C's malloc returns NULL under the address-space limit and the program then faults."""
    if verdict not in (None, Verdict.RUNTIME_ERROR):
        return verdict
    peak_kb, limit_kb = report.get("peak_kb") or 0, int(lim["memory_mb"]) * 1024
    if peak_kb > limit_kb or (verdict is Verdict.RUNTIME_ERROR and peak_kb >= MEMORY_NEAR * limit_kb):
        return Verdict.MEMORY_EXCEEDED
    return verdict


def usage(report: dict | None) -> dict[str, Any]:
    if not report:
        return {}
    out = {k: report.get(k) for k in ("wall_s", "cpu_s", "peak_kb", "exit_code", "signal", "limit")}
    if report.get("stderr"):
        out["stderr"] = report["stderr"][-EXCERPT:]
    if report.get("stdout_excerpt"):
        out["stdout"] = report["stdout_excerpt"][:EXCERPT]
    return {k: v for k, v in out.items() if v is not None}


def _fn_result(died: Verdict | None, passed: int, total: int, failures: list[dict], details: dict) -> ExecutionResult:
    """The verdict of a function task (Python or a driver): the process's own end first, then
    passed, then failed unless every failure was the candidate raising (runtime_error)."""
    if failures:
        details["failures"] = failures[:5]
    if died is not None:
        return ExecutionResult(died, passed, total, details)
    if passed == total:
        return ExecutionResult(Verdict.PASSED, passed, total, details)
    wrong = any(f["kind"] != "candidate_exception" for f in failures)
    return ExecutionResult(Verdict.FAILED if wrong else Verdict.RUNTIME_ERROR, passed, total, details)


class Executor:
    """Runs candidates of one language in one session. Judges are cached per task."""

    def __init__(self, session: Session, language: Language, artifacts: tuple | None = None):
        self.session = session
        self.language = language
        self.artifacts = artifacts  # (Cache, toolchain id): compiled files reused for identical source

    def _timeout(self, lim: dict) -> float:
        return float(lim["wall_s"]) + HOST_MARGIN_S

    def _runner_limits(self, limits: Limits) -> tuple[Limits, dict]:
        """The task's limits scaled for this language, and as the runner takes them."""
        scaled = limits.scaled(self.language.time_factor, self.language.memory_factor)
        lim = scaled.for_runner(self.language.address_space)
        lim["data_limit"] = self.language.data_limit
        return scaled, lim

    def run(self, task: Task, code: str, limits: Limits) -> ExecutionResult:
        scaled, lim = self._runner_limits(limits)
        started = time.perf_counter()
        if task.kind == "check" and self.language.name == "python":
            result = self._run_check(task, code, lim)  # takes the session only while it needs it
        else:
            with self.session.txn:
                result = self._run_other(task, code, lim)
        result.details.setdefault("limits", {"time_s": scaled.time_s, "memory_mb": scaled.memory_mb})
        result.details["elapsed_s"] = round(time.perf_counter() - started, 6)
        return result

    def _run_other(self, task: Task, code: str, lim: dict) -> ExecutionResult:
        if task.kind == "io":
            result = self._run_io(task, code, lim)
        elif self.language.name != "python":
            result = self._run_fn_driver(task, code, lim)
        else:
            result = self._run_python_fn(task, code, lim)
        return result

    # -- Python function tasks ---------------------------------------------------------------------
    def _load(self, code: str, lim: dict, total: int) -> ExecutionResult | None:
        reply = self.session.request({"op": "py_load", "code": code, "limits": lim}, self._timeout(lim))
        return self._load_failure(reply, total)

    def _load_failure(self, reply: dict, total: int) -> ExecutionResult | None:
        """The verdict when the module did not load (syntax error, crash at import); else None."""
        status = reply.get("status")
        if status == "ready":
            return None
        details = usage(reply.get("report"))
        if reply.get("error"):
            details["error"] = reply["error"]
        if status == "compile_error":
            return ExecutionResult(Verdict.COMPILE_ERROR, 0, total, details)
        if status == "memory":
            return ExecutionResult(Verdict.MEMORY_EXCEEDED, 0, total, details)
        verdict = verdict_from_report(reply.get("report"), self.language) or Verdict.RUNTIME_ERROR
        details.setdefault("error", "the program exited while loading")
        return ExecutionResult(verdict, 0, total, details)

    @staticmethod
    def _interpret(reply: dict, report: dict | None = None) -> Any:
        """A call's reply as the value it returned, or the exception the check should see."""
        status = reply.get("status")
        if status == "ok":
            try:
                return decode(reply.get("value"))
            except (NotPlainData, ValueError, TypeError) as exc:
                raise CandidateRaised(f"malformed return value: {exc}", unplain=True) from None
        if status == "unplain":
            raise CandidateRaised(reply.get("error", "return value cannot cross the channel"), unplain=True)
        if status == "memory":
            raise CandidateGone({"limit": "memory", **(report or {})}, "MemoryError")
        if status == "exception":
            raise CandidateRaised(reply.get("error", "exception"))
        raise CandidateGone(reply.get("report") or report, "the candidate process ended during a call")

    @staticmethod
    def _reply(text: str) -> dict:
        """One call's reply as the candidate process wrote it. It can write anything there."""
        try:
            reply = json.loads(text)
        except (ValueError, RecursionError):
            reply = None
        if not isinstance(reply, dict):
            raise CandidateRaised("the candidate process sent a malformed reply", unplain=True)
        return reply

    @staticmethod
    def _encode_call(args: tuple, kwargs: dict) -> list:
        try:
            return [encode(list(args)), encode(dict(kwargs))]
        except NotPlainData as exc:
            raise TypeError(f"the test passed an argument that cannot cross to the sandbox: {exc}") from None

    def _call(self, fn: str, lim: dict):
        def call(args: tuple, kwargs: dict) -> Any:
            enc_args, enc_kwargs = self._encode_call(args, kwargs)
            payload = {"op": "py_call", "fn": fn, "args": enc_args, "kwargs": enc_kwargs}
            return self._interpret(self.session.request(payload, self._timeout(lim)))

        return call

    def call_batch(self, code: str, fn: str, plan: CallPlan, limits: Limits):
        """``fn`` of (Python) ``code`` called on every planned argument list in one process, under
        ``limits`` scaled as for a candidate: ``_batch``'s (early result or None, replay, report)."""
        return self._batch(code, fn, plan, self._runner_limits(limits)[1], len(plan.encoded))

    def _batch(self, code: str, fn: str, plan: CallPlan, lim: dict, total: int):
        """Load, make every planned call and end in one request. Returns (early result or None,
        a replaying call function, the final report)."""
        timeout = self._timeout(lim)
        request = {"op": "py_batch", "code": code, "fn": fn, "limits": lim}
        packed = plan.marshalled
        if packed is not None:
            request["calls_marshal"], request["n_calls"] = packed, len(plan.encoded)
        else:
            request["calls"] = plan.encoded
        reply = self.session.request(request, timeout)
        early = self._load_failure(reply, total)
        if early:
            return early, None, None
        results, report = reply["results"], reply.get("report")
        position = [0]

        def replay(args: tuple, kwargs: dict) -> Any:
            # The next recorded call with these arguments: a check whose short-circuits skip a
            # call while recording made it is still replayed; one that asks for anything else
            # (an argument computed from a result) goes live.
            wanted, keys = call_key(args, kwargs), plan.keys
            i = position[0]
            while i < len(keys) and keys[i] != wanted:
                i += 1
            if i >= len(keys):
                raise Diverged(f"call with {wanted[:80]} was not recorded")
            position[0] = i + 1
            if i >= len(results):
                raise CandidateGone(report, "the candidate process ended during a call")
            return self._interpret(self._reply(results[i]), report)

        return None, replay, report

    def _end(self) -> dict | None:
        return self.session.request({"op": "end"}, 30).get("report")

    def _run_check(self, task: Task, code: str, lim: dict) -> ExecutionResult:
        judge = judge_for(task)
        fn = task.entry_point or ""
        outcome, report = None, None
        calls = judge.record()
        if calls is not None:
            early, replay, report = self._batch(code, fn, calls, lim, judge.total)
            if early:
                return early
            try:
                outcome = judge.run(replay)
            except Diverged:
                outcome = None  # the check depends on results in a way recording missed: go live
        channel = "batch"
        if outcome is None:
            channel = "live"
            with self.session.txn:  # load, calls and end belong together
                early = self._load(code, lim, judge.total)
                if early:
                    return early
                outcome = judge.run(self._call(fn, lim))
                report = outcome.gone.report if outcome.gone else self._end()
        elif outcome.gone:
            report = outcome.gone.report or report
        result = self._check_verdict(judge, outcome, report)
        result.details["calls"] = channel
        return result

    def _check_verdict(self, judge: CheckJudge, outcome, report: dict | None) -> ExecutionResult:
        details = usage(report)
        if outcome.failures:
            details["failures"] = outcome.failures
        passed = outcome.passed if not outcome.failures else min(outcome.passed, judge.total - 1)
        if outcome.gone:
            details["error"] = outcome.gone.reason
            verdict = verdict_from_report(report, self.language) or (
                Verdict.MEMORY_EXCEEDED if outcome.gone.reason == "MemoryError" else Verdict.RUNTIME_ERROR)
            return ExecutionResult(verdict, passed, judge.total, details)
        if not outcome.failures and passed == judge.total:
            return ExecutionResult(Verdict.PASSED, passed, judge.total, details)
        only_raised = outcome.kinds == {"candidate_exception"}
        return ExecutionResult(Verdict.RUNTIME_ERROR if only_raised else Verdict.FAILED, passed, judge.total, details)

    def _run_python_fn(self, task: Task, code: str, lim: dict) -> ExecutionResult:
        tests = task.fn_tests or []
        calls = [(tuple(t["args"]), {}) for t in tests]  # arguments from JSON: plain data by construction
        early, call, report = self._batch(code, task.entry_point or "", CallPlan.of(calls), lim, len(tests))
        if early:
            return early
        passed, failures, gone, passed_ids = 0, [], None, []
        for i, (test, (args, kwargs)) in enumerate(zip(tests, calls)):
            try:
                got = call(args, kwargs)
            except CandidateRaised as exc:
                failures.append({"test": i, "kind": "unplain_return" if exc.unplain else "candidate_exception",
                                 "message": str(exc)[:500]})
                continue
            except CandidateGone as exc:
                gone = exc
                break
            if values_equal(test["expected"], to_json_shape(got)):
                passed += 1
                passed_ids.append(i)
            else:
                failures.append({"test": i, "kind": "wrong_answer", "expected": repr(test["expected"])[:200],
                                 "got": repr(got)[:200]})
        details = usage(report)
        details["passed_tests"] = passed_ids  # per-test outcomes (repair regressions)
        died = None
        if gone:
            details["error"] = gone.reason
            died = verdict_from_report(report, self.language) or Verdict.RUNTIME_ERROR
        return _fn_result(died, passed, len(tests), failures, details)

    # -- compiling (I/O programs and function drivers) ------------------------------------------
    def _compile(self, files: dict[str, str], lim: dict, total: int, details: dict) -> ExecutionResult | None:
        """Write the sources and compile them in the sandbox with the compile limits; a
        compile_error result on failure. Identical sources reuse the cached artifacts."""
        lang = self.language
        self.session.request({"op": "write", "files": files}, 30)
        if not lang.compile:
            return None
        key = None
        if self.artifacts is not None and lang.artifacts:
            cache, toolchain = self.artifacts
            key = cache_key("artifact", lang.name, toolchain, list(lang.compile), files)
            hit = cache.get("artifacts", key)
            if hit is not None:
                self.session.request({"op": "write", "files": {name: {"b64": b64, "mode": 0o755}
                                                               for name, b64 in hit["files"].items()}}, 30)
                details["compile"] = {"cached": True, "warnings": hit["warnings"]}
                return None
        clim = dict(lim, time_s=lang.compile_time_s, wall_s=lang.compile_time_s * 2, memory_mb=lang.compile_memory_mb)
        report = self.session.request({"op": "run", "argv": lang.argv(lang.compile, clim), "limits": clim},
                                      self._timeout(clim))["report"]
        diagnostics = ((report.get("stderr") or "") + (report.get("stdout_excerpt") or ""))[:EXCERPT]
        if report.get("exit_code") != 0:
            self._end()
            why = {"wall_time": "compiler timed out", "cpu_time": "compiler timed out",
                   "memory": "compiler ran out of memory", "output": "compiler output flood",
                   "file_size": "compiled output too large"}.get(report.get("limit") or "", "")
            details["compile"] = {"diagnostics": diagnostics, "reason": why, **usage(report)}
            return ExecutionResult(Verdict.COMPILE_ERROR, 0, total, details)
        details["compile"] = {"wall_s": report.get("wall_s"), "warnings": diagnostics}
        if key is not None:
            got = self.session.request({"op": "read", "files": list(lang.artifacts)}, 60)["files"]
            if set(got) == set(lang.artifacts):
                self.artifacts[0].put("artifacts", key, {"files": got, "warnings": diagnostics})
        return None

    # -- I/O tasks (any language) ------------------------------------------------------------------
    def _run_io(self, task: Task, code: str, lim: dict) -> ExecutionResult:
        tests = task.io_tests or []
        lang = self.language
        details: dict[str, Any] = {}
        failed = self._compile(lang.files_for(code), lim, len(tests), details)
        if failed:
            return failed
        passed, first_bad, reports, passed_ids = 0, None, [], []
        for i, test in enumerate(tests):
            stdin = base64.b64encode(test.get("input", "").encode()).decode()
            report = self.session.request({"op": "run", "argv": lang.argv(lang.run, lim), "stdin_b64": stdin,
                                           "limits": lim}, self._timeout(lim))["report"]
            reports.append(report)
            verdict = memory_verdict(verdict_from_report(report, lang), report, lim)
            if verdict is not None:
                first_bad = first_bad or (verdict, i, usage(report))
                if verdict is not Verdict.RUNTIME_ERROR:
                    break  # a limit hit: the rest would hit it too
                continue
            got = base64.b64decode(report.get("stdout_b64", "")).decode("utf-8", "replace")
            mismatch = compare_output(task.checker, test["output"], got)
            if mismatch is None:
                passed += 1
                passed_ids.append(i)
            elif first_bad is None:
                first_bad = (Verdict.FAILED, i, {"mismatch": mismatch.describe()})
        self._end()
        details["tests"] = [{"wall_s": r.get("wall_s"), "cpu_s": r.get("cpu_s"), "peak_kb": r.get("peak_kb")}
                            for r in reports]
        details["wall_s"] = round(sum(r.get("wall_s") or 0 for r in reports), 6)
        details["peak_kb"] = max((r.get("peak_kb") or 0 for r in reports), default=0)
        details["passed_tests"] = passed_ids  # per-test outcomes (repair regressions)
        if passed == len(tests):
            return ExecutionResult(Verdict.PASSED, passed, len(tests), details)
        verdict, index, info = first_bad
        details["first_failure"] = {"test": index, **info}
        return ExecutionResult(verdict, passed, len(tests), details)

    # -- function tasks in other languages: a generated driver program --------------------------
    def _run_fn_driver(self, task: Task, code: str, lim: dict) -> ExecutionResult:
        """``fn_tests`` outside Python (rlcode/judge/drivers, docs/function-tasks.md).

        The driver is the candidate's code plus calls of the entry point with each test's
        arguments; it prints each result behind a nonce chosen here, per run. Compiled once like
        an I/O program, run once for all tests; the expected values never leave this process."""
        from rlcode.judge.drivers import Unsupported, build_driver, check_task, new_nonce, parse_results

        tests = task.fn_tests or []
        lang = self.language
        if task.kind != "fn":
            return ExecutionResult(Verdict.SANDBOX_ERROR, 0, 0, {
                "error": f"task {task.task_id}: HumanEval-style check tasks run only in Python, not {lang.name}"})
        nonce = new_nonce()
        try:
            sig = check_task(lang.name, task.entry_point or "", task.signature, tests)
            files = build_driver(lang.name, code, task.entry_point or "", sig, tests, nonce)
        except Unsupported as exc:  # the task's fault, not the candidate's: no reward either way
            return ExecutionResult(Verdict.SANDBOX_ERROR, 0, len(tests), {
                "error": f"task {task.task_id} cannot run in {lang.name}: {exc.field}: {exc}"})
        details: dict[str, Any] = {"driver": {"signature": sig.to_json()}}
        # Exactly as for an I/O program: same command, limits, verdicts, artifact cache.
        failed = self._compile(files, lim, len(tests), details)
        if failed:
            return failed
        report = self.session.request({"op": "run", "argv": lang.argv(lang.run, lim), "limits": lim},
                                      self._timeout(lim))["report"]
        self._end()
        stdout = base64.b64decode(report.get("stdout_b64", "")).decode("utf-8", "replace")
        passed, failures, passed_ids = 0, [], []
        for i, (test, out) in enumerate(zip(tests, parse_results(stdout, nonce, len(tests)))):
            if out.kind == "value" and values_equal(test["expected"], out.value):
                passed += 1
                passed_ids.append(i)
            elif out.kind == "value":
                failures.append({"test": i, "kind": "wrong_answer", "expected": repr(test["expected"])[:200],
                                 "got": repr(out.value)[:200]})
            elif out.kind == "raised":
                failures.append({"test": i, "kind": "candidate_exception", "message": out.text[:500]})
            elif out.kind == "malformed":
                failures.append({"test": i, "kind": "malformed_result", "line": out.text[:200]})
            else:
                failures.append({"test": i, "kind": "no_result"})
        details.update(usage(report))
        details["passed_tests"] = passed_ids  # per-test outcomes (repair regressions)
        died = memory_verdict(verdict_from_report(report, lang), report, lim)
        if died is not None:  # died, or hit a limit: what it finished still counts
            finished = sum(f["kind"] != "no_result" for f in failures) + passed
            details["error"] = f"the program ended after {finished} of {len(tests)} tests"
        return _fn_result(died, passed, len(tests), failures, details)
