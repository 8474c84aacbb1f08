"""``rlcode compare A.json B.json``: two evaluation results side by side, per task, with paired tests.

Tasks are paired by (task_id, language); only tasks in both results count. Two tests of the
difference B − A in mean pass@1:

* **McNemar** (exact, two-sided) on per-task *solved* (pass@1 ≥ 0.5; with one sample per task,
  simply passed): counts b (solved in A only) and c (solved in B only), p = P(X ≤ min(b, c)) · 2
  for X ~ Binomial(b + c, 1/2), capped at 1.
* **Paired bootstrap** of the mean per-task difference (tasks resampled with replacement,
  seeded): its percentile interval and two-sided p-value (twice the share of resamples on the
  far side of zero).

The *decisive* test is McNemar when every task has one sample in both runs, else the bootstrap.
B regresses when its mean pass@1 is lower and the decisive p-value is below ``alpha``.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlcode.errors import InputError
from rlcode.evaluate.metrics import quantile


@dataclass(frozen=True)
class CompareOptions:
    alpha: float = 0.05
    bootstrap: int = 2000
    seed: int = 0


def load_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), None, None, "no such file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(str(path), getattr(exc, "lineno", None), None, f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise InputError(str(path), None, "tasks", "missing: not an rlcode eval --json result",
                         hint="write one with rlcode eval ... --json results.json")
    for i, t in enumerate(data["tasks"]):
        if not isinstance(t, dict) or "task_id" not in t or not isinstance(t.get("n"), int):
            raise InputError(str(path), None, f"tasks[{i}]", "expected task_id, language, n, passed")
    return data


def mcnemar_p(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value for b and c discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def paired_bootstrap(diffs: list[float], options: CompareOptions) -> tuple[list[float] | None, float]:
    """(interval of the mean difference, two-sided p-value) by resampling tasks."""
    if not diffs:
        return None, 1.0
    if len(set(diffs)) == 1:
        return [round(diffs[0], 6)] * 2, (1.0 if diffs[0] == 0 else 0.0)
    rng = random.Random(options.seed)
    n = len(diffs)
    means = sorted(sum(diffs[i] for i in rng.choices(range(n), k=n)) / n for _ in range(options.bootstrap))
    below = sum(m <= 0 for m in means) / len(means)
    above = sum(m >= 0 for m in means) / len(means)
    p = min(1.0, 2 * min(below, above))
    return [round(quantile(means, options.alpha / 2), 6), round(quantile(means, 1 - options.alpha / 2), 6)], p


def _rate(t: dict) -> float | None:
    return t["passed"] / t["n"] if t.get("n") else None


def compare_results(a: dict, b: dict, options: CompareOptions = CompareOptions()) -> dict[str, Any]:
    index_a = {(t["task_id"], t.get("language")): t for t in a["tasks"]}
    index_b = {(t["task_id"], t.get("language")): t for t in b["tasks"]}
    rows, diffs, single = [], [], True
    solved = {"a_only": 0, "b_only": 0, "both": 0, "neither": 0}
    for key in sorted(set(index_a) & set(index_b)):
        ta, tb = index_a[key], index_b[key]
        ra, rb = _rate(ta), _rate(tb)
        if ra is None or rb is None:
            continue  # no judged sample on one side (every one a sandbox error)
        single = single and ta["n"] == 1 and tb["n"] == 1
        sa, sb = ra >= 0.5, rb >= 0.5
        solved["both" if sa and sb else "a_only" if sa else "b_only" if sb else "neither"] += 1
        diffs.append(rb - ra)
        change = "same" if ra == rb else ("better" if rb > ra else "worse")
        rows.append({"task_id": key[0], "language": key[1], "a": round(ra, 6), "b": round(rb, 6),
                     "delta": round(rb - ra, 6), "change": change,
                     "b_first_failure": (tb.get("first_failure") or {}) if change == "worse" else None})
    mean_a = sum(r["a"] for r in rows) / len(rows) if rows else None
    mean_b = sum(r["b"] for r in rows) / len(rows) if rows else None
    p_mcnemar = mcnemar_p(solved["a_only"], solved["b_only"])
    interval, p_boot = paired_bootstrap(diffs, options)
    decisive = "mcnemar" if single else "bootstrap"
    p = p_mcnemar if single else p_boot
    delta = (mean_b - mean_a) if rows else None
    regression = bool(rows) and delta is not None and delta < 0 and p < options.alpha
    improvement = bool(rows) and delta is not None and delta > 0 and p < options.alpha
    metrics = {}
    for name in sorted(set(a.get("metrics", {})) & set(b.get("metrics", {}))):
        va, vb = a["metrics"][name], b["metrics"][name]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (va, vb)):
            metrics[name] = {"a": va, "b": vb, "delta": round(vb - va, 6)}
    return {
        "paired_tasks": len(rows),
        "only_in_a": len(set(index_a) - set(index_b)),
        "only_in_b": len(set(index_b) - set(index_a)),
        "pass@1": {"a": None if mean_a is None else round(mean_a, 6), "b": None if mean_b is None else round(mean_b, 6),
                   "delta": None if delta is None else round(delta, 6)},
        "metrics": metrics,
        "mcnemar": {**solved, "p": p_mcnemar},
        "bootstrap": {"delta_ci": interval, "p": p_boot, "resamples": options.bootstrap, "seed": options.seed},
        "test": decisive, "p": p, "alpha": options.alpha,
        "regression": regression, "improvement": improvement,
        "tasks": rows,
    }
