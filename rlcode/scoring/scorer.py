"""Scoring: candidates in, verdicts + composite rewards out.

``Scorer`` is the engine shared by ``rlcode score`` (``score_file``: resumable, in input order)
and the TRL reward function (``rlcode.reward.trl``: a persistent pool called every step). Per
candidate: build the program, run it in a sandbox worker, attach static analysis, compute the
reward. Python programs are analysed up front in one batch (one ruff process for all of them);
compiled languages after their sandbox compile step, whose warnings are findings too.
"""

from __future__ import annotations

import copy
import dataclasses
import marshal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rlcode import __version__
from rlcode.cache import Cache, extend_prefix, finish_key, key_prefix
from rlcode.candidates import load_candidates
from rlcode.errors import InputError
from rlcode.extract import build_program
from rlcode.judge.check import has_judge, judge_for
from rlcode.jsonl import JsonlAppender, recover_output
from rlcode.languages import get_language, language_names
from rlcode.metrics import summarize
from rlcode.records import Candidate, ExecutionResult, Limits, ScoredRow, Task, Verdict
from rlcode.reward.composite import CompositeReward
from rlcode.sandbox import open_backend
from rlcode.scoring.pool import ParallelExecutor, ThreadExecutor, Worker
from rlcode.settings import Settings
from rlcode.tasks import load_tasks


NOT_LOOKED_UP = object()  # ``ScoreJob.prefetched`` before (or after) a batched cache lookup


@dataclass
class ScoreJob:
    index: int
    task: Task
    candidate: Candidate
    language: str = ""
    code: str = ""
    program: dict = field(default_factory=dict)
    static: object | None = None  # an AnalysisResult, when analysed up front
    result_key: str | None = None  # the result cache's key, once computed
    # What the cache held for ``result_key`` when the call began (``_twins``: None, nothing),
    # used once by the run it was looked up for; NOT_LOOKED_UP otherwise.
    prefetched: object = NOT_LOOKED_UP
    repaired: str | None = None  # repair tasks: the whole repaired program, diffed against buggy_code


def program_for(task: Task, cand: Candidate) -> tuple[str, str, dict]:
    """(language, code, extraction info) for one candidate."""
    language = cand.language or task.language
    program = build_program(task.prompt, task.entry_point, language, completion=cand.completion, code=cand.code)
    return language, program.code, {"mode": program.mode, "extracted": program.extracted}


class Scorer:
    """Owns the sandbox backend, the worker pool, the analyzers and the reward. Close it when done."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._backend = None
        self._pool: ParallelExecutor | None = None
        extra = ()
        if settings.analysis.enabled:
            from rlcode.analysis import AnalysisConfig, ScoreWeights
            from rlcode.reward.static import StaticComponent

            a = settings.analysis
            self._weights = ScoreWeights(**a.severity_weights)
            self._analysis_config = AnalysisConfig(
                cache_dir=Path(a.cache_dir).expanduser() if a.cache_dir else _default_cache())
            # Up front, in one batch: everything but compiler warnings, which exist only after the
            # sandbox compile step; per row afterwards: the compiler's warnings and tree-sitter.
            self._batch_analyzers = [n for n in a.analyzers if n != "compiler"]
            self._row_analyzers = [n for n in a.analyzers if n in ("compiler", "treesitter")]
            extra = (StaticComponent(weights=self._weights),)
        self.reward = CompositeReward.from_settings(settings.reward, extra)
        self.cache = open_cache(settings) if settings.sandbox.cache else None
        self._language_keys: dict[str, object] = {}  # language -> key prefix (recipe, toolchain id)
        self._baselines: dict[str, float | None] = {}  # task_id -> canonical solution's CPU seconds
        self._buggy: dict[str, tuple | None] = {}  # repair tasks: task_id -> the buggy code's own outcome
        self._buggy_programs: dict[str, tuple] = {}  # repair tasks: task_id -> (candidate, language, code, info)
        self._judging: list[threading.Thread] = []
        self._closing = False

    # -- lifecycle -----------------------------------------------------------------------------------
    @property
    def pool(self) -> ParallelExecutor:
        if self._pool is None:
            self._backend = open_backend(self.settings)
            backend, retries, cache = self._backend, self.settings.sandbox.retries, self.cache
            if self.settings.sandbox.executor == "ray":  # actors with their own backends (Ray imported here only)
                from rlcode.scoring.ray_executor import RayExecutor

                self._pool = RayExecutor(self.settings)
            else:
                self._pool = ThreadExecutor(self.settings.sandbox.workers, lambda: Worker(backend, retries, cache))
        return self._pool

    def close(self) -> None:
        self._closing = True
        for thread in self._judging:  # it uses the cache, closed below
            thread.join()
        self._judging = []
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def __enter__(self) -> "Scorer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- work ------------------------------------------------------------------------------------------
    def jobs(self, pairs: Iterable[tuple[int, Task, Candidate]]) -> list[ScoreJob]:
        """Build programs and run the up-front (batched) static analysis, while the sandbox
        containers start and the judges are built in the background."""
        pairs = list(pairs)
        self.pool.prestart(list(dict.fromkeys(c.language or t.language for _, t, c in pairs)))
        jobs = []
        checked: set[tuple[str, str]] = set()
        for index, task, cand in pairs:
            language, code, info = program_for(task, cand)
            if (task.task_id, language) not in checked:
                check_runnable(task, cand, language)
                checked.add((task.task_id, language))
            jobs.append(ScoreJob(index, task, cand, language, code, info))
            if task.buggy_code is not None:
                self._prepare_repair(jobs[-1])
        self._build_judges([t for t in {id(j.task): j.task for j in jobs if j.task.kind == "check"}.values()
                            if not has_judge(t, self.cache)])
        if self.settings.analysis.enabled:
            self._analyze([j for j in jobs if j.language == "python"], batch=True)
        return jobs

    def _build_judges(self, tasks: list[Task]) -> None:
        """Build (or load) the judges of HumanEval-layout tasks in a background thread, in the
        order their jobs run, so that the workers start as soon as their containers are up instead
        of waiting for every judge: a worker that reaches a task first builds its judge itself, or
        waits for the one being built (``judge_for``)."""
        if not tasks:
            return

        def build() -> None:
            for task in tasks:
                if self._closing and not has_judge(task):  # closing: store what was built, build no more
                    continue
                try:
                    judge_for(task, self.cache)
                except Exception:  # noqa: BLE001 - the worker that needs it builds it and reports it
                    pass

        thread = threading.Thread(target=build, name="rlcode-judges", daemon=True)
        thread.start()
        self._judging = [t for t in self._judging if t.is_alive()] + [thread]

    def _analyze(self, jobs: list[ScoreJob], batch: bool, diagnostics: dict[int, str] | None = None) -> None:
        from rlcode.analysis import AnalysisInput, analyze_batch

        if not jobs:
            return
        items = [AnalysisInput(j.language, j.code, f"{j.candidate.task_id}#{j.candidate.candidate_id}",
                               diagnostics=(diagnostics or {}).get(j.index),
                               given_lines=j.task.prompt.count("\n") if j.program.get("mode") == "completion" else 0)
                 for j in jobs]
        names = self._batch_analyzers if batch else self._row_analyzers
        for job, res in zip(jobs, analyze_batch(items, names, self._analysis_config, self._weights)):
            job.static = res

    def limits_for(self, task: Task) -> Limits:
        s = self.settings.sandbox
        if task.limits:
            return Limits(task.limits.time_s, task.limits.memory_mb, s.output_kb, s.file_mb)
        return s.limits()

    def _result_key(self, job: ScoreJob, limits: Limits, prefixes: dict | None = None) -> str:
        """The result cache's key: what the job runs (language recipe, toolchain, tests, limits,
        code). ``prefixes`` keeps the hash of all but the code per (language, task, limits), for
        the many jobs of one call that share them; it lives for that call only (it is keyed by
        the task object's id)."""
        if job.language not in self._language_keys:
            lang = get_language(job.language)
            recipe = {f.name: getattr(lang, f.name) for f in dataclasses.fields(lang) if f.name != "prepare"}
            toolchain = self._backend.toolchain_id(job.language)
            self._language_keys[job.language] = key_prefix("result", __version__, recipe, toolchain)
        t = job.task
        shared = (job.language, id(t), tuple(limits.__dict__.items()))
        prefix = prefixes.get(shared) if prefixes is not None else None
        if prefix is None:
            rest = [t.fn_tests, t.io_tests, t.checker, t.signature]  # (texts apart: hashed without escaping)
            prefix = extend_prefix(self._language_keys[job.language], t.prompt, t.entry_point, t.test, rest,
                                   limits.__dict__)
            if prefixes is not None:
                prefixes[shared] = prefix
        return finish_key(prefix, job.code)

    def _execute(self, worker: Worker, job: ScoreJob, limits: Limits) -> ExecutionResult:
        """Run the job, or serve an identical one's result (same task, program, language, limits
        and toolchain) from the cache. Timeouts and sandbox errors are never stored (they depend
        on the machine's load); identical jobs of one call share even those (``imap``)."""
        if self.cache is None:
            return worker.run(job.task, job.code, job.language, limits)
        key = job.result_key or self._result_key(job, limits)
        hit, job.prefetched = job.prefetched, NOT_LOOKED_UP  # (good for this run only)
        if hit is NOT_LOOKED_UP:
            hit = self.cache.get("results", key)
        if hit is not None:
            details = dict(hit["details"], cached=True)
            return ExecutionResult(Verdict(hit["verdict"]), hit["tests_passed"], hit["tests_total"], details)
        result = worker.run(job.task, job.code, job.language, limits)
        if result.verdict not in (Verdict.SANDBOX_ERROR, Verdict.TIMEOUT):
            self.cache.put("results", key, {"verdict": result.verdict.value, "tests_passed": result.tests_passed,
                                            "tests_total": result.tests_total, "details": result.details})
        return result

    def run_one(self, worker: Worker, job: ScoreJob) -> ScoredRow:
        return self._row(worker, job, self._execute(worker, job, self.limits_for(job.task)))

    def _row(self, worker: Worker | None, job: ScoreJob, result: ExecutionResult) -> ScoredRow:
        """The scored row: execution details, static analysis, reward."""
        result.details["program"] = job.program
        result.details["language"] = job.language
        if self.settings.reward.efficiency_weight and result.verdict is Verdict.PASSED:
            self._efficiency(worker, job, result)
        if self.settings.analysis.enabled and job.static is None and job.language != "python":
            warnings = (result.details.get("compile") or {})
            text = warnings.get("warnings") or warnings.get("diagnostics")
            self._analyze([job], batch=False, diagnostics={job.index: text} if text else None)
        if job.static is not None:
            result.details["static"] = job.static.to_json()
        value, components = self.reward(job.task, job.candidate, result)
        repair = self._repair(worker, job, result) if job.task.buggy_code is not None else None
        return ScoredRow(job.candidate, result, value, components, repair)

    def _prepare_repair(self, job: ScoreJob) -> None:
        """Build, in the calling thread, the programs ``_repair`` needs: CPython 3.11's ``ast.parse``
        (which extraction uses) can fail when two threads run it at once."""
        from rlcode.evaluate.repair import repaired_text

        task = job.task
        job.repaired = repaired_text(task, job.candidate, job.code)
        if task.task_id not in self._buggy_programs:
            cand = Candidate(task.task_id, "buggy", {}, code=task.buggy_code)
            self._buggy_programs[task.task_id] = (cand, *program_for(task, cand))

    def _repair(self, worker: Worker | None, job: ScoreJob, result: ExecutionResult) -> dict:
        """The row's ``repair`` fields (DESIGN.md); the buggy code runs once per task (like the
        efficiency baseline), for the tests it passed itself: those a candidate fails are regressions."""
        from rlcode.evaluate.repair import repair_fields

        task = job.task
        if job.repaired is None:  # a job not made by ``jobs``
            self._prepare_repair(job)
        if task.task_id not in self._buggy and worker is not None:  # a twin's first has run it
            cand, language, code, info = self._buggy_programs[task.task_id]
            base = self._execute(worker, ScoreJob(-1, task, cand, language, code, info), self.limits_for(task))
            self._buggy[task.task_id] = None if base.verdict is Verdict.SANDBOX_ERROR else (
                base.verdict.value, base.tests_passed, base.tests_total, base.details)
        fields = repair_fields(task, job.repaired, result.verdict.value, result.tests_passed, result.tests_total,
                               result.details, self._buggy.get(task.task_id))
        return fields.to_json()

    def _efficiency(self, worker: Worker, job: ScoreJob, result: ExecutionResult) -> None:
        """CPU time against the task's canonical solution (in the task's language), run once per task."""
        task = job.task
        if not task.canonical_solution:
            return
        if task.task_id not in self._baselines:
            if worker is None:  # a twin's row: its first computed the baseline (same task)
                return
            cand = Candidate(task.task_id, "canonical", {}, completion=task.canonical_solution)
            _, code, _ = program_for(task, cand)
            base = worker.run(task, code, task.language, self.limits_for(task))
            self._baselines[task.task_id] = base.details.get("cpu_s") if base.verdict is Verdict.PASSED else None
        base_cpu, cpu = self._baselines[task.task_id], result.details.get("cpu_s")
        if base_cpu is None or cpu is None:
            return
        floor = 0.005  # below a few milliseconds CPU time is noise
        ratio = min(1.0, max(base_cpu, floor) / max(cpu, floor))
        result.details["efficiency"] = {"cpu_s": cpu, "canonical_cpu_s": base_cpu, "ratio": round(ratio, 6)}

    def imap(self, jobs: list[ScoreJob]) -> Iterator[tuple[ScoreJob, ScoredRow]]:
        """Results as they finish. Jobs are handed out grouped by language, so a mixed batch keeps
        each worker on one warm container at a time instead of switching per candidate. With the
        cache on, only the first of identical jobs runs; its twins' rows follow its own."""
        firsts, twins = self._twins(jobs)
        again = []
        for job, row in self.pool.imap(_grouped(firsts), self.run_one):
            yield job, row
            for twin in twins.get(id(job), ()):
                twin_row = self._twin_row(twin, row)
                if twin_row is None:
                    again.append(twin)
                else:
                    yield twin, twin_row
        if again:  # the first hit a sandbox error: its twins run for themselves
            yield from self.pool.imap(_grouped(again), self.run_one)
        if self.cache is not None:
            self.cache.flush()  # this call's results written before it returns

    def map(self, jobs: list[ScoreJob]) -> list[ScoredRow]:
        rows = {id(job): row for job, row in self.imap(jobs)}
        return [rows[id(job)] for job in jobs]

    def _twins(self, jobs: list[ScoreJob]) -> tuple[list[ScoreJob], dict[int, list[ScoreJob]]]:
        """The first of each set of identical jobs (same result key), and the others by their
        first's id. Grouping before the pool sees them keeps every worker thread busy (no job
        waits on a twin); identical jobs of separate calls meet in the result cache."""
        if self.cache is None:
            return jobs, {}
        firsts, twins, seen, prefixes = [], {}, {}, {}
        for job in jobs:
            job.result_key = self._result_key(job, self.limits_for(job.task), prefixes)
            job.prefetched = NOT_LOOKED_UP  # (a job object scored again: nothing from its last call)
            first = seen.setdefault(job.result_key, job)
            if first is job:
                firsts.append(job)
            else:
                twins.setdefault(id(first), []).append(job)
        held = self.cache.get_many("results", [job.result_key for job in firsts])  # one query, not one per job
        for job in firsts:
            job.prefetched = held.get(job.result_key)
        return firsts, twins

    def _twin_row(self, job: ScoreJob, first: ScoredRow) -> ScoredRow | None:
        shared = first.result
        if shared.verdict is Verdict.SANDBOX_ERROR:
            return None
        details = _copied(shared.details)
        for own in ("program", "language", "static", "efficiency"):
            details.pop(own, None)
        details["cached"] = True
        return self._row(None, job, ExecutionResult(shared.verdict, shared.tests_passed, shared.tests_total, details))


def _grouped(jobs: list[ScoreJob]) -> list[ScoreJob]:
    first: dict[str, int] = {}
    for job in jobs:
        first.setdefault(job.language, len(first))
    return sorted(jobs, key=lambda job: first[job.language])  # stable: input order within a language


def _where(source: str) -> tuple[str, int | None]:
    file, _, line = source.rpartition(":")
    return (file, int(line)) if line.isdigit() else (source or "<input>", None)


def check_runnable(task: Task, cand: Candidate, language: str) -> None:
    """Refuse, before anything runs, a candidate whose language cannot answer its task."""
    if task.kind == "check" and language != "python":
        raise InputError(*_where(cand.source), "language",
                         f"task {task.task_id!r} is checked by Python test code (HumanEval layout); "
                         f"it cannot be answered in {language}",
                         hint="give the task fn_tests or io_tests to score other languages")
    if task.kind == "fn" and language != "python":
        from rlcode.judge.drivers import Unsupported, check_task

        try:
            check_task(language, task.entry_point or "", task.signature, task.fn_tests or [])
        except Unsupported as exc:
            file, line = _where(task.source)
            raise InputError(file, line, exc.field, f"cannot run in {language}: {exc}") from None


def _copied(details: dict) -> dict:
    """A deep copy of a row's details (plain data: made by marshal in C, several times faster
    than ``copy.deepcopy``; anything marshal refuses is deep-copied)."""
    try:
        return marshal.loads(marshal.dumps(details))
    except ValueError:
        return copy.deepcopy(details)


def _default_cache() -> Path:
    return Path.home() / ".cache" / "rlcode"


def open_cache(settings: Settings) -> Cache:
    s = settings.sandbox
    path = Path(s.cache_path).expanduser() if s.cache_path else _default_cache() / "cache.sqlite"
    return Cache(path, max_bytes=s.cache_max_mb << 20)


def score_file(candidates: str | Path, tasks_spec: str, out: str | Path, settings: Settings,
               on_progress: Callable[[int, int, ScoredRow | None], None] | None = None) -> dict:
    """Score every candidate not already in ``out``; return the summary over the whole file."""
    tasks = load_tasks(tasks_spec, language_names())
    cands = load_candidates(candidates, tasks, language_names())
    existing, done = recover_output(out, ("task_id", "candidate_id"))
    todo = [(i, tasks[c.task_id], c) for i, c in enumerate(cands) if (c.task_id, c.candidate_id) not in done]
    rows = list(existing)
    started = time.perf_counter()
    scored = 0
    if todo:
        with Scorer(settings) as scorer:
            jobs = scorer.jobs(todo)
            if on_progress:
                on_progress(0, len(jobs), None)
            pending: dict[int, ScoredRow] = {}
            order = [j.index for j in jobs]
            next_pos = 0
            with JsonlAppender(out) as sink:
                try:
                    for job, row in scorer.imap(jobs):
                        pending[job.index] = row
                        scored += 1
                        # Rows are written in input order, each as soon as all before it are done.
                        while next_pos < len(order) and order[next_pos] in pending:
                            data = pending.pop(order[next_pos]).to_json()
                            sink.write(data)
                            rows.append(data)
                            next_pos += 1
                        if on_progress:
                            on_progress(scored, len(jobs), row)
                finally:
                    # Interrupted: keep what finished out of order too; a re-run skips it.
                    for index in sorted(pending):
                        sink.write(pending[index].to_json())
    return summarize(rows, time.perf_counter() - started, scored)


__all__ = ["ScoreJob", "Scorer", "Verdict", "program_for", "score_file"]
