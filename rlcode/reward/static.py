"""The ``static`` reward component: scores findings computed earlier by ``rlcode.analysis``.

The scorer runs the analyzers over a batch and stores each ``AnalysisResult`` (or its JSON) in
``result.details["static"]``; this component only reads it, so changing the weights re-scores
without re-running any tool. Formula: ``rlcode.analysis.score``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rlcode.analysis.batch import AnalysisResult
from rlcode.analysis.score import ScoreWeights, static_score, syntax_score
from rlcode.records import Candidate, ExecutionResult, Task, Verdict


@dataclass(frozen=True)
class StaticComponent:
    """``signal="score"``: the static score; ``"syntax"``: 1 if the program parses, else 0."""

    weights: ScoreWeights = field(default_factory=ScoreWeights)
    signal: Literal["score", "syntax"] = "score"
    key: str = "static"  # where in ``details`` the analysis sits
    name: str = "static"

    def __post_init__(self) -> None:
        if self.signal not in ("score", "syntax"):
            raise ValueError(f"static component: signal must be 'score' or 'syntax', got {self.signal!r}")

    def score(self, task: Task, candidate: Candidate, result: ExecutionResult) -> float | None:
        if result.verdict is Verdict.SANDBOX_ERROR:
            return None
        data = result.details.get(self.key)
        if data is None:
            return None
        analysis = data if isinstance(data, AnalysisResult) else AnalysisResult.from_json(data)
        if not analysis.analyzers or analysis.errors:
            return None  # nothing applied, or a tool failed: no evidence either way
        if self.signal == "syntax":
            return syntax_score(analysis.parses)
        return static_score(analysis.findings, analysis.lines, analysis.parses, self.weights)
