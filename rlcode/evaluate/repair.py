"""Repair (debugging) tasks: what a candidate changed in the buggy program, and what it broke.

DESIGN.md "Repair tasks": every scored row of a task with ``buggy_code`` carries ``repair``:
``fixed``, ``regressions`` (tests the buggy code passed that the candidate fails), ``changed_lines``
(1-based lines of ``buggy_code`` a line diff marks replaced or deleted; an insertion before line
k counts k, past the end the last line) and the localisation ``precision``/``recall`` of those
lines against ``bug_lines``.

Tests are named as in a row's ``details``: the 0-based index of an ``fn_tests``/``io_tests``
entry (``details.passed_tests``), or for a HumanEval-layout ``test`` the line of the assert
(``details.failures[].line``).
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any

from rlcode.extract import build_program
from rlcode.records import Candidate, Task, Verdict


@dataclass(frozen=True)
class RepairFields:
    fixed: bool
    regressions: list[int] | None  # None: the buggy code's own outcomes are unknown
    changed_lines: list[int]
    precision: float | None
    recall: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]  # trailing blanks and CRs are no change


def changed_lines(buggy: str, repaired: str) -> list[int]:
    """Lines of ``buggy`` a line diff marks replaced or deleted, and insertion points (DESIGN.md)."""
    old, new = _lines(buggy), _lines(repaired)
    changed: set[int] = set()
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(i1 + 1, i2 + 1))
        elif tag == "insert":
            changed.add(max(1, min(i1 + 1, len(old))))  # before line i1+1; past the end: the last line
    return sorted(changed)


def localisation(changed: list[int], bug_lines: list[int] | None) -> tuple[float | None, float | None]:
    """(precision, recall) of the changed lines against the known faulty ones."""
    if not bug_lines:
        return None, None
    hit = len(set(changed) & set(bug_lines))
    precision = round(hit / len(set(changed)), 6) if changed else None
    return precision, round(hit / len(set(bug_lines)), 6)


def failed_tests(verdict: str, tests_passed: int, tests_total: int, details: dict, kind: str) -> set[int] | None:
    """The tests a run failed, by the names above; None when its details do not say."""
    if verdict == Verdict.PASSED.value or (tests_total and tests_passed == tests_total):
        return set()
    if verdict == Verdict.SANDBOX_ERROR.value:
        return None
    if kind in ("fn", "io"):
        if isinstance(details.get("passed_tests"), list):
            return set(range(tests_total)) - set(details["passed_tests"])
        if tests_passed == 0:
            return set(range(tests_total))
        return None
    failures = details.get("failures") or []
    if failures and len(failures) == tests_total - tests_passed and not details.get("error"):
        return {int(f.get("line") or 0) for f in failures}
    return None


def repaired_text(task: Task, cand: Candidate, program_code: str) -> str:
    """The candidate's whole repaired program, fences and prose stripped, before anything the
    scorer adds to run it (a repair candidate gives ``code``; a completion is taken as it runs)."""
    if cand.code is None:
        return program_code
    language = cand.language or task.language
    return build_program("", task.entry_point, language, code=cand.code).code


def repair_fields(task: Task, repaired: str, verdict: str, tests_passed: int, tests_total: int, details: dict,
                  buggy: tuple[str, int, int, dict] | None) -> RepairFields:
    """The ``repair`` fields of one scored row; ``buggy``: the buggy code's own (verdict,
    tests_passed, tests_total, details), None when it was not run."""
    changed = changed_lines(task.buggy_code or "", repaired)
    precision, recall = localisation(changed, task.bug_lines)
    regressions = None
    if buggy is not None:
        bad_before = failed_tests(*buggy, task.kind)
        bad_now = failed_tests(verdict, tests_passed, tests_total, details, task.kind)
        if buggy[1] == 0 or bad_now == set():
            regressions = []  # nothing passed before, or nothing fails now: nothing regressed
        elif bad_before is not None and bad_now is not None:
            regressions = sorted(bad_now - bad_before)
    fixed = verdict == Verdict.PASSED.value
    return RepairFields(fixed, regressions, changed, precision, recall)
