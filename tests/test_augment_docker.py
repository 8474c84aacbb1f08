"""``rlcode tasks augment`` with the real sandbox: expected values, preconditions, mutants, resuming."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from rlcode.augment.calls import call_all
from rlcode.augment.mutants import make_mutants
from rlcode.augment.run import AugmentOptions, augment_file
from rlcode.cli import app
from rlcode.records import Limits
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import write_jsonl

pytestmark = pytest.mark.docker

SETTINGS = {"analysis": {"enabled": False}}

ADULT = {
    "task_id": "hand/adult",
    "prompt": "def is_adult(age: int) -> bool:\n    \"\"\"Whether someone of this age is 18 or older.\"\"\"\n",
    "canonical_solution": "    return age >= 18\n",
    "entry_point": "is_adult",
    "test": "def check(candidate):\n    assert candidate(30) == True\n    assert candidate(5) == False\n",
}
# Raises on a negative x when strict: inputs that break that precondition must not become tests.
ROOT = {
    "task_id": "hand/root",
    "prompt": "def root(x: int, strict: bool) -> int:\n    \"\"\"Integer square root; negative x gives 0 unless strict.\"\"\"\n",
    "canonical_solution": ("    if x < 0:\n        if strict:\n            raise ValueError('negative')\n        return 0\n"
                           "    return int(x ** 0.5)\n"),
    "entry_point": "root",
    "test": "def check(candidate):\n    assert candidate(16, True) == 4\n    assert candidate(-4, False) == 0\n",
}
# Reads who it runs as: its expected values can only come from where it ran.
WHO = {
    "task_id": "hand/who",
    "prompt": "def who(x: int) -> int:\n    \"\"\"x plus the user id it runs as.\"\"\"\n",
    "canonical_solution": "    import os\n    return os.getuid() + x\n",
    "entry_point": "who",
    "fn_tests": [{"args": [1], "expected": 10002}],
}


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_mutant_the_original_tests_miss_is_caught(tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [ADULT])
    out = tmp_path / "aug.jsonl"
    summary = augment_file(str(tasks), out, load_settings(None, SETTINGS), AugmentOptions(per_task=60))
    row = _rows(out)[0]
    assert row["augment"]["status"] == "augmented" and row["test"] == ADULT["test"]
    assert row["fn_tests"][:2] == [{"args": [30], "expected": True}, {"args": [5], "expected": False}]
    assert summary["killed_only_by_augmented"] >= 1 and len(row["fn_tests"]) > 2
    # The wrong boundary (``>`` for ``>=``): through the ordinary scorer, passes the original task, fails the new one.
    wrong = next(m for m in make_mutants(ADULT["task_id"], ADULT["prompt"], ADULT["canonical_solution"])
                 if "age > 18" in m.code)
    cands = write_jsonl(tmp_path / "c.jsonl", [{"task_id": ADULT["task_id"], "code": wrong.code},
                                               {"task_id": ADULT["task_id"], "completion": ADULT["canonical_solution"]}])
    settings = load_settings(None, SETTINGS)
    score_file(cands, str(tasks), tmp_path / "orig.jsonl", settings)
    score_file(cands, str(out), tmp_path / "new.jsonl", settings)
    assert [r["verdict"] for r in _rows(tmp_path / "orig.jsonl")] == ["passed", "passed"]
    assert [r["verdict"] for r in _rows(tmp_path / "new.jsonl")] == ["failed", "passed"]


def test_inputs_that_break_the_canonical_solution_are_dropped(tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [ROOT])
    out = tmp_path / "aug.jsonl"
    # --min-new as large as --max-new: every valid input is kept, not only the covering ones.
    augment_file(str(tasks), out, load_settings(None, SETTINGS), AugmentOptions(per_task=80, max_new=80, min_new=80))
    row = _rows(out)[0]
    stats = row["augment"]
    assert stats["dropped"]["raised"] > 0  # negative strict inputs were drawn, and dropped
    assert stats["valid"] == stats["generated"] - stats["dropped"]["raised"]
    assert len(row["fn_tests"]) == 2 + stats["valid"] == 2 + stats["added"]
    assert not [t for t in row["fn_tests"] if t["args"][0] < 0 and t["args"][1]]
    assert [t for t in row["fn_tests"][2:] if t["args"][0] < 0]  # negatives where they are allowed stay


def test_expected_values_come_from_the_sandbox(tmp_path, docker_worker):
    got = call_all(docker_worker, WHO["prompt"] + WHO["canonical_solution"], "who", [[0], [5], ["x"]],
                   Limits(time_s=2.0))
    assert [o.status for o in got[:2]] == ["ok", "ok"] and got[2].status == "raised"
    uid = got[0].value
    assert got[1].value == uid + 5 and uid != os.getuid()  # not this (host) process's user
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [WHO])
    out = tmp_path / "aug.jsonl"
    augment_file(str(tasks), out, load_settings(None, SETTINGS), AugmentOptions(per_task=30))
    row = _rows(out)[0]
    # A fn_tests task keeps its own expected values; the canonical solution's (sandbox) ones are
    # 10001 + x, the container's user, so its own test (10002 for 1) survives and the rest agree.
    assert row["fn_tests"][0] == WHO["fn_tests"][0]
    assert uid == 10001 and all(t["expected"] == uid + t["args"][0] for t in row["fn_tests"][1:])


def test_output_is_resumable_and_never_torn(tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [ADULT, ROOT, dict(ADULT, task_id="hand/plain",
                                                                     canonical_solution=None)])
    out = tmp_path / "aug.jsonl"
    runner = CliRunner()
    args = ["tasks", "augment", str(tasks), "--out", str(out), "--per-task", "30", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    rows = _rows(out)
    assert [r["task_id"] for r in rows] == ["hand/adult", "hand/root", "hand/plain"]
    assert rows[2]["augment"] == {"status": "skipped", "reason": "no canonical_solution"} and "fn_tests" not in rows[2]
    # A run killed mid-write: one whole row and a torn one. The re-run cuts the torn line and
    # writes the missing rows once, the same as the first run wrote them.
    text = out.read_text().splitlines(keepends=True)
    out.write_text(text[0] + text[1][:25])
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert _rows(out) == rows
    assert json.loads(again.output)["tasks"] == 3
