"""The dashboard's figures: events per rater and kind, items reviewed, and agreement. Agreement comes
from ``rlcode.feedback.aggregate`` when it can compute it; the raw pairwise agreement of the
raters' latest judgements is shown beside it either way (it needs nothing but counting), and
each rater's estimated reliability where the aggregation could fit one."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from itertools import combinations

from rlcode.feedback.events import KINDS
from rlcode.feedback.store import FeedbackStore

log = logging.getLogger("rlcode.feedback.web")


def _aggregate(events: list) -> tuple[dict | None, dict]:
    """(Krippendorff's alpha per kind/dimension, rater -> RaterStats) from the aggregation module,
    or (None, {}) where it cannot say (not installed, or too little feedback to fit)."""
    try:
        from rlcode.feedback import aggregate
    except ImportError:
        return None, {}
    try:
        result = aggregate.aggregate(events)
    except Exception:  # a fit that fails on odd data must not take the dashboard down
        log.exception("aggregation failed; the dashboard shows raw counts")
        return None, {}
    return result.agreement, {r.rater: r for r in result.raters}


def _reliability(stats) -> dict:
    """The reliability cell: the estimate, whether it is low, whether it is more than the prior."""
    if stats is None:  # no aggregation, or a rater with no events yet
        return {"reliability": None, "low": False, "estimated": False}
    return {"reliability": stats.reliability, "low": stats.low, "estimated": stats.estimated}


def dashboard_data(store: FeedbackStore, rubric: tuple[str, ...]) -> dict:
    events = store.events()
    items = store.items()
    per_rater: dict[str, Counter] = defaultdict(Counter)
    latest: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # item -> rater -> latest judgement
    for e in sorted(events, key=lambda e: e.id or 0):
        per_rater[e.rater][e.kind] += 1
        if e.kind == "judgement" and e.candidate_id is not None:
            latest[(e.task_id, e.candidate_id)][e.rater] = str(e.value)
    alpha, stats = _aggregate(events)
    roles = {r.name: r.role for r in store.raters()}
    judged_by: dict[str, int] = Counter(r for by in latest.values() for r in by)
    raters = [{"name": name, "role": roles.get(name, "-"), "kinds": [per_rater[name][k] for k in KINDS],
               "events": sum(per_rater[name].values()), "items": judged_by.get(name, 0),
               **_reliability(stats.get(name))}
              for name in sorted(set(per_rater) | set(roles))]
    pairs = agree = 0
    for by in latest.values():
        for x, y in combinations(by.values(), 2):
            pairs += 1
            agree += x == y
    return {
        "kinds": KINDS,
        "raters": raters,
        "totals": {"items": len(items), "reviewed": len(latest),
                   "multiple": sum(len(by) >= 2 for by in latest.values()), "events": len(events)},
        "raw_agreement": {"pairs": pairs, "agree": agree, "share": agree / pairs if pairs else None},
        "alpha": alpha,
        "rubric": rubric,
    }
