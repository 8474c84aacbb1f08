"""Ruff on Python: one ruff process per batch, JSON output mapped back to the inputs.

Ruff calls every diagnostic "error"; the severity here comes from the rule instead (see
``ruff_severity``). Rules are chosen explicitly (``AnalysisConfig.ruff_select``) and ``--isolated``
keeps any ``ruff.toml`` or ``pyproject.toml`` near the working directory out of the reward.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rlcode.analysis.base import AnalysisConfig, AnalysisError, AnalysisInput, Finding, Report, Severity

_SYNTAX_CODES = {"invalid-syntax", "E999"}
# Pyflakes rules that mean the program is broken, not merely untidy: undefined names, misplaced
# return/yield/break, comparisons with literals that are always wrong.
_BROKEN_PREFIXES = ("F82", "F63", "F7", "E9")
_CHUNK = 2000  # files per ruff process; keeps the command line far below ARG_MAX


def find_ruff() -> str:
    """The ruff binary of this environment (the wheel's own first, then next to Python, then PATH)."""
    try:
        from ruff.__main__ import find_ruff_bin

        return os.fsdecode(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        pass
    beside = Path(sys.executable).parent / "ruff"
    if beside.exists():
        return str(beside)
    found = shutil.which("ruff")
    if found:
        return found
    raise AnalysisError("ruff is not installed", hint="pip install 'rlcode[analysis]'")


def ruff_severity(code: str) -> Severity:
    if code in _SYNTAX_CODES or code.startswith(_BROKEN_PREFIXES):
        return Severity.ERROR
    if code.startswith(("F", "B", "PLE")):
        return Severity.WARNING
    if code.startswith(("E", "W")):
        return Severity.CONVENTION  # pycodestyle: layout and idiom
    return Severity.INFO  # UP, SIM, ...: modernisation hints


class RuffAnalyzer:
    name = "ruff"
    languages = frozenset({"python"})

    def __init__(self, config: AnalysisConfig | None = None):
        self.config = config = config or AnalysisConfig()
        self.binary = find_ruff()

    def applies(self, item: AnalysisInput) -> bool:
        return item.language in self.languages

    def command(self, paths: Sequence[str]) -> list[str]:
        cmd = [self.binary, "check", "--output-format", "json", "--no-cache", "--isolated", "--exit-zero",
               "--select", ",".join(self.config.ruff_select)]
        if self.config.ruff_ignore:
            cmd += ["--ignore", ",".join(self.config.ruff_ignore)]
        return cmd + ["--", *paths]

    def analyze(self, items: Sequence[AnalysisInput]) -> list[Report]:
        # Identical programs (common among sampled candidates) are checked once.
        unique: dict[str, int] = {}
        for item in items:
            unique.setdefault(item.code, len(unique))
        reports: dict[int, Report] = {}
        with tempfile.TemporaryDirectory(prefix="rlcode-ruff-") as tmp:
            paths = []
            for code, index in unique.items():
                path = os.path.join(tmp, f"c{index}.py")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(code)
                paths.append(path)
            for start in range(0, len(paths), _CHUNK):
                chunk = paths[start: start + _CHUNK]
                reports.update(self._run(chunk, timeout=self.config.timeout_s + len(chunk) * 0.05))
        return [reports[unique[item.code]] for item in items]

    def _run(self, paths: list[str], timeout: float) -> dict[int, Report]:
        try:
            proc = subprocess.run(self.command(paths), check=False, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AnalysisError(f"ruff took more than {timeout:.0f}s on {len(paths)} files") from None
        if proc.returncode != 0:
            raise AnalysisError(f"ruff failed (exit {proc.returncode}): {proc.stderr.strip()[:300]}",
                                hint="check analysis.ruff_select / ruff_ignore name real rules")
        by_file = {os.path.basename(p): int(os.path.basename(p)[1:-3]) for p in paths}
        reports = {index: Report(parses=True) for index in by_file.values()}
        for diag in json.loads(proc.stdout or "[]"):
            report = reports[by_file[os.path.basename(diag["filename"])]]
            code = diag.get("code") or "invalid-syntax"  # older ruff: syntax errors have no code
            if code in _SYNTAX_CODES:
                report.parses = False
            line = (diag.get("location") or {}).get("row") or 0
            report.findings.append(Finding("ruff", code, ruff_severity(code), line, diag.get("message", "")))
        return reports
