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


def test_efficiency_term_against_the_canonical_solution(tmp_path):
    task = dict(TASK, task_id="sum", prompt="def add(a, b):\n", canonical_solution="    return a + b\n")
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [task])
    cands = write_jsonl(tmp_path / "c.jsonl", [
        {"task_id": "sum", "completion": "    return a + b\n"},
        {"task_id": "sum", "completion": "    x = 0\n    for i in range(3 * 10**6):\n        x += i\n    return a + b\n"},
    ])
    out = tmp_path / "out.jsonl"
    score_file(cands, str(tasks), out, load_settings(None, {"reward": {"efficiency_weight": 0.5},
                                                            "analysis": {"enabled": False}}))
    fast, slow = map(json.loads, out.read_text().splitlines())
    assert fast["components"]["runtime"] == pytest.approx(1.0, abs=0.05)
    eff = slow["details"]["efficiency"]
    assert eff["cpu_s"] > eff["canonical_cpu_s"] and eff["ratio"] < 0.5
    assert slow["verdict"] == "passed"
    assert slow["components"]["runtime"] == pytest.approx(0.5 + 0.5 * eff["ratio"], abs=1e-6)


def test_weight_flags_override_the_file(tmp_path):
    from typer.testing import CliRunner

    from rlcode.cli import app

    tasks = write_jsonl(tmp_path / "tasks.jsonl", [TASK])
    cands = write_jsonl(tmp_path / "c.jsonl", CANDS[:2])
    cfg = tmp_path / "rlcode.toml"
    cfg.write_text("[reward]\nweights = { runtime = 3.0, static = 1.0 }\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["score", str(cands), "--tasks", str(tasks), "--out", str(out),
                                      "--config", str(cfg), "--weight", "static=0"])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["components"]["weights"] == {"runtime": 1.0} for r in rows)
    bad = CliRunner().invoke(app, ["score", str(cands), "--tasks", str(tasks), "--out", str(out),
                                   "--weight", "static"])
    assert bad.exit_code == 2 and "COMPONENT=NUMBER" in bad.stderr
