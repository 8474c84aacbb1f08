"""Property tests: pass@k and its bootstrap interval against direct computations."""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import combinations
from math import comb

from hypothesis import given, settings
from hypothesis import strategies as st

from rlcode.evaluate.metrics import EvalOptions, block, bootstrap_ci, quantile, TaskGroup
from rlcode.metrics import pass_at_k


def _direct_pass_at_k(n: int, c: int, k: int) -> Fraction:
    """1 - C(n-c, k) / C(n, k), exactly."""
    return 1 - Fraction(comb(n - c, k), comb(n, k))


def _enumerated_pass_at_k(n: int, c: int, k: int) -> Fraction:
    """The share of k-subsets of the n samples that hold at least one passing sample."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    return Fraction(sum(any(samples[i] for i in s) for s in subsets), len(subsets))


tasks_strategy = st.lists(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
                          min_size=1, max_size=12)


@given(st.integers(1, 9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_is_the_share_of_k_subsets_with_a_pass(nck):
    n, c, k = nck
    assert abs(pass_at_k(n, c, k) - float(_direct_pass_at_k(n, c, k))) < 1e-9
    assert _direct_pass_at_k(n, c, k) == _enumerated_pass_at_k(n, c, k)


def _groups(tasks: list[tuple[int, int]]) -> list[TaskGroup]:
    groups = []
    for i, (n, c) in enumerate(tasks):
        rows = [{"task_id": f"t{i}", "verdict": "passed" if j < c else "failed", "reward": float(j < c)}
                for j in range(n)]
        groups.append(TaskGroup(f"t{i}", "python", "io", rows))
    return groups


def _direct_bootstrap(values: list[float], resamples: int, seed: int, confidence: float) -> list[float]:
    """The percentile bootstrap written out plainly: resample indices, average, sort, interpolate."""
    rng = random.Random(seed)
    n = len(values)
    means = []
    for _ in range(resamples):
        picks = rng.choices(range(n), k=n)
        means.append(sum(values[i] for i in picks) / n)
    means.sort()

    def q(p: float) -> float:
        pos = p * (len(means) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(means) - 1)
        return means[lo] + (means[hi] - means[lo]) * (pos - lo)

    alpha = 1 - confidence
    return [round(q(alpha / 2), 6), round(q(1 - alpha / 2), 6)]


@settings(max_examples=60, deadline=None)
@given(tasks_strategy, st.sampled_from([1, 2, 5]), st.integers(0, 2**16), st.sampled_from([0.8, 0.9, 0.95]))
def test_block_pass_at_k_and_interval_match_direct_computation(tasks, k, seed, confidence):
    options = EvalOptions(ks=(k,), bootstrap=200, seed=seed, confidence=confidence)
    out = block(_groups(tasks), options, {})
    eligible = [(n, c) for n, c in tasks if n >= k]
    if not eligible:
        assert out[f"pass@{k}"] is None and out[f"pass@{k}_ci"] is None
        return
    values = [float(_direct_pass_at_k(n, c, k)) for n, c in eligible]
    assert abs(out[f"pass@{k}"] - sum(values) / len(values)) < 1e-6
    assert out[f"pass@{k}_tasks"] == len(eligible)
    low, high = out[f"pass@{k}_ci"]
    if len(set(values)) == 1:
        assert low == high == round(values[0], 6)
    else:
        direct = _direct_bootstrap([pass_at_k(n, c, k) for n, c in eligible], 200, seed, confidence)
        assert [low, high] == direct
    assert min(values) - 1e-6 <= low <= high <= max(values) + 1e-6  # (intervals are rounded to 6 places)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=30), st.integers(0, 1000))
def test_interval_narrows_with_confidence(values, seed):
    wide = bootstrap_ci(values, EvalOptions(bootstrap=300, seed=seed, confidence=0.99))
    narrow = bootstrap_ci(values, EvalOptions(bootstrap=300, seed=seed, confidence=0.5))
    assert wide[0] <= narrow[0] <= narrow[1] <= wide[1]


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(0, 1))
def test_quantile_is_between_neighbours(values, q):
    values = sorted(values)
    got = quantile(values, q)
    assert values[0] - 1e-6 <= got <= values[-1] + 1e-6
    assert quantile(values, 0) == values[0] and quantile(values, 1) == values[-1]
