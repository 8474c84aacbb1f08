"""JUnit XML: one test suite per language, one test case per task.

A task's case passes when every judged sample passed; otherwise it carries a ``failure`` whose
message gives the samples passed, the first failing sample's verdict and its first failing test.
A task whose every sample hit a ``sandbox_error`` is an ``error`` (the infrastructure's fault,
not the model's)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rlcode.records import Verdict


def _case(entry: dict) -> tuple[ET.Element, str]:
    case = ET.Element("testcase", name=entry["task_id"], classname=f"rlcode.{entry['language']}.{entry['kind']}",
                      time=f"{entry.get('elapsed_s') or 0:.3f}")
    failure = entry.get("first_failure") or {}
    summary = f"{entry['passed']}/{entry['n']} samples passed"
    if entry["n"] == 0:
        err = ET.SubElement(case, "error", message=f"every sample hit {Verdict.SANDBOX_ERROR.value}",
                            type=Verdict.SANDBOX_ERROR.value)
        err.text = "the sandbox failed (not the candidate): re-run; see rlcode sandbox doctor"
        return case, "error"
    if entry["passed"] < entry["n"]:
        verdict = failure.get("verdict") or "failed"
        message = f"{summary}; sample {failure.get('candidate_id')}: {verdict}"
        if failure.get("test"):
            message += f"; first failing test: {failure['test']}"
        node = ET.SubElement(case, "failure", message=message[:1000], type=verdict)
        node.text = "\n".join(f"{k}: {v}" for k, v in sorted(entry["verdicts"].items()))
        return case, "failure"
    out = ET.SubElement(case, "system-out")
    out.text = summary
    return case, "ok"


def render_junit(result: dict) -> str:
    suites = ET.Element("testsuites", name="rlcode eval")
    by_language: dict[str, list[dict]] = {}
    for entry in result["tasks"]:
        by_language.setdefault(entry["language"], []).append(entry)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for language, entries in sorted(by_language.items()):
        suite = ET.SubElement(suites, "testsuite", name=f"rlcode.{language}")
        counts = {"failure": 0, "error": 0}
        for entry in entries:
            case, outcome = _case(entry)
            suite.append(case)
            counts[outcome] = counts.get(outcome, 0) + 1
        suite.set("tests", str(len(entries)))
        suite.set("failures", str(counts["failure"]))
        suite.set("errors", str(counts["error"]))
        suite.set("skipped", "0")
        suite.set("time", f"{sum(e.get('elapsed_s') or 0 for e in entries):.3f}")
        props = ET.Element("properties")
        for key, value in sorted(result["by_language"].get(language, {}).items()):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ET.SubElement(props, "property", name=key, value=str(value))
        suite.insert(0, props)
        totals["tests"] += len(entries)
        totals["failures"] += counts["failure"]
        totals["errors"] += counts["error"]
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(result), encoding="utf-8")
