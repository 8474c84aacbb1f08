"""Golden reward breakdowns through the real scorer: sandbox verdicts + real ruff/tree-sitter."""

import json

import pytest

from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import ADD_TEST, write_jsonl

pytestmark = pytest.mark.docker

TASK = {"task_id": "add", "prompt": "def add(a, b):\n    \"\"\"Sum.\"\"\"\n", "entry_point": "add", "test": ADD_TEST}
CANDS = [
    {"task_id": "add", "candidate_id": "clean", "completion": "    return a + b\n"},
    {"task_id": "add", "candidate_id": "unused", "code": "import os\n\n\ndef add(a, b):\n    return a + b\n"},
    {"task_id": "add", "candidate_id": "wrong", "completion": "    return a - b\n"},
    {"task_id": "add", "candidate_id": "syntax", "code": "def add(a, b:\n    return a + b\n"},
    {"task_id": "add", "candidate_id": "partial", "completion": "    return abs(a) + b\n"},
]


def score(tmp_path, **overrides):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [TASK])
    cands = write_jsonl(tmp_path / "c.jsonl", CANDS)
    out = tmp_path / "out.jsonl"
    score_file(cands, str(tasks), out, load_settings(None, overrides))
    return {r["candidate_id"]: r for r in map(json.loads, out.read_text().splitlines())}


def test_golden_breakdowns(tmp_path):
    rows = score(tmp_path)
    clean = rows["clean"]
    assert (clean["verdict"], clean["reward"]) == ("passed", 1.0)
    assert clean["components"] == {"runtime": 1.0, "static": 1.0, "human": None,
                                   "weights": {"runtime": 0.8, "static": 0.2}}
    unused = rows["unused"]
    assert unused["verdict"] == "passed"
    codes = {f["code"] for f in unused["details"]["static"]["findings"]}
    assert "F401" in codes  # ruff: os imported but unused
    assert 0.0 < unused["components"]["static"] < 1.0
    assert unused["reward"] == pytest.approx(0.8 + 0.2 * unused["components"]["static"], abs=1e-6)
    wrong = rows["wrong"]
    assert (wrong["verdict"], wrong["reward"]) == ("failed", 0.0)
    assert wrong["components"]["static"] == 1.0 and wrong["components"]["static_gated"] is True
    syntax = rows["syntax"]
    assert syntax["verdict"] == "compile_error" and syntax["reward"] == 0.0
    assert syntax["components"]["static"] == 0.0 and syntax["details"]["static"]["parses"] is False


def test_partial_credit_and_no_gate(tmp_path):
    rows = score(tmp_path, reward={"runtime_mode": "partial", "static_needs_pass": False,
                                   "weights": {"runtime": 1.0, "static": 1.0}})
    partial = rows["partial"]
    assert (partial["tests_passed"], partial["tests_total"]) == (2, 3)
    assert partial["reward"] == pytest.approx((2 / 3 + 1.0) / 2, abs=1e-6)
    assert rows["wrong"]["reward"] == pytest.approx((0.0 + 1.0) / 2)


def test_static_can_be_switched_off(tmp_path):
    rows = score(tmp_path, analysis={"enabled": False})
    assert rows["unused"]["components"] == {"runtime": 1.0, "static": None, "human": None,
                                            "weights": {"runtime": 1.0}}
    assert "static" not in rows["unused"]["details"]
