"""The reward's ``human`` component: each item's consensus from the feedback store.

``[reward] feedback = DB`` (or ``rlcode score --feedback DB``) adds this component; the scored
row then carries ``components.human`` (the consensus ``human`` of ``rlcode feedback stats``),
``human_raters`` (whose events it came from) and ``human_source``: ``feedback``, or
``predicted`` where no human looked and a reward model (``rlcode feedback train-rm``, found
beside the store as recorded by it) scored the candidate instead."""

from __future__ import annotations

from dataclasses import dataclass, field

from rlcode.feedback.aggregate import DEFAULT_THRESHOLD, aggregate
from rlcode.feedback.store import FeedbackStore, open_store


@dataclass
class HumanComponent:
    values: dict[tuple[str, str], tuple[float, list[str]]] = field(default_factory=dict)
    predictor: object | None = None   # rlcode.feedback.rm.RewardModel, for items nobody judged
    name: str = "human"

    def _lookup(self, task, candidate):
        return self.values.get((str(task.task_id), str(candidate.candidate_id)))

    def score(self, task, candidate, result) -> float | None:
        hit = self._lookup(task, candidate)
        if hit is not None:
            return hit[0]
        if self.predictor is not None:
            return self.predictor.predict(task.prompt, candidate.code or candidate.completion or "")
        return None

    def notes(self, task, candidate) -> dict:
        """Extra breakdown fields for the scored row's ``components``."""
        hit = self._lookup(task, candidate)
        if hit is not None:
            return {"human_source": "feedback", "human_raters": hit[1]}
        if self.predictor is not None:
            return {"human_source": "predicted"}
        return {}


def human_values(store: FeedbackStore, threshold: float = DEFAULT_THRESHOLD
                 ) -> dict[tuple[str, str], tuple[float, list[str]]]:
    agg = aggregate(store.events(), threshold)
    return {(i.task_id, i.candidate_id): (round(i.human, 6), i.raters) for i in agg.items if i.human is not None}


def human_component(db: str, threshold: float = DEFAULT_THRESHOLD) -> HumanComponent:
    from rlcode.feedback.rm import load_recorded_model

    with open_store(db) as store:  # once: each open runs the migrations check
        return HumanComponent(human_values(store, threshold), load_recorded_model(store))
