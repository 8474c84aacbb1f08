"""Repair fields on hand-made cases whose right numbers are known, and ``rlcode eval`` on the
built-in repair set end to end (Docker): reference fixes, do-nothing candidates, regressions."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.evaluate.metrics import EvalOptions, evaluate_rows
from rlcode.evaluate.repair import changed_lines, failed_tests, localisation, repair_fields
from rlcode.languages import language_names
from rlcode.records import Task
from rlcode.tasks import load_tasks
from tests.conftest import write_jsonl

BUGGY = "a\nb\nc\nd\n"


@pytest.mark.parametrize("repaired, expected", [
    (BUGGY, []),
    ("a\nB\nc\nd\n", [2]),                   # replaced
    ("a\nb\nd\n", [3]),                      # deleted
    ("a\nX\nb\nc\nd\n", [2]),                # inserted before line 2
    ("X\na\nb\nc\nd\n", [1]),                # inserted before line 1
    ("a\nb\nc\nd\nE\n", [4]),                # inserted past the end: the last line
    ("a\nP\nQ\nR\nd\n", [2, 3]),             # two lines replaced by three
    ("a  \nb\r\nc\nd", []),                  # trailing blanks, CRs and the last newline are no change
    ("", [1, 2, 3, 4]),                      # everything deleted
])
def test_changed_lines(repaired, expected):
    assert changed_lines(BUGGY, repaired) == expected


def test_localisation_precision_and_recall():
    assert localisation([2, 3], [2]) == (0.5, 1.0)
    assert localisation([2], [2, 7]) == (1.0, 0.5)
    assert localisation([], [2]) == (None, 0.0)  # nothing changed: no precision
    assert localisation([1, 2], None) == (None, None)  # no bug_lines: neither
    assert localisation([5], [2]) == (0.0, 0.0)


def _fn_task(**kw) -> Task:
    return Task("r/0", buggy_code=BUGGY, bug_lines=[2], entry_point="f",
                fn_tests=[{"args": [i], "expected": i} for i in range(4)], **kw)


def test_regressions_are_tests_the_buggy_code_passed_that_the_candidate_fails():
    task = _fn_task()
    buggy = ("failed", 2, 4, {"passed_tests": [0, 2]})
    got = repair_fields(task, "a\nB\nc\nd\n", "failed", 2, 4, {"passed_tests": [0, 1]}, buggy)
    assert got.to_json() == {"fixed": False, "regressions": [2], "changed_lines": [2], "precision": 1.0,
                             "recall": 1.0}
    fixed = repair_fields(task, "a\nB\nc\nd\n", "passed", 4, 4, {}, buggy)
    assert fixed.fixed and fixed.regressions == []
    broken = repair_fields(task, "a\nB\nC\nd\n", "compile_error", 0, 4, {}, buggy)
    assert broken.regressions == [0, 2] and broken.precision == 0.5
    assert repair_fields(task, BUGGY, "failed", 2, 4, {"passed_tests": [0, 2]}, None).regressions is None


def test_failed_tests_from_details():
    assert failed_tests("passed", 3, 3, {}, "fn") == set()
    assert failed_tests("failed", 1, 3, {"passed_tests": [1]}, "io") == {0, 2}
    assert failed_tests("compile_error", 0, 3, {}, "io") == {0, 1, 2}
    assert failed_tests("failed", 1, 3, {}, "io") is None  # older rows: not known
    assert failed_tests("sandbox_error", 0, 3, {}, "fn") is None
    check = {"failures": [{"line": 4, "kind": "assertion"}, {"line": 6, "kind": "assertion"}]}
    assert failed_tests("failed", 1, 3, check, "check") == {4, 6}


def test_eval_repair_figures_on_known_rows():
    tasks = {"r/0": _fn_task(), "r/1": Task("r/1", buggy_code="x\ny\n", bug_lines=[1], entry_point="f",
                                            fn_tests=[{"args": [], "expected": 1}])}
    rows = [
        {"task_id": "r/0", "candidate_id": "0", "code": "a\nB\nc\nd\n", "verdict": "passed", "reward": 1.0,
         "repair": {"fixed": True, "regressions": [], "changed_lines": [2], "precision": 1.0, "recall": 1.0}},
        {"task_id": "r/0", "candidate_id": "1", "code": "A\nB\nc\nd\n", "verdict": "failed", "reward": 0.0,
         "repair": {"fixed": False, "regressions": [1], "changed_lines": [1, 2], "precision": 0.5, "recall": 1.0}},
        # scored without repair fields: computed from the row (regressions unknown)
        {"task_id": "r/1", "candidate_id": "0", "code": "x\ny\nz\n", "verdict": "failed", "tests_passed": 0,
         "tests_total": 1, "reward": 0.0},
        {"task_id": "r/1", "candidate_id": "1", "code": "x\ny\n", "verdict": "sandbox_error", "reward": None},
    ]
    repair = evaluate_rows(rows, tasks, EvalOptions())["repair"]
    assert repair == {"candidates": 3, "fix_rate": pytest.approx(1 / 3), "regression_rate": 0.5,
                      "precision": pytest.approx(0.5), "recall": pytest.approx(2 / 3),
                      "mean_changed_lines": pytest.approx(4 / 3)}


@pytest.mark.docker
def test_eval_on_the_repair_set_canonical_do_nothing_and_regressing(tmp_path):
    """`rlcode eval --candidates` on the built-in set: reference fixes score 1 everywhere, the
    buggy code unchanged fixes nothing and changes nothing, a bad edit regresses."""
    tasks = load_tasks("repair", language_names())
    canonical = write_jsonl(tmp_path / "canonical.jsonl",
                            [{"task_id": t.task_id, "code": t.canonical_solution} for t in tasks.values()])
    nothing = write_jsonl(tmp_path / "nothing.jsonl",
                          [{"task_id": t.task_id, "code": t.buggy_code} for t in tasks.values()])
    average = tasks["repair/python/average"]
    worse = average.buggy_code.replace("total // len(xs)", "total // len(xs) + 1")
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [
        {"task_id": average.task_id, "candidate_id": "worse", "code": f"Here is the fix:\n```python\n{worse}```"},
        {"task_id": average.task_id, "candidate_id": "fixed", "code": average.canonical_solution}])
    runner = CliRunner()
    base = ["eval", "--tasks", "repair", "--out-dir", str(tmp_path / "out"), "--no-static", "-q"]
    r = runner.invoke(app, base + ["--candidates", str(canonical), "--json", str(tmp_path / "c.json"),
                                   "--fail-under", "pass@1=1", "--fail-under", "repair.fix_rate=1"])
    assert r.exit_code == 0, r.output
    c = json.loads((tmp_path / "c.json").read_text())
    assert c["repair"] == {"candidates": 12, "fix_rate": 1.0, "regression_rate": 0.0, "precision": 1.0,
                           "recall": 1.0, "mean_changed_lines": pytest.approx(
                               sum(len(t.bug_lines) for t in tasks.values()) / 12)}
    assert c["canonical"]["failing"] == [] and c["canonical"]["baselines"] == 12
    assert c["metrics"]["efficiency"]["rows"] == 12
    r = runner.invoke(app, base + ["--candidates", str(nothing), "--json", str(tmp_path / "n.json"),
                                   "--fail-under", "repair.fix_rate=0.5"])
    assert r.exit_code == 1 and "gate missed: repair.fix_rate = 0.0000, needs >= 0.5" in r.output
    n = json.loads((tmp_path / "n.json").read_text())
    assert n["repair"] == {"candidates": 12, "fix_rate": 0.0, "regression_rate": 0.0, "precision": None,
                           "recall": 0.0, "mean_changed_lines": 0.0}
    assert n["metrics"]["pass@1"] == 0.0 and n["metrics"]["compile_rate"] == 1.0
    r = runner.invoke(app, base + ["--candidates", str(mixed), "--json", str(tmp_path / "m.json"),
                                   "--no-efficiency"])
    assert r.exit_code == 0, r.output
    rows = {json.loads(line)["candidate_id"]: json.loads(line)
            for line in (tmp_path / "out" / "mixed.scored.jsonl").read_text().splitlines()}
    # the buggy code passes tests 0 and 2 (2 // 2 == 1, 5 // 1 == 5); "+ 1" fails those too
    assert rows["worse"]["repair"] == {"fixed": False, "regressions": [0, 2], "changed_lines": [3],
                                       "precision": 1.0, "recall": 1.0}
    assert rows["fixed"]["repair"]["fixed"] and rows["fixed"]["repair"]["regressions"] == []
    assert json.loads((tmp_path / "m.json").read_text())["repair"]["regression_rate"] == 0.5
