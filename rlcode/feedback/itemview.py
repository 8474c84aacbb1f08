"""What a reviewer sees of one item, read from its scored row's ``details``: the failing tests and
what the program printed, compiler messages and lint findings. Shared by the terminal review and
the web pages, so both show the same evidence. Everything here is text taken from hostile output:
callers escape it (Jinja's autoescape, rich ``Text``), nothing here is markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_FAILURE_KEYS = ("message", "expected", "got", "mismatch", "line", "stderr", "stdout", "error")


@dataclass(frozen=True)
class Failure:
    """One failing test: where (``test 3`` or ``test line 12``), what kind, and the facts recorded."""

    where: str
    kind: str
    facts: list[tuple[str, str]] = field(default_factory=list)

    def one_line(self) -> str:
        facts = "; ".join(f"{k}: {v}" for k, v in self.facts)
        return f"{self.where}: {self.kind}" + (f" ({facts})" if facts else "")


@dataclass(frozen=True)
class Finding:
    line: int | None
    severity: str
    tool: str
    code: str
    message: str


@dataclass(frozen=True)
class Evidence:
    failures: list[Failure]
    printed: list[tuple[str, str]]  # (stream or source, text): stdout, stderr, compiler output, error
    findings: list[Finding]
    static_score: float | None


def _text(value: Any, limit: int = 2000) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + " …"


def _failure(entry: dict, default_kind: str = "failed") -> Failure:
    if "test" in entry:
        where = f"test {entry['test']}"
    elif "line" in entry:
        where = f"test line {entry['line']}"
    else:
        where = "test"
    facts = [(k, _text(entry[k])) for k in _FAILURE_KEYS if k in entry and not (k == "line" and "test" not in entry)]
    return Failure(where, str(entry.get("kind", default_kind)), facts)


def evidence(details: dict | None) -> Evidence:
    """The failing tests, the printed output and the findings recorded in a scored row's details."""
    details = details if isinstance(details, dict) else {}
    failures = [_failure(f) for f in details.get("failures") or [] if isinstance(f, dict)]
    if isinstance(details.get("first_failure"), dict):
        failures.append(_failure(details["first_failure"], "first failure"))
    printed = []
    for key in ("error", "stdout", "stderr"):
        if details.get(key):
            printed.append((key, _text(details[key], 8000)))
    compile_info = details.get("compile")
    if isinstance(compile_info, dict) and compile_info.get("diagnostics"):
        printed.append(("compiler", _text(compile_info["diagnostics"], 8000)))
    static = details.get("static") if isinstance(details.get("static"), dict) else {}
    findings = []
    for f in static.get("findings") or []:
        if isinstance(f, dict):
            line = f.get("line")
            findings.append(Finding(line if isinstance(line, int) else None, str(f.get("severity", "")),
                                    str(f.get("tool", "")), str(f.get("code", "")), _text(f.get("message", ""))))
    score = static.get("score")
    return Evidence(failures, printed, findings, score if isinstance(score, (int, float)) else None)


def load_scored(store, path) -> int:
    """Adds a scored JSONL's rows to ``store`` as items (idempotent); returns how many were new."""
    from rlcode.jsonl import read_jsonl

    return store.add_items([row for _, row in read_jsonl(path)])
