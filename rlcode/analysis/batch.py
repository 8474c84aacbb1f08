"""Run the chosen analyzers over a batch and merge their reports into one result per input."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlcode.analysis.base import AnalysisConfig, AnalysisInput, Analyzer, Finding, Report, StructureMetrics
from rlcode.analysis.score import ScoreWeights, count_lines, static_score
from rlcode.registry import Registry

# name → analyzer class (called with an AnalysisConfig); modules are imported only when chosen.
ANALYZERS: Registry[Callable[[AnalysisConfig], Analyzer]] = Registry("analyzer")
_BUILTIN = (("ruff", "lint_ruff", "RuffAnalyzer"), ("pylint", "lint_pylint", "PylintAnalyzer"),
            ("treesitter", "treesitter", "TreeSitterAnalyzer"), ("compiler", "compiler", "CompilerAnalyzer"))
for _name, _module, _cls in _BUILTIN:
    ANALYZERS.register_lazy(_name, lambda m=_module, c=_cls: getattr(importlib.import_module(f"rlcode.analysis.{m}"), c))

DEFAULT_ANALYZERS = ("ruff", "treesitter", "compiler")  # pylint: thorough, ~30x slower than ruff


@dataclass
class AnalysisResult:
    """Everything static analysis says about one program; ``score`` is None when nothing applied
    or a tool failed on it (a tool's failure is never the program's score)."""

    name: str
    language: str
    lines: int  # non-blank lines, the score's normaliser
    findings: list[Finding] = field(default_factory=list)
    parses: bool | None = None
    metrics: StructureMetrics | None = None
    score: float | None = None
    analyzers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "language": self.language, "lines": self.lines, "parses": self.parses,
                "score": None if self.score is None else round(self.score, 6), "analyzers": self.analyzers,
                "errors": self.errors, "metrics": self.metrics.to_json() if self.metrics else None,
                "findings": [f.to_json() for f in self.findings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnalysisResult:
        metrics = data.get("metrics")
        return cls(name=data.get("name", ""), language=data["language"], lines=int(data["lines"]),
                   findings=[Finding.from_json(f) for f in data.get("findings", [])], parses=data.get("parses"),
                   metrics=StructureMetrics(**metrics) if metrics else None, score=data.get("score"),
                   analyzers=list(data.get("analyzers", [])), errors=list(data.get("errors", [])))


def build_analyzers(names: Sequence[str], config: AnalysisConfig | None = None) -> list[Analyzer]:
    """Instances for ``names``; unknown names raise KeyError listing the known ones."""
    config = config or AnalysisConfig()
    return [ANALYZERS.get(name)(config) for name in dict.fromkeys(names)]


def _merge(item: AnalysisInput, reports: list[tuple[str, Report]], weights: ScoreWeights) -> AnalysisResult:
    own_code = "\n".join(item.code.split("\n")[item.given_lines:])
    result = AnalysisResult(item.name, item.language, count_lines(own_code))
    verdicts = []
    for name, report in reports:
        result.analyzers.append(name)
        if report.error is not None:
            result.errors.append(f"{name}: {report.error}")
            continue
        # Line 0 means "somewhere": kept, as it may well be the candidate's.
        result.findings.extend(f for f in report.findings if f.line == 0 or f.line > item.given_lines)
        if report.parses is not None:
            verdicts.append(report.parses)
        if report.metrics is not None:
            result.metrics = report.metrics
    result.findings.sort(key=lambda f: (f.line, f.tool, f.code))
    # Any analyzer that cannot parse the program is believed: they differ only at the margins.
    result.parses = all(verdicts) if verdicts else None
    if result.analyzers and not result.errors:
        result.score = static_score(result.findings, result.lines, result.parses, weights)
    return result


def analyze_batch(items: Sequence[AnalysisInput], analyzers: Sequence[str | Analyzer] = DEFAULT_ANALYZERS,
                  config: AnalysisConfig | None = None, weights: ScoreWeights | None = None,
                  log: Callable[[str], None] | None = None) -> list[AnalysisResult]:
    """One result per item, in order. Each analyzer sees all its applicable items as one batch."""
    config, weights = config or AnalysisConfig(), weights or ScoreWeights()
    chosen = [a if not isinstance(a, str) else ANALYZERS.get(a)(config) for a in analyzers]
    per_item: list[list[tuple[str, Report]]] = [[] for _ in items]
    for analyzer in chosen:
        indexes = [i for i, item in enumerate(items) if analyzer.applies(item)]
        if not indexes:
            continue
        if log:
            log(f"{analyzer.name}: {len(indexes)} programs")
        reports = analyzer.analyze([items[i] for i in indexes])
        if len(reports) != len(indexes):
            raise RuntimeError(f"analyzer {analyzer.name} returned {len(reports)} reports for {len(indexes)} inputs")
        for i, report in zip(indexes, reports, strict=True):
            per_item[i].append((analyzer.name, report))
    return [_merge(item, reports, weights) for item, reports in zip(items, per_item, strict=True)]


def summarize(results: Sequence[AnalysisResult]) -> dict[str, Any]:
    """Counts over a batch: how many parse, mean score, findings by severity and by tool."""
    scores = [r.score for r in results if r.score is not None]
    by_severity: dict[str, int] = {"error": 0, "warning": 0, "convention": 0, "info": 0}
    by_tool: dict[str, int] = {}
    for r in results:
        for f in r.findings:
            by_severity[f.severity.value] += 1
            by_tool[f.tool] = by_tool.get(f.tool, 0) + 1
    return {"inputs": len(results), "parse": sum(r.parses is True for r in results),
            "do_not_parse": sum(r.parses is False for r in results),
            "mean_score": round(sum(scores) / len(scores), 6) if scores else None,
            "findings": by_severity, "findings_by_tool": dict(sorted(by_tool.items())),
            "tool_errors": sum(bool(r.errors) for r in results)}
