"""Records and the ``Analyzer`` protocol shared by every static analyzer."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rlcode.errors import RlcodeError

# Ruff and pylint check Python only; tree-sitter covers these (the languages rlcode runs).
SUPPORTED_LANGUAGES = ("python", "c", "cpp", "java", "javascript", "typescript", "go", "rust")
_MAX_MESSAGE = 300  # scored rows carry findings; keep one message from bloating a row


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    CONVENTION = "convention"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One diagnostic: which tool, its rule code, how bad, where (1-based line, 0 if unknown), what."""

    tool: str
    code: str
    severity: Severity
    line: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        if len(self.message) > _MAX_MESSAGE:
            object.__setattr__(self, "message", self.message[: _MAX_MESSAGE - 3] + "...")

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "code": self.code, "severity": self.severity.value, "line": self.line,
                "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(data["tool"], data["code"], Severity(data["severity"]), int(data["line"]), data["message"])


@dataclass(frozen=True)
class StructureMetrics:
    """Shape of a program from its syntax tree; ``cyclomatic`` is 1 + decision points, whole file."""

    functions: int
    max_nesting: int
    cyclomatic: int
    loc: int  # lines holding code (blank and comment-only lines excluded)

    def to_json(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class AnalysisInput:
    """One program to analyze. ``diagnostics`` is compiler output captured elsewhere (the sandbox)."""

    language: str
    code: str
    name: str = ""
    diagnostics: str | None = None
    diagnostics_format: str | None = None  # gcc, javac, rustc, go, govet, tsc; default from the language
    # Leading lines copied from the task's prompt: findings there (its trailing spaces, its unused
    # typing import) are not the candidate's and are dropped; they do not count as its lines either.
    given_lines: int = 0


@dataclass
class Report:
    """What one analyzer says about one input."""

    findings: list[Finding] = field(default_factory=list)
    parses: bool | None = None  # None: this analyzer does not judge syntax
    metrics: StructureMetrics | None = None
    error: str | None = None  # the tool failed on this input (its fault, not the program's)


class Analyzer(Protocol):
    name: str
    languages: frozenset[str]

    def applies(self, item: AnalysisInput) -> bool:
        """Whether this analyzer has anything to say about ``item``."""

    def analyze(self, items: Sequence[AnalysisInput]) -> list[Report]:
        """One report per item, in order; called with applicable items only, as one batch."""


class AnalysisError(RlcodeError):
    """An analyzer cannot run at all (tool missing, bad options): an infrastructure failure."""


@dataclass(frozen=True)
class AnalysisConfig:
    """Options for a batch of analyses; ``rlcode.toml``'s ``[analysis]`` section maps onto these."""

    cache_dir: Path | None = None  # root of on-disk result caches (pylint uses <root>/pylint); None: no cache
    jobs: int = 2  # tool processes run in parallel (pylint)
    timeout_s: float = 60.0  # per tool process, plus an allowance for each file it checks
    ruff_select: tuple[str, ...] = ("E", "F", "W", "B")
    # E501: prompts (HumanEval docstrings) carry long lines the candidate did not write.
    ruff_ignore: tuple[str, ...] = ("E501",)
    pylint_disable: tuple[str, ...] = (
        "missing-module-docstring", "missing-class-docstring", "missing-function-docstring",
        "duplicate-code",  # compares files of one batch: depends on the batch and breaks the cache
        "import-error",  # about the host's installed packages, not the program
        "line-too-long",  # same reason as E501
    )
    cache_max_entries: int = 50_000

    def __post_init__(self) -> None:
        if self.cache_dir is not None:
            object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        if self.jobs < 1:
            raise ValueError("analysis.jobs: must be >= 1")
        if self.timeout_s <= 0:
            raise ValueError("analysis.timeout_s: must be > 0")
        if self.cache_max_entries < 1:
            raise ValueError("analysis.cache_max_entries: must be >= 1 (use cache_dir = None for no cache)")
        if not self.ruff_select:
            raise ValueError("analysis.ruff_select: give at least one rule prefix (ruff's own default is E4,E7,E9,F)")
