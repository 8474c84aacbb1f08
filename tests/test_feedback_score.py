"""`rlcode score --feedback DB` and `[reward] feedback`: the consensus goes into components.human,
with the raters it came from (shown by --explain) and a default human weight when none was set.
Runs the local backend (real subprocess runs, no Docker) on a two-line task."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.feedback.events import FeedbackEvent
from rlcode.feedback.store import FeedbackStore
from rlcode.settings import load_settings

pytestmark = pytest.mark.filterwarnings("ignore:the local backend:RuntimeWarning")

TASK = {"task_id": "t/0", "prompt": "def f():\n", "entry_point": "f",
        "test": "def check(candidate):\n    assert candidate() == 1\n"}
CANDS = [{"task_id": "t/0", "candidate_id": "0", "code": "def f():\n    return 1\n"},
         {"task_id": "t/0", "candidate_id": "1", "code": "def f():\n    return 2\n"},
         {"task_id": "t/0", "candidate_id": "2", "code": "def f():\n    return 1  # unseen\n"}]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "tasks.jsonl").write_text(json.dumps(TASK) + "\n")
    (tmp_path / "cands.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CANDS))
    db = str(tmp_path / "f.sqlite")
    with FeedbackStore(db) as store:
        for r in ("ann", "bob"):
            store.add_event(FeedbackEvent("t/0", r, "judgement", candidate_id="0", value="pass"))
            store.add_event(FeedbackEvent("t/0", r, "rating", candidate_id="0", dimension="readability", value=5))
        store.add_event(FeedbackEvent("t/0", "ann", "judgement", candidate_id="1", value="fail"))
    return tmp_path, db


def rows(path) -> dict:
    return {r["candidate_id"]: r for r in map(json.loads, path.read_text().splitlines())}


def test_score_feedback_fills_human_and_explain_names_raters(files):
    tmp, db = files
    out = tmp / "scored.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["score", str(tmp / "cands.jsonl"), "--tasks", str(tmp / "tasks.jsonl"), "--out",
                                 str(out), "--backend", "local", "--no-static", "--feedback", db, "--quiet"])
    assert result.exit_code == 0, result.output
    got = rows(out)
    c0, c1, c2 = got["0"]["components"], got["1"]["components"], got["2"]["components"]
    assert c0["human"] > 0.9 and c0["human_raters"] == ["ann", "bob"] and c0["human_source"] == "feedback"
    assert c1["human"] < 0.2 and c1["human_raters"] == ["ann"]
    assert c2["human"] is None and "human_source" not in c2  # nobody looked, no reward model recorded
    # the default human weight (0.3 next to runtime 0.8) applies, renormalised
    assert c0["weights"] == {"runtime": pytest.approx(0.8 / 1.1, abs=1e-5), "human": pytest.approx(0.3 / 1.1, abs=1e-5)}
    assert got["0"]["reward"] == pytest.approx((0.8 * 1.0 + 0.3 * c0["human"]) / 1.1, abs=1e-5)
    assert got["2"]["reward"] == 1.0 and c2["weights"] == {"runtime": 1.0}
    explained = runner.invoke(app, ["score", "--out", str(out), "--explain", "t/0/0"])
    assert explained.exit_code == 0 and "human from raters: ann, bob" in explained.output


def test_reward_feedback_in_config_and_explicit_weight(files, tmp_path):
    _, db = files
    cfg = tmp_path / "rlcode.toml"
    cfg.write_text(f'[reward]\nfeedback = "{db}"\nweights = {{ human = 0.5 }}\n')
    settings = load_settings(cfg)
    assert settings.reward.feedback == db and settings.reward.weights["human"] == 0.5  # the user's weight kept
    cfg.write_text(f'[reward]\nfeedback = "{db}"\n[feedback]\nhuman_weight = 0.1\n')
    assert load_settings(cfg).reward.weights["human"] == 0.1
    assert load_settings(None).reward.weights["human"] == 0.0  # no feedback: the human slot stays off

    from rlcode.records import Candidate, ExecutionResult, Task, Verdict
    from rlcode.reward.composite import CompositeReward

    reward = CompositeReward.from_settings(load_settings(cfg).reward)
    value, parts = reward(Task(task_id="t/0", prompt=""), Candidate("t/0", "1", {}, code="x"),
                          ExecutionResult(Verdict.FAILED, 0, 1, {}))
    assert parts["human"] < 0.2 and parts["human_raters"] == ["ann"] and value == pytest.approx(0.1 / 0.9 * parts["human"])
    assert parts["weights"]["human"] == pytest.approx(0.1 / 0.9, abs=1e-5)
