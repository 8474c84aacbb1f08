"""Typed records that cross stage boundaries. Written and read as JSONL (DESIGN.md)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Verdict(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    COMPILE_ERROR = "compile_error"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_EXCEEDED = "memory_exceeded"
    OUTPUT_EXCEEDED = "output_exceeded"
    SANDBOX_ERROR = "sandbox_error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Limits:
    """Per-candidate resource limits; a task's ``limits`` field overrides the defaults."""

    time_s: float = 3.0
    memory_mb: int = 512
    output_kb: int = 1024
    file_mb: int = 16

    def scaled(self, time_factor: float = 1.0, memory_factor: float = 1.0) -> "Limits":
        return Limits(self.time_s * time_factor, int(self.memory_mb * memory_factor), self.output_kb, self.file_mb)

    def for_runner(self, address_space: bool = True) -> dict:
        return {
            "time_s": self.time_s,
            "wall_s": self.time_s * 2 + 1.0,
            "memory_mb": self.memory_mb,
            "output_bytes": self.output_kb * 1024,
            "file_bytes": self.file_mb << 20,
            "address_space": address_space,
            "open_files": 256,
        }


@dataclass
class Task:
    task_id: str
    language: str = "python"
    prompt: str = ""
    entry_point: str | None = None
    test: str | None = None
    fn_tests: list[dict] | None = None
    io_tests: list[dict] | None = None
    checker: str = "tokens"
    canonical_solution: str | None = None
    buggy_code: str | None = None
    bug_lines: list[int] | None = None
    limits: Limits | None = None
    source: str = ""  # "FILE:LINE" it came from, for messages
    # fn_tests' language-neutral types, {"params": [...], "returns": ...} (rlcode/judge/drivers);
    # None: inferred from the tests when a driver needs them.
    signature: dict | None = None
    difficulty: float | None = None  # optional, for training curricula ([train] curriculum)

    @property
    def kind(self) -> str:
        if self.io_tests is not None:
            return "io"
        if self.fn_tests is not None:
            return "fn"
        return "check"


@dataclass
class Candidate:
    task_id: str
    candidate_id: str
    raw: dict[str, Any]  # the row as read, every field kept
    completion: str | None = None
    code: str | None = None
    language: str | None = None
    source: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.task_id, self.candidate_id)


@dataclass
class ExecutionResult:
    """What running one candidate against its tests produced (before the reward)."""

    verdict: Verdict
    tests_passed: int = 0
    tests_total: int = 0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScoredRow:
    candidate: Candidate
    result: ExecutionResult
    reward: float | None
    components: dict[str, Any]
    repair: dict[str, Any] | None = None  # repair tasks: rlcode.evaluate.repair.RepairFields

    def to_json(self) -> dict[str, Any]:
        row = dict(self.candidate.raw)
        row["task_id"] = self.candidate.task_id
        row["candidate_id"] = self.candidate.candidate_id
        row["verdict"] = self.result.verdict.value
        row["passed"] = self.result.verdict is Verdict.PASSED
        row["tests_passed"] = self.result.tests_passed
        row["tests_total"] = self.result.tests_total
        row["reward"] = self.reward
        row["components"] = self.components
        row["details"] = self.result.details
        if self.repair is not None:
            row["repair"] = self.repair
        return row
