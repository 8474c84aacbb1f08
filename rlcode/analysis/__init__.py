"""Static analysis for the reward: analyzers behind one protocol, findings, metrics and a score.

``analyze_batch(items, ["ruff", "treesitter"])`` runs each analyzer once over the whole batch and
returns one ``AnalysisResult`` per input; ``rlcode.analysis.score`` holds the scoring formula.
Analyzer modules (and their tools) are imported only when chosen.
"""

from rlcode.analysis.base import (
    SUPPORTED_LANGUAGES,
    AnalysisConfig,
    AnalysisError,
    AnalysisInput,
    Analyzer,
    Finding,
    Report,
    Severity,
    StructureMetrics,
)
from rlcode.analysis.batch import (
    ANALYZERS,
    DEFAULT_ANALYZERS,
    AnalysisResult,
    analyze_batch,
    build_analyzers,
    summarize,
)
from rlcode.analysis.score import ScoreWeights, count_lines, static_score, syntax_score

__all__ = [
    "ANALYZERS", "DEFAULT_ANALYZERS", "SUPPORTED_LANGUAGES", "AnalysisConfig", "AnalysisError", "AnalysisInput",
    "AnalysisResult", "Analyzer", "Finding", "Report", "ScoreWeights", "Severity", "StructureMetrics",
    "analyze_batch", "build_analyzers", "count_lines", "static_score", "summarize", "syntax_score",
]
