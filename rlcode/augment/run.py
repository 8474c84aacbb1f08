"""``rlcode tasks augment``: stronger tests for tasks with a canonical solution (EvalPlus's idea).

Per task: the original tests' arguments (``seeds``), new inputs drawn with Hypothesis from the
signature and the seeds (``strategies``), the canonical solution run on all of them in the
sandbox (``calls``; inputs on which it raises, ends the process or runs slow are dropped),
mutants of the canonical solution (``mutants``) scored against the original tests, those that
survive run on the new inputs, and the new inputs reduced to a small set that kills every mutant
any of them kills (greedy set cover). The task is written back with ``fn_tests``: the original
tests' calls first (expected: the canonical solution's values), then the kept new inputs. A task
kind is one of check/fn/io (``Task.kind``, fn_tests win), so the original ``test`` stays in the
row for reference but is no longer what scores it. Tasks that cannot be augmented are written
unchanged, with the reason in ``augment``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from rlcode.augment.calls import CallOutcome, call_all
from rlcode.augment.mutants import Mutant, make_mutants
from rlcode.augment.seeds import Seeds, Unconvertible, json_exact, seeds_of
from rlcode.augment.signature import Param, parameters, refine
from rlcode.augment.strategies import PromptHints, arguments, draw
from rlcode.errors import InputError, UsageError
from rlcode.extract import build_program
from rlcode.jsonl import JsonlAppender, recover_output
from rlcode.judge.compare import to_json_shape, values_equal
from rlcode.languages import language_names
from rlcode.records import Candidate, Limits, Task, Verdict
from rlcode.settings import Settings
from rlcode.tasks import iter_tasks


@dataclass(frozen=True)
class AugmentOptions:
    per_task: int = 100  # inputs drawn per task before any is dropped
    mutants: int = 20  # mutants of each canonical solution
    max_new: int = 20  # new tests kept per task at most (after the set cover)
    min_new: int = 0  # ... and at least (the cover filled up with valid inputs in the order they were drawn)
    seed: int = 0
    slow_s: float = 0.05  # canonical CPU seconds per call above which an input is dropped
    limit: int | None = None  # only the first LIMIT tasks of the file
    chunk: int = 16  # tasks prepared, run and written together
    holdout: bool = False  # choose the kept inputs with every other mutant only (the rest measure them)
    canonical_limits: Limits = Limits(time_s=5.0, memory_mb=512)
    mutant_limits: Limits = Limits(time_s=1.0, memory_mb=512)

    def __post_init__(self) -> None:
        for name in ("per_task", "mutants", "max_new", "min_new", "chunk"):
            if getattr(self, name) < (1 if name == "chunk" else 0):
                raise UsageError(f"--{name.replace('_', '-')} must not be negative", hint=f"for example --{name.replace('_', '-')} 20")
        if self.limit is not None and self.limit < 1:
            raise UsageError("--limit must be at least 1")


@dataclass
class AugmentStats:
    """What augmenting one task did: written as the row's ``augment`` field."""

    status: str = "augmented"  # or "skipped"
    reason: str = ""
    original_tests: int = 0  # fn_tests[:original_tests] stand for the original test
    generated: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # raised, slow, ended, not_json
    valid: int = 0  # generated inputs with an expected value
    added: int = 0
    mutants: int = 0
    mutants_scored: int = 0  # without sandbox errors
    killed_by_original: int = 0
    killed_by_valid: int = 0  # survivors of the original tests that some valid new input kills
    killed_by_added: int = 0  # ... that the kept new tests kill

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


@dataclass
class _Work:
    raw: dict
    task: Task
    stats: AugmentStats
    seeds: Seeds | None = None
    code: str = ""
    inputs: list[list[Any]] = field(default_factory=list)  # seeds (check tasks) + generated
    n_seed_calls: int = 0  # how many of ``inputs`` are seeds
    expected: list[Any] = field(default_factory=list)  # per valid generated input
    valid: list[list[Any]] = field(default_factory=list)
    mutants: list[Mutant] = field(default_factory=list)
    survivors: list[Mutant] = field(default_factory=list)
    fn_tests: list[dict] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.stats.status, self.stats.reason = "skipped", reason

    @property
    def live(self) -> bool:
        return self.stats.status == "augmented"


def read_tasks(spec: str) -> list[tuple[dict, Task]]:
    """(raw row, Task) for every task; the raw row is what gets written back, every field kept."""
    out = []
    for line, obj, task in iter_tasks(spec, language_names()):
        if task.canonical_solution is not None and task.language == "python":
            try:
                compile(task.prompt + task.canonical_solution, task.source, "exec")
            except SyntaxError as exc:
                raise InputError(task.source.rsplit(":", 1)[0], line, "canonical_solution",  # source: FILE:LINE
                                 f"does not compile with the prompt: {exc.msg} (line {exc.lineno})") from None
        out.append((obj, task))
    return out


def augment_file(tasks_spec: str, out: str | Path, settings: Settings, options: AugmentOptions = AugmentOptions(),
                 on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Write every task of ``tasks_spec`` not already in ``out`` (augmented or as it was);
    return the summary over the whole output (``summarize``)."""
    items = read_tasks(tasks_spec)
    if options.limit is not None:
        items = items[: options.limit]
    rows, done = recover_output(out, ("task_id",))
    todo = [_Work(raw, task, AugmentStats()) for raw, task in items if (task.task_id,) not in done]
    finished = len(items) - len(todo)
    if on_progress:
        on_progress(finished, len(items))
    if todo:
        from rlcode.scoring.scorer import Scorer

        settings = settings.model_copy(deep=True)
        settings.analysis.enabled = False
        settings.sandbox.executor = "threads"
        settings.sandbox.time_s = options.mutant_limits.time_s
        with Scorer(settings) as scorer, JsonlAppender(out) as sink:
            for start in range(0, len(todo), options.chunk):
                chunk = todo[start: start + options.chunk]
                _augment_chunk(scorer, chunk, options)
                for work in chunk:
                    row = _row(work)
                    sink.write(row)
                    rows.append(row)
                finished += len(chunk)
                if on_progress:
                    on_progress(finished, len(items))
    return summarize(rows)


def _augment_chunk(scorer, chunk: list[_Work], options: AugmentOptions) -> None:
    for work in chunk:
        _prepare(work, options)
    live = [w for w in chunk if w.live]
    outcomes = scorer.pool.map(live, lambda worker, w: call_all(worker, w.code, w.task.entry_point, w.inputs,
                                                                options.canonical_limits))
    for work, got in zip(live, outcomes):
        _expected(work, got, options)
    _score_mutants(scorer, [w for w in chunk if w.live], options)
    # Survivors passed the original tests in the Scorer: they run on the new inputs only.
    survivors = [(w, m) for w in chunk if w.live for m in w.survivors]
    outcomes = scorer.pool.map(survivors, lambda worker, wm: call_all(worker, wm[1].code, wm[0].task.entry_point,
                                                                      wm[0].valid, options.mutant_limits))
    by_work: dict[int, list[list[CallOutcome]]] = {}
    for (work, _m), got in zip(survivors, outcomes):
        by_work.setdefault(id(work), []).append(got)
    for work in chunk:
        if work.live:
            _reduce(work, by_work.get(id(work), []), options)


def _prepare(work: _Work, options: AugmentOptions) -> None:
    task = work.task
    if task.language != "python":
        return work.skip(f"{task.language} task: only Python canonical solutions are run")
    if not task.canonical_solution:
        return work.skip("no canonical_solution")
    if task.kind == "io" or not task.entry_point:
        return work.skip("not a function task")
    try:
        work.seeds = seeds_of(task)
    except Unconvertible as exc:
        return work.skip(str(exc))
    params = parameters(task.prompt, task.entry_point)
    if params is None:
        return work.skip("the prompt does not declare the entry point's parameters plainly")
    columns = [[a[i] for a in work.seeds.args if len(a) == len(params)] for i in range(len(params))]
    params = [Param(p.name, refine(p.spec, columns[i])) for i, p in enumerate(params)]
    drawn = draw(arguments(params, work.seeds.args, PromptHints.of(task.prompt, task.canonical_solution)), options.per_task, options.seed)
    known = {repr(a) for a in work.seeds.args}
    generated = [a for a in drawn if repr(a) not in known]
    work.stats.generated = len(generated)
    fresh = [a for a in generated if json_exact(a)]
    _count(work, "not_json", len(generated) - len(fresh))
    work.code = build_program(task.prompt, task.entry_point, "python", completion=task.canonical_solution).code
    work.n_seed_calls = 0 if work.seeds.expected is not None else len(work.seeds.args)
    work.inputs = (work.seeds.args if work.n_seed_calls else []) + fresh


def _count(work: _Work, why: str, n: int = 1) -> None:
    if n:
        work.stats.dropped[why] = work.stats.dropped.get(why, 0) + n


def _expected(work: _Work, got: list[CallOutcome], options: AugmentOptions) -> None:
    """The original tests as fn_tests, and the expected value of each generated input."""
    seeds = work.seeds
    if work.n_seed_calls:
        originals = []
        for args, outcome in zip(seeds.args, got[: work.n_seed_calls]):
            value = to_json_shape(outcome.value) if outcome.status == "ok" else None
            if outcome.status != "ok" or not json_exact(value):
                return work.skip(f"the canonical solution gives no JSON value for an original call ({outcome.status})")
            originals.append({"args": args, "expected": value})
    else:
        originals = [{"args": a, "expected": e} for a, e in zip(seeds.args, seeds.expected)]
    work.fn_tests = originals
    work.stats.original_tests = len(originals)
    for args, outcome in zip(work.inputs[work.n_seed_calls:], got[work.n_seed_calls:]):
        if outcome.status != "ok":
            _count(work, "raised" if outcome.status == "raised" else "ended")
            continue
        if outcome.cpu_s > options.slow_s:
            _count(work, "slow")
            continue
        value = to_json_shape(outcome.value)
        if not json_exact(value):
            _count(work, "not_json")
            continue
        work.valid.append(args)
        work.expected.append(value)
    work.stats.valid = len(work.valid)


def _score_mutants(scorer, works: list[_Work], options: AugmentOptions) -> None:
    """Mutants (and the canonical solution) against the original tests, through the Scorer."""
    pairs, owners = [], []
    for work in works:
        # read_tasks compiled prompt + canonical_solution already: no SyntaxError here.
        work.mutants = make_mutants(work.task.task_id, work.task.prompt, work.task.canonical_solution,
                                    options.mutants, options.seed)
        if options.holdout:
            work.mutants = work.mutants[::2]
        work.stats.mutants = len(work.mutants)
        pairs.append((len(pairs), work.task, Candidate(work.task.task_id, "canonical", {},
                                                       completion=work.task.canonical_solution)))
        owners.append((work, None))
        for mutant in work.mutants:
            pairs.append((len(pairs), work.task, Candidate(work.task.task_id, mutant.mutant_id, {}, code=mutant.code)))
            owners.append((work, mutant))
    if not pairs:
        return
    rows = scorer.map(scorer.jobs(pairs))
    for (work, mutant), row in zip(owners, rows):
        verdict = row.result.verdict
        if mutant is None:
            if verdict is not Verdict.PASSED:
                work.skip(f"the canonical solution does not pass the original tests ({verdict.value})")
            continue
        if verdict is Verdict.SANDBOX_ERROR:
            continue
        work.stats.mutants_scored += 1
        if verdict is Verdict.PASSED:
            work.survivors.append(mutant)
        else:
            work.stats.killed_by_original += 1


def _reduce(work: _Work, survivor_outcomes: list[list[CallOutcome]], options: AugmentOptions) -> None:
    """Keep a small set of valid new inputs that kills every survivor any of them kills."""
    kills: list[set[int]] = [set() for _ in work.valid]  # per valid input: the survivors it kills
    for m, outcomes in enumerate(survivor_outcomes):
        for j, outcome in enumerate(outcomes):
            # A process that ends (a limit) is no evidence against this input: a slow mutant runs
            # out of CPU over all the inputs of its batch, yet passes the few tests kept.
            if outcome.status in ("skipped", "gone"):
                continue
            if outcome.status != "ok" or not values_equal(work.expected[j], to_json_shape(outcome.value)):
                kills[j].add(m)
    killable = set().union(*kills) if kills else set()
    work.stats.killed_by_valid = len(killable)
    chosen, covered = [], set()
    while len(chosen) < options.max_new:
        best = max(range(len(kills)), key=lambda j: (len(kills[j] - covered), -j), default=None)
        if best is None or not kills[best] - covered:
            break
        chosen.append(best)
        covered |= kills[best]
    for j in range(len(kills)):  # --min-new: inputs that add no kill, the first drawn first
        if len(chosen) >= min(options.min_new, options.max_new):
            break
        if j not in chosen:
            chosen.append(j)
    work.stats.killed_by_added = len(covered)
    work.stats.added = len(chosen)
    work.fn_tests = work.fn_tests + [{"args": work.valid[j], "expected": work.expected[j]} for j in sorted(chosen)]


def _row(work: _Work) -> dict:
    row = dict(work.raw)
    if work.live:
        row["fn_tests"] = work.fn_tests
    row["augment"] = work.stats.to_json() if work.live else {"status": "skipped", "reason": work.stats.reason}
    return row


def summarize(rows: list[dict]) -> dict:
    """Totals over an augmented file's ``augment`` fields (what the command and benchmark print)."""
    stats = [r.get("augment") or {} for r in rows]
    live = [s for s in stats if s.get("status") == "augmented"]
    total = lambda key: sum(s.get(key, 0) for s in live)  # noqa: E731
    survivors = total("mutants_scored") - total("killed_by_original")
    reasons: dict[str, int] = {}
    for s in stats:
        if s.get("status") == "skipped":
            reasons[s.get("reason", "")] = reasons.get(s.get("reason", ""), 0) + 1
    return {
        "tasks": len(rows), "augmented": len(live), "skipped": len(rows) - len(live), "skipped_reasons": reasons,
        "original_tests": total("original_tests"), "generated": total("generated"), "valid": total("valid"),
        "added": total("added"), "mutants": total("mutants_scored"), "killed_by_original": total("killed_by_original"),
        "survivors": survivors, "killed_only_by_augmented": total("killed_by_added"),
        "killed_only_by_augmented_share": round(total("killed_by_added") / survivors, 4) if survivors else None,
    }
