"""`rlcode feedback train-rm`: TRL's RewardTrainer on the store's preference pairs with a tiny local
model (no hub); held-out pairwise accuracy reported; the recorded model then fills
components.human where no human looked (marked predicted) and feeds the queue."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.feedback.events import FeedbackEvent
from rlcode.feedback.store import FeedbackStore

pytestmark = [pytest.mark.train, pytest.mark.slow]


def good(n: int) -> str:
    return f"def f{n}(x):\n    return x + {n}\n"


def bad(n: int) -> str:
    return f"def f{n}(x):\n    raise NotImplementedError\n"


def test_train_rm_reports_heldout_accuracy_and_predicts(tmp_path):
    from tests.tiny_model import build_tiny_model

    base = build_tiny_model(tmp_path / "base", corpus=[good(i) for i in range(6)] + [bad(i) for i in range(6)],
                            vocab_size=300)
    db = str(tmp_path / "f.sqlite")
    rng = random.Random(0)
    with FeedbackStore(db) as store:
        rows = []
        for n in range(50):
            rows += [{"task_id": f"t/{n}", "candidate_id": "0", "prompt": "# add n\n", "code": good(n)},
                     {"task_id": f"t/{n}", "candidate_id": "1", "prompt": "# add n\n", "code": bad(n)}]
        store.add_items(rows)
        for n in range(50):
            a, b = ("0", "1") if rng.random() < 0.5 else ("1", "0")  # both orders: no position shortcut
            store.add_event(FeedbackEvent(f"t/{n}", "ann", "preference", candidate_a=a, candidate_b=b,
                                          value="a" if a == "0" else "b"))
    runner = CliRunner()
    result = runner.invoke(app, ["feedback", "train-rm", "--model", str(base), "--out", str(tmp_path / "rm"),
                                 "--db", db, "--json", "--epochs", "3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["heldout"] == 10 and report["train"] == 40 and report["heldout_accuracy"] >= 0.9
    assert json.loads((tmp_path / "rm" / "rm.json").read_text())["heldout_accuracy"] == report["heldout_accuracy"]

    from rlcode.records import Candidate, ExecutionResult, Task, Verdict
    from rlcode.reward.composite import CompositeReward
    from rlcode.settings import load_settings

    settings = load_settings(None, {"reward": {"feedback": db}})
    reward = CompositeReward.from_settings(settings.reward)
    task = Task(task_id="new/0", prompt="# add n\n")
    result_ok = ExecutionResult(Verdict.PASSED, 1, 1, {})
    _, nice = reward(task, Candidate("new/0", "0", {}, code=good(99)), result_ok)
    _, ugly = reward(task, Candidate("new/0", "1", {}, code=bad(99)), result_ok)
    assert nice["human_source"] == ugly["human_source"] == "predicted"
    assert 0 <= ugly["human"] < nice["human"] <= 1
    _, seen = reward(Task(task_id="t/0", prompt=""), Candidate("t/0", "0", {}, code=good(0)), result_ok)
    assert seen["human_source"] == "feedback"  # where a human looked, the human value wins

    queue = json.loads(runner.invoke(app, ["feedback", "queue", "--budget", "3", "--json", "--db", db]).stdout)
    assert all("model_uncertain" in p["signals"] for p in queue)
