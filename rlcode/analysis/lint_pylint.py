"""Pylint on Python: batches split over a few parallel pylint processes, results cached by content.

Pylint starts slowly (about 1.5 s) and then checks a small file in about 12 ms, so each process
takes a large share of the batch. Results are cached under ``<cache_dir>/pylint`` keyed by the source,
pylint's version and the options, so re-scoring the same candidates costs nothing.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from rlcode.analysis.base import AnalysisConfig, AnalysisError, AnalysisInput, Finding, Report, Severity
from rlcode.analysis.cache import ContentCache

_SEVERITY = {"fatal": Severity.ERROR, "error": Severity.ERROR, "warning": Severity.WARNING,
             "convention": Severity.CONVENTION, "refactor": Severity.CONVENTION, "info": Severity.INFO}
# Messages about pylint itself failing: not held against the program.
_TOOL_FAILURES = {"astroid-error", "fatal", "parse-error", "config-parse-error", "method-check-failed"}


class PylintAnalyzer:
    name = "pylint"
    languages = frozenset({"python"})
    # Pylint takes ~1.5 s to start and ~12 ms per HumanEval-sized file (measured on 2 cores), so a
    # second process pays off only with this many files for each.
    min_files_per_process = 64

    def __init__(self, config: AnalysisConfig | None = None):
        if importlib.util.find_spec("pylint") is None:
            raise AnalysisError("pylint is not installed", hint="pip install 'rlcode[analysis]'")
        self.config = config = config or AnalysisConfig()
        self.options = ["--output-format=json", "--persistent=n", "--score=n", "--reports=n", "--jobs=1"]
        if config.pylint_disable:
            self.options.append("--disable=" + ",".join(config.pylint_disable))
        self.cache = None
        if config.cache_dir is not None:
            namespace = json.dumps([importlib.metadata.version("pylint"), importlib.metadata.version("astroid"),
                                    sys.version_info[:2], self.options])
            self.cache = ContentCache(config.cache_dir / "pylint", namespace, config.cache_max_entries)

    def applies(self, item: AnalysisInput) -> bool:
        return item.language in self.languages

    def analyze(self, items: Sequence[AnalysisInput]) -> list[Report]:
        done: dict[str, Report] = {}
        todo: list[str] = []
        for code in dict.fromkeys(item.code for item in items):
            cached = self.cache.get(code) if self.cache else None
            if cached is not None:
                done[code] = _report_from_json(cached)
            else:
                todo.append(code)
        if todo:
            with tempfile.TemporaryDirectory(prefix="rlcode-pylint-") as tmp:
                rc = os.path.join(tmp, "empty.pylintrc")  # no user or project pylintrc leaks in
                open(rc, "w").close()
                files = []
                for index, code in enumerate(todo):
                    name = f"c{index}.py"
                    with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                        f.write(code)
                    files.append(name)
                n = max(1, min(self.config.jobs, len(files) // self.min_files_per_process))
                chunks = [files[i::n] for i in range(n)]
                with ThreadPoolExecutor(n) as pool:
                    for part in pool.map(lambda chunk: self._run(tmp, rc, chunk), chunks):
                        for name, report in part.items():
                            code = todo[int(name[1:-3])]
                            done[code] = report
                            if self.cache and report.error is None:
                                self.cache.put(code, _report_to_json(report))
            if self.cache:
                self.cache.prune()
        return [done[item.code] for item in items]

    def _run(self, tmp: str, rc: str, files: list[str]) -> dict[str, Report]:
        """Reports for ``files``; a chunk that times out is split so one slow file cannot sink the rest."""
        timeout = self.config.timeout_s + len(files)
        try:
            proc = subprocess.run([sys.executable, "-m", "pylint", f"--rcfile={rc}", *self.options, "--", *files],
                                  cwd=tmp, check=False, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            if len(files) == 1:
                return {files[0]: Report(error=f"pylint took more than {timeout:.0f}s")}
            half = len(files) // 2
            return {**self._run(tmp, rc, files[:half]), **self._run(tmp, rc, files[half:])}
        if proc.returncode & 32:  # pylint's exit bit for a usage error
            raise AnalysisError(f"pylint rejected its options: {proc.stderr.strip()[:300]}",
                                hint="check analysis.pylint_disable names real messages")
        try:
            # A crashed pylint prints a traceback and no JSON; an empty "[]" is a clean run.
            messages = json.loads(proc.stdout)
        except json.JSONDecodeError:
            stderr = proc.stderr.strip()[:300]
            raise AnalysisError(f"pylint printed no JSON (exit {proc.returncode}): {stderr}") from None
        reports = {name: Report(parses=True) for name in files}
        for msg in messages:
            symbol = msg.get("symbol") or msg.get("message-id", "unknown")
            if symbol in ("unknown-option-value", "bad-option-value"):  # a warning to pylint, an error here
                raise AnalysisError(f"pylint: {msg.get('message', symbol)}",
                                    hint="check analysis.pylint_disable names real messages")
            report = reports.get(os.path.basename(msg.get("path", "")))
            if report is None:
                continue
            if symbol in _TOOL_FAILURES:
                report.error = msg.get("message", symbol)[:300]
                continue
            if symbol == "syntax-error":
                report.parses = False
            severity = _SEVERITY.get(msg.get("type", ""), Severity.WARNING)
            report.findings.append(Finding("pylint", symbol, severity, msg.get("line") or 0, msg.get("message", "")))
        return reports


def _report_to_json(report: Report) -> dict:
    return {"parses": report.parses, "findings": [f.to_json() for f in report.findings]}


def _report_from_json(data: dict) -> Report:
    return Report(findings=[Finding.from_json(f) for f in data["findings"]], parses=data["parses"])
