"""The composite reward: components in [0, 1] (or None when absent), merged by renormalised weights.

Components today: ``runtime`` (from the verdict and tests). ``static`` (analyzers) and ``human``
(feedback) plug in through the same ``RewardComponent`` protocol. A ``sandbox_error`` row gets
reward None — an infrastructure failure is never a score — so a trainer can mask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rlcode.records import Candidate, ExecutionResult, Task, Verdict
from rlcode.registry import Registry


class RewardComponent(Protocol):
    name: str

    def score(self, task: Task, candidate: Candidate, result: ExecutionResult) -> float | None:
        """A score in [0, 1] (penalties may go below), or None when this component has nothing to say."""


@dataclass(frozen=True)
class RuntimeComponent:
    """Binary all-tests-pass (default) or partial credit, with per-verdict penalties."""

    mode: str = "binary"
    penalties: tuple[tuple[str, float], ...] = ()
    efficiency_weight: float = 0.0
    name: str = "runtime"

    def score(self, task: Task, candidate: Candidate, result: ExecutionResult) -> float | None:
        if result.verdict is Verdict.SANDBOX_ERROR:
            return None
        if result.verdict is Verdict.PASSED:
            ratio = (result.details.get("efficiency") or {}).get("ratio")
            if self.efficiency_weight and ratio is not None:
                return round(1.0 - self.efficiency_weight + self.efficiency_weight * ratio, 6)
            return 1.0
        penalty = dict(self.penalties).get(result.verdict.value)
        if penalty is not None:
            return penalty
        if self.mode == "partial" and result.tests_total:
            return result.tests_passed / result.tests_total
        return 0.0


COMPONENTS: Registry[type] = Registry("reward component")
COMPONENTS.register("runtime", RuntimeComponent)


@dataclass(frozen=True)
class CompositeReward:
    """reward = sum(w_i * c_i) / sum(w_i) over the components present (value not None, weight > 0).

    With ``static_needs_pass`` the static component's value counts as 0 unless the verdict is
    ``passed`` (its own value is still reported), so clean-but-wrong code cannot farm reward."""

    components: tuple[RewardComponent, ...]
    weights: tuple[tuple[str, float], ...]
    static_needs_pass: bool = False

    @classmethod
    def from_settings(cls, reward_settings, extra: tuple[RewardComponent, ...] = ()) -> "CompositeReward":
        runtime = RuntimeComponent(reward_settings.runtime_mode, tuple(sorted(reward_settings.penalties.items())),
                                   getattr(reward_settings, "efficiency_weight", 0.0))
        if getattr(reward_settings, "feedback", None):  # the human component: the feedback store's consensus
            from rlcode.feedback.human import human_component

            extra = (*extra, human_component(reward_settings.feedback))
        return cls((runtime, *extra), tuple(sorted(reward_settings.weights.items())),
                   getattr(reward_settings, "static_needs_pass", False))

    def __call__(self, task: Task, candidate: Candidate, result: ExecutionResult) -> tuple[float | None, dict]:
        """(reward, breakdown). The breakdown lists every component, its value and the weights used."""
        weights = dict(self.weights)
        values: dict[str, float | None] = {"runtime": None, "static": None, "human": None}
        notes: dict = {}
        for component in self.components:
            values[component.name] = component.score(task, candidate, result)
            if hasattr(component, "notes"):  # e.g. which raters the human value came from
                notes.update(component.notes(task, candidate))
        breakdown: dict = {**values, **notes}
        if result.verdict is Verdict.SANDBOX_ERROR:
            breakdown["weights"] = {}
            return None, breakdown
        present = {k: weights.get(k, 0.0) for k, v in values.items() if v is not None and weights.get(k, 0.0) > 0}
        total = sum(present.values())
        if not total:
            breakdown["weights"] = {}
            return None, breakdown
        used = {k: w / total for k, w in present.items()}
        effective = dict(values)
        if self.static_needs_pass and result.verdict is not Verdict.PASSED and effective.get("static") is not None:
            effective["static"] = 0.0
            breakdown["static_gated"] = True
        reward = sum(effective[k] * w for k, w in used.items())
        breakdown["weights"] = {k: round(w, 6) for k, w in used.items()}
        return round(reward, 6), breakdown
