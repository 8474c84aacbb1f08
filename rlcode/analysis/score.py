"""The static score: findings → one number in [0, 1].

Formula (also in docs/static-analysis.md)::

    P     = Σ over lines of max over tools of Σ weight[severity] of that tool's findings on the line
            (weights: error 1.0, warning 0.5, convention 0.1, info 0.0)
    L     = max(non-blank lines, min_lines)           (min_lines = 10)
    (lines and findings are the candidate's own: ``AnalysisInput.given_lines`` of prompt are left out)
    score = 0                                         if the program does not parse
            1 / (1 + scale · P / L)                   otherwise (scale = 10)

Tools overlap (ruff and pylint both report an unused import), so on each line only the tool
that says the most counts; several findings of one tool on a line all count. ``P / L`` is the
weighted number of findings per line; the score halves at one weighted finding per ``scale``
lines, so a 20-line program with one error scores 0.67, with one warning 0.8. The floor
``min_lines`` keeps a tiny program from losing half its score to one style nit. Weights are
non-negative, so a finding never raises the score. The syntax signal (``syntax_score``) is
reported on its own: 1 if it parses, 0 if not, None when no analyzer judged syntax.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rlcode.analysis.base import Finding, Severity


@dataclass(frozen=True)
class ScoreWeights:
    """Severity weights and normalisation of the static score."""

    error: float = 1.0
    warning: float = 0.5
    convention: float = 0.1
    info: float = 0.0
    scale: float = 10.0  # the score halves at one weighted finding per `scale` lines
    min_lines: int = 10  # programs shorter than this are scored as if this long

    def __post_init__(self) -> None:
        for name in ("error", "warning", "convention", "info", "scale"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"analysis.weights.{name}: must be a finite number >= 0, got {value}")
        if self.min_lines < 1:
            raise ValueError("analysis.weights.min_lines: must be >= 1")

    def of(self, severity: Severity) -> float:
        return getattr(self, Severity(severity).value)


def count_lines(code: str) -> int:
    """Non-blank lines: the same measure whichever analyzers ran, so scores stay comparable."""
    return sum(1 for line in code.splitlines() if line.strip())


def penalty(findings: Iterable[Finding], weights: ScoreWeights = ScoreWeights()) -> float:
    """P of the formula: per line, the heaviest tool's total, so one issue seen by two tools counts once."""
    per_line: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for f in findings:
        per_line[f.line][f.tool] += weights.of(f.severity)
    return sum(max(tools.values()) for tools in per_line.values())


def static_score(findings: Iterable[Finding], lines: int, parses: bool | None,
                 weights: ScoreWeights = ScoreWeights()) -> float:
    """The module's formula; ``parses=None`` (not judged) is scored as parsing."""
    if parses is False:
        return 0.0
    density = penalty(findings, weights) / max(lines, weights.min_lines)
    return 1.0 / (1.0 + weights.scale * density)


def syntax_score(parses: bool | None) -> float | None:
    return None if parses is None else float(parses)
