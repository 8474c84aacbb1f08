"""pass@k (the unbiased estimator of Chen et al., 2021) and run summaries."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from rlcode.records import Verdict

STANDARD_K = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c correct) passes."""
    if k > n:
        raise ValueError(f"k={k} exceeds n={n}")
    if n - c < k:
        return 1.0
    prob_all_fail = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_fail *= 1.0 - k / i
    return 1.0 - prob_all_fail


def ks_allowed(counts: Iterable[int]) -> list[int]:
    """Every k the sample counts allow: all k up to the smallest n when it is small, else the standard ones."""
    counts = list(counts)
    if not counts:
        return []
    n_min = min(counts)
    if n_min <= 10:
        return list(range(1, n_min + 1))
    return [k for k in STANDARD_K if k <= n_min]


def summarize(rows: Iterable[dict], elapsed_s: float | None = None, scored_now: int = 0) -> dict:
    rows = list(rows)
    verdicts = Counter(r.get("verdict") for r in rows)
    per_task: dict[str, list[bool]] = defaultdict(list)
    rewards = [r["reward"] for r in rows if isinstance(r.get("reward"), (int, float))]
    for r in rows:
        if r.get("verdict") != Verdict.SANDBOX_ERROR.value:
            per_task[str(r.get("task_id"))].append(r.get("verdict") == Verdict.PASSED.value)
    ks = ks_allowed(len(v) for v in per_task.values())
    pass_k = {}
    for k in ks:
        values = [pass_at_k(len(v), sum(v), k) for v in per_task.values()]
        pass_k[f"pass@{k}"] = round(sum(values) / len(values), 6)
    out = {
        "candidates": len(rows),
        "tasks": len(per_task),
        "verdicts": {v.value: verdicts.get(v.value, 0) for v in Verdict},
        "pass_at_k": pass_k,
        "mean_reward": round(sum(rewards) / len(rewards), 6) if rewards else None,
    }
    if elapsed_s is not None:
        out["scored_now"] = scored_now
        out["elapsed_s"] = round(elapsed_s, 3)
        out["candidates_per_s"] = round(scored_now / elapsed_s, 2) if elapsed_s > 0 else None
    return out
