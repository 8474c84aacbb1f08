"""The built-in repair set (``--tasks repair``): every faulty program fails its tests and every
reference fix passes them, in the sandboxes; the scored rows carry the DESIGN.md repair fields."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from rlcode.evaluate.repair import changed_lines
from rlcode.languages import language_names
from rlcode.records import Verdict
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from rlcode.tasks import BUILTIN_TASKS, load_tasks
from tests.conftest import write_jsonl


def _tasks():
    return load_tasks("repair", language_names())


def test_the_repair_set_is_built_in_with_bug_lines_and_kinds():
    assert "repair" in BUILTIN_TASKS
    tasks = _tasks()
    raw = [json.loads(line) for line in BUILTIN_TASKS.get("repair")().read_text().splitlines()]
    languages = Counter(t.language for t in tasks.values())
    assert languages["python"] >= 4 and len(languages) >= 3, languages
    kinds = {r["bug_kind"] for r in raw}
    assert {"off-by-one", "wrong operator", "missing edge case", "wrong API use"} <= kinds
    for task in tasks.values():
        assert task.buggy_code and task.canonical_solution and task.bug_lines, task.task_id
        assert task.kind in ("fn", "io")
        # bug_lines are exactly what the reference fix changes
        assert changed_lines(task.buggy_code, task.canonical_solution) == task.bug_lines


@pytest.mark.docker
def test_buggy_programs_fail_and_reference_fixes_pass(tmp_path):
    tasks = _tasks()
    rows = []
    for task in tasks.values():
        rows.append({"task_id": task.task_id, "candidate_id": "buggy", "code": task.buggy_code})
        rows.append({"task_id": task.task_id, "candidate_id": "fixed", "code": task.canonical_solution})
    out = tmp_path / "scored.jsonl"
    settings = load_settings(None, {"sandbox": {"backend": "docker", "workers": 2}, "analysis": {"enabled": False}})
    score_file(write_jsonl(tmp_path / "cands.jsonl", rows), "repair", out, settings)
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(scored) == 2 * len(tasks)
    for row in scored:
        task = tasks[row["task_id"]]
        repair = row["repair"]
        if row["candidate_id"] == "buggy":
            assert row["verdict"] not in (Verdict.PASSED.value, Verdict.SANDBOX_ERROR.value), row["task_id"]
            assert row["verdict"] != Verdict.COMPILE_ERROR.value, row["task_id"]  # a bug, not a typo
            assert 0 < row["tests_total"]
            assert repair == {"fixed": False, "regressions": [], "changed_lines": [], "precision": None,
                              "recall": 0.0}, row["task_id"]
        else:
            assert row["verdict"] == Verdict.PASSED.value, (row["task_id"], row["details"])
            assert repair == {"fixed": True, "regressions": [], "changed_lines": task.bug_lines,
                              "precision": 1.0, "recall": 1.0}, row["task_id"]
