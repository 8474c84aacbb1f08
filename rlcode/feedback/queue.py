"""Active selection (``rlcode feedback queue --budget N``): the items most worth a human look.

Signals, each in [0, 1] (the largest one is the pick's reason):
* ``tests_vs_static``: the runtime component (tests) and the static one (analyzers) disagree:
  passing code the analyzers dislike, or failing code they like;
* ``tests_vs_model`` and ``model_uncertain``: where a reward model (``train-rm``) is recorded
  in the store, its prediction against the tests, and how close it is to 0.5;
* ``tests_vs_humans``: the human consensus contradicts the tests;
* ``raters_disagree``: the raters' judgements split (the larger of the vote split, 1 for an
  even one, and 1 - Dawid-Skene confidence, doubled).
Items already judged by several raters who agree score lower (``coverage`` discount). A share
of the budget (``calibration``, default 10%, at least one pick when N >= 5) is a seeded random
slice of the rest: it keeps the estimate of the raters and of the selection itself unbiased."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from rlcode.feedback.aggregate import DEFAULT_THRESHOLD, aggregate
from rlcode.feedback.events import latest
from rlcode.feedback.store import FeedbackStore, Item

_REASONS = {
    "tests_vs_static": "tests and static analysis disagree",
    "tests_vs_model": "tests and the reward model disagree",
    "model_uncertain": "the reward model is unsure",
    "tests_vs_humans": "the raters' consensus contradicts the tests",
    "raters_disagree": "raters disagree",
}


@dataclass
class Pick:
    task_id: str
    candidate_id: str
    score: float
    reason: str
    signals: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"task_id": self.task_id, "candidate_id": self.candidate_id, "score": round(self.score, 4),
                "reason": self.reason, "signals": {k: round(v, 4) for k, v in self.signals.items()}}


def _runtime(item: Item) -> float | None:
    value = item.components.get("runtime")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if item.verdict in ("", "sandbox_error"):
        return None
    return 1.0 if item.verdict == "passed" else (item.tests_passed / item.tests_total if item.tests_total else 0.0)


def signals(item: Item, consensus=None, predicted: float | None = None,
            votes: tuple[int, int] = (0, 0)) -> dict[str, float]:
    """The item's signals; ``votes`` = (pass, fail) among the raters' latest judgements."""
    out: dict[str, float] = {}
    runtime = _runtime(item)
    static = item.components.get("static")
    if runtime is not None and isinstance(static, (int, float)) and not isinstance(static, bool):
        out["tests_vs_static"] = abs(runtime - float(static))
    if predicted is not None:
        if runtime is not None:
            out["tests_vs_model"] = abs(runtime - predicted)
        out["model_uncertain"] = 1.0 - abs(2 * predicted - 1)
    if consensus is not None:
        if consensus.human is not None and runtime is not None:
            out["tests_vs_humans"] = abs(runtime - consensus.human)
        if consensus.judgement is not None and not consensus.gold:
            split = 2 * min(votes) / sum(votes) if sum(votes) >= 2 else 0.0  # 1: an even split
            out["raters_disagree"] = max(split, min(1.0, 2 * (1 - consensus.judgement["confidence"])))
    return out


def build_queue(store: FeedbackStore, budget: int, calibration: float = 0.1, seed: int = 0,
                threshold: float = DEFAULT_THRESHOLD, predictor=None) -> list[Pick]:
    if budget < 1:
        return []
    events = store.events()
    agg = aggregate(events, threshold) if events else None
    consensus = {(i.task_id, i.candidate_id): i for i in agg.items} if agg else {}
    judges: dict[tuple[str, str], set[str]] = defaultdict(set)
    votes: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in latest(events):
        if e.kind == "judgement" and e.item is not None and not e.gold:
            judges[e.item].add(e.rater)
            votes[e.item][0 if e.value == "pass" else 1] += 1
    scored: list[Pick] = []
    for item in store.items():
        key = (item.task_id, item.candidate_id)
        predicted = predictor.predict(item.prompt, item.code) if predictor is not None else None
        sig = signals(item, consensus.get(key), predicted, tuple(votes.get(key, (0, 0))))
        n = len(judges.get(key, ()))
        agreeing = sig.get("raters_disagree", 1.0) < 0.2
        coverage = 1.0 / (1 + n) if agreeing else 1.0
        best = max(sig, key=sig.get) if sig else None
        score = (sig[best] if best else 0.0) * coverage
        reason = _REASONS[best] if best and sig[best] > 0 else "no disagreement signal"
        if n and best:
            reason += f" ({n} rater{'s' if n != 1 else ''} so far)"
        scored.append(Pick(item.task_id, item.candidate_id, score, reason, sig))
    n_random = max(1, round(budget * calibration)) if budget >= 5 and calibration > 0 else 0
    n_random = min(n_random, len(scored))
    ranked = sorted(scored, key=lambda p: (-p.score, p.task_id, p.candidate_id))
    top = [p for p in ranked[: max(0, budget - n_random)] if p.score > 0]
    rest = ranked[len(top):]  # scores are >= 0 and ranked falls: the positive ones are its head
    rng = random.Random(seed)
    calib = rng.sample(rest, min(len(rest), budget - len(top)))
    for p in calib:
        p.reason = "random calibration slice"
    return top + sorted(calib, key=lambda p: (p.task_id, p.candidate_id))
