"""Evaluation metrics over scored rows (DESIGN.md "Evaluation results").

The unit of pass@k, of its confidence interval and of every per-task entry is a *task group*:
one task answered in one language (an I/O task answered in C and in Go is two groups). pass@k
is the unbiased estimator (``rlcode.metrics.pass_at_k``) averaged over the groups with at least
k samples; its interval is a percentile bootstrap over groups (resampled with replacement,
seeded, so a run is reproducible). ``sandbox_error`` rows are infrastructure failures: they are
counted in ``verdicts`` and left out of every other figure.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from rlcode.evaluate.repair import repair_fields, repaired_text
from rlcode.extract import build_program
from rlcode.metrics import pass_at_k
from rlcode.records import Candidate, Task, Verdict

SANDBOX_ERROR = Verdict.SANDBOX_ERROR.value
CPU_FLOOR_S = 0.005  # below a few milliseconds CPU time is noise (as in the scorer's efficiency)


@dataclass(frozen=True)
class EvalOptions:
    ks: tuple[int, ...] = (1,)
    confidence: float = 0.95
    bootstrap: int = 1000
    seed: int = 0


@dataclass
class TaskGroup:
    """The scored rows of one task in one language."""

    task_id: str
    language: str
    kind: str  # "fn", "io", "check", or "repair" for a task with buggy_code
    rows: list[dict] = field(default_factory=list)

    @property
    def judged(self) -> list[dict]:
        return [r for r in self.rows if r.get("verdict") != SANDBOX_ERROR]

    @property
    def passed(self) -> int:
        return sum(r.get("verdict") == Verdict.PASSED.value for r in self.judged)


def task_kind(task: Task) -> str:
    return "repair" if task.buggy_code is not None else task.kind


def row_language(row: dict, task: Task | None) -> str:
    return (row.get("details") or {}).get("language") or row.get("language") or (task.language if task else "python")


def group_rows(rows: Iterable[dict], tasks: dict[str, Task]) -> list[TaskGroup]:
    groups: dict[tuple[str, str], TaskGroup] = {}
    for row in rows:
        task = tasks.get(str(row.get("task_id")))
        language = row_language(row, task)
        key = (str(row.get("task_id")), language)
        if key not in groups:
            groups[key] = TaskGroup(key[0], language, task_kind(task) if task else "unknown")
        groups[key].rows.append(row)
    return list(groups.values())


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        raise ValueError("no values")
    pos = q * (len(sorted_values) - 1)
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def bootstrap_ci(values: list[float], options: EvalOptions) -> list[float] | None:
    """Percentile bootstrap interval of the mean of ``values`` (resampled with replacement)."""
    if not values:
        return None
    if len(set(values)) == 1:
        return [round(values[0], 6)] * 2
    rng = random.Random(options.seed)
    n = len(values)
    means = sorted(sum(values[i] for i in rng.choices(range(n), k=n)) / n for _ in range(options.bootstrap))
    alpha = 1.0 - options.confidence
    return [round(quantile(means, alpha / 2), 6), round(quantile(means, 1 - alpha / 2), 6)]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def run_usage(details: dict) -> tuple[float | None, int | None]:
    """(CPU seconds, peak KB) of a run: the process's, or summed/maxed over an I/O task's tests."""
    cpu = details.get("cpu_s")
    tests = details.get("tests") or []
    if cpu is None and tests:
        cpu = sum(t.get("cpu_s") or 0 for t in tests)
    return cpu, details.get("peak_kb")


def efficiency(rows: list[dict], baselines: dict[str, dict]) -> dict[str, Any] | None:
    """Passed rows against their task's canonical solution: mean ratios (1.0: as the reference;
    above: slower, or more memory). None when no passed row has a baseline."""
    times, memory = [], []
    for row in rows:
        base = baselines.get(str(row.get("task_id")))
        if not base or row.get("verdict") != Verdict.PASSED.value:
            continue
        cpu, peak = run_usage(row.get("details") or {})
        if cpu is not None and base.get("cpu_s") is not None:
            times.append(max(cpu, CPU_FLOOR_S) / max(base["cpu_s"], CPU_FLOOR_S))
        if peak and base.get("peak_kb"):
            memory.append(peak / base["peak_kb"])
    if not times and not memory:
        return None
    return {"time_ratio": _mean(times), "memory_ratio": _mean(memory), "rows": max(len(times), len(memory))}


def block(groups: list[TaskGroup], options: EvalOptions, baselines: dict[str, dict]) -> dict[str, Any]:
    """The metrics of a set of task groups: overall, one language, or one kind."""
    rows = [r for g in groups for r in g.rows]
    judged = [r for r in rows if r.get("verdict") != SANDBOX_ERROR]
    verdicts = Counter(r.get("verdict") for r in rows)
    out: dict[str, Any] = {"tasks": len(groups), "candidates": len(rows)}
    for k in options.ks:
        values = [pass_at_k(len(g.judged), g.passed, k) for g in groups if len(g.judged) >= k]
        out[f"pass@{k}"] = _mean(values)
        out[f"pass@{k}_ci"] = bootstrap_ci(values, options)
        out[f"pass@{k}_tasks"] = len(values)
    out["compile_rate"] = _mean([float(r.get("verdict") != Verdict.COMPILE_ERROR.value) for r in judged])
    out["mean_reward"] = _mean([float(r["reward"]) for r in judged if isinstance(r.get("reward"), (int, float))])
    components: dict[str, list[float]] = defaultdict(list)
    for r in judged:
        for name, value in (r.get("components") or {}).items():
            if name != "weights" and isinstance(value, (int, float)) and not isinstance(value, bool):
                components[name].append(float(value))
    out["components"] = {name: _mean(values) for name, values in sorted(components.items())}
    out["verdicts"] = {v.value: verdicts.get(v.value, 0) for v in Verdict}
    out["efficiency"] = efficiency(judged, baselines)
    return out


def repair_block(groups: list[TaskGroup], tasks: dict[str, Task]) -> dict[str, Any] | None:
    """fix rate, regression rate, localisation precision/recall and change size over repair rows."""
    rows = [r for g in groups if g.kind == "repair" for r in g.judged]
    if not rows:
        return None
    fields = [row_repair(r, tasks[str(r["task_id"])]) for r in rows]
    known = [f["regressions"] for f in fields if f.get("regressions") is not None]
    return {
        "candidates": len(rows),
        "fix_rate": _mean([float(bool(f["fixed"])) for f in fields]),
        "regression_rate": _mean([float(bool(r)) for r in known]),
        "precision": _mean([f["precision"] for f in fields if f.get("precision") is not None]),
        "recall": _mean([f["recall"] for f in fields if f.get("recall") is not None]),
        "mean_changed_lines": _mean([float(len(f["changed_lines"])) for f in fields]),
    }


def row_repair(row: dict, task: Task) -> dict:
    """A row's ``repair`` fields; for a row scored without them, what can be computed from the
    row alone (no regressions: they need the buggy code's own run)."""
    if isinstance(row.get("repair"), dict):
        return row["repair"]
    language = row_language(row, task)
    cand = Candidate(task.task_id, str(row.get("candidate_id")), row, completion=row.get("completion"),
                     code=row.get("code"), language=language)
    program = build_program(task.prompt, task.entry_point, language, completion=cand.completion, code=cand.code)
    details = row.get("details") or {}
    return repair_fields(task, repaired_text(task, cand, program.code), row.get("verdict", ""),
                         int(row.get("tests_passed") or 0), int(row.get("tests_total") or 0), details, None).to_json()


def first_failure(row: dict) -> str | None:
    """The first failing test of a row, in one line, for reports."""
    details = row.get("details") or {}
    failure = details.get("first_failure") or (details.get("failures") or [None])[0]
    if failure:
        usage = ("wall_s", "cpu_s", "peak_kb", "exit_code")  # (the run's figures, not what failed)
        return ", ".join(f"{k}={v}" for k, v in failure.items() if k not in usage)[:300]
    for name in ("error", "stderr"):
        text = str(details.get(name) or "").strip()
        if text:
            return text.splitlines()[-1][:300]
    compile_info = details.get("compile") or {}
    if compile_info.get("diagnostics"):
        return str(compile_info["diagnostics"]).strip().splitlines()[0][:300]
    return None


def histogram(values: list[float], bins: int = 10) -> dict[str, list]:
    """Counts of ``values`` in equal bins over [0, 1] (a reward below 0 or above 1, from a
    penalty, counts in the first or last bin)."""
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    return {"edges": [round(i / bins, 6) for i in range(bins + 1)], "counts": counts}


def task_entry(group: TaskGroup) -> dict[str, Any]:
    judged = group.judged
    verdicts = Counter(r.get("verdict") for r in group.rows)
    failing = next((r for r in group.rows if r.get("verdict") != Verdict.PASSED.value), None)
    rewards = [float(r["reward"]) for r in judged if isinstance(r.get("reward"), (int, float))]
    entry: dict[str, Any] = {
        "task_id": group.task_id, "language": group.language, "kind": group.kind,
        "n": len(judged), "passed": group.passed,
        "pass@1": round(group.passed / len(judged), 6) if judged else None,
        "verdicts": dict(sorted(verdicts.items())),
        "mean_reward": _mean(rewards),
        "elapsed_s": round(sum((r.get("details") or {}).get("elapsed_s") or 0 for r in group.rows), 6),
    }
    if failing is not None:
        entry["first_failure"] = {"candidate_id": failing.get("candidate_id"), "verdict": failing.get("verdict"),
                                  "test": first_failure(failing)}
    return entry


def task_order(task_id: str) -> tuple:
    """Task ids in natural order: HumanEval/2 before HumanEval/10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", task_id))


def evaluate_rows(rows: list[dict], tasks: dict[str, Task], options: EvalOptions,
                  baselines: dict[str, dict] | None = None) -> dict[str, Any]:
    """The evaluation result (without gates): metrics overall, by language and by kind, per task,
    and repair figures when repair tasks are present."""
    baselines = baselines or {}
    groups = group_rows(rows, tasks)
    result: dict[str, Any] = {
        "metrics": block(groups, options, baselines),
        "by_language": {lang: block([g for g in groups if g.language == lang], options, baselines)
                        for lang in sorted({g.language for g in groups})},
        "by_kind": {kind: block([g for g in groups if g.kind == kind], options, baselines)
                    for kind in sorted({g.kind for g in groups})},
        "tasks": [task_entry(g) for g in sorted(groups, key=lambda g: (task_order(g.task_id), g.language))],
        "k": list(options.ks),
        "confidence": options.confidence,
        "bootstrap": options.bootstrap,
        "seed": options.seed,
        "missing_tasks": sorted(set(tasks) - {g.task_id for g in groups}, key=task_order),
    }
    result["reward_histogram"] = histogram([float(r["reward"]) for r in rows
                                            if isinstance(r.get("reward"), (int, float)) and not isinstance(r.get("reward"), bool)])
    repair = repair_block(groups, tasks)
    if repair is not None:
        result["repair"] = repair
    return result
