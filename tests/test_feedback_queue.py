"""Active selection: disagreement between tests, static analysis and raters comes first, each
pick says why, and a seeded random slice is kept for calibration."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.feedback.events import FeedbackEvent
from rlcode.feedback.queue import build_queue
from rlcode.feedback.store import FeedbackStore


def row(task: str, verdict: str, runtime: float, static: float | None) -> dict:
    comps = {"runtime": runtime, "static": static}
    return {"task_id": task, "candidate_id": "0", "code": "x = 1\n", "verdict": verdict, "tests_passed": int(runtime),
            "tests_total": 1, "reward": runtime, "components": comps}


def make_store(path) -> FeedbackStore:
    store = FeedbackStore(str(path))
    rows = [row("clean-pass", "passed", 1.0, 1.0), row("ugly-pass", "passed", 1.0, 0.1),
            row("nice-fail", "failed", 0.0, 0.95), row("split", "passed", 1.0, 1.0),
            row("humans-say-no", "passed", 1.0, 1.0)]
    rows += [row(f"filler/{i}", "passed", 1.0, 1.0) for i in range(20)]
    store.add_items(rows)
    for r, v in (("a", "pass"), ("b", "fail"), ("c", "pass"), ("d", "fail")):
        store.add_event(FeedbackEvent("split", r, "judgement", candidate_id="0", value=v))
    for r in ("a", "b", "c"):
        store.add_event(FeedbackEvent("humans-say-no", r, "judgement", candidate_id="0", value="fail"))
        store.add_event(FeedbackEvent("clean-pass", r, "judgement", candidate_id="0", value="pass"))
    return store


def test_queue_orders_by_disagreement_with_reasons(tmp_path):
    with make_store(tmp_path / "f.sqlite") as store:
        picks = build_queue(store, budget=5, calibration=0.2, seed=1)
    assert len(picks) == 5
    top = {p.task_id: p for p in picks[:4]}
    assert set(top) == {"ugly-pass", "nice-fail", "split", "humans-say-no"}
    assert "static analysis" in top["ugly-pass"].reason and "static analysis" in top["nice-fail"].reason
    assert top["split"].reason.startswith("raters disagree") and "4 raters" in top["split"].reason
    assert top["humans-say-no"].reason.startswith("the raters' consensus contradicts the tests")
    assert picks[4].reason == "random calibration slice" and picks[4].task_id not in top
    assert picks[0].score >= picks[1].score >= picks[2].score >= picks[3].score


def test_calibration_slice_is_seeded_and_cli_json(tmp_path):
    db = tmp_path / "f.sqlite"
    make_store(db).close()
    runner = CliRunner()
    args = ["feedback", "queue", "--budget", "10", "--calibration", "0.5", "--json", "--db", str(db)]
    first = json.loads(runner.invoke(app, args).stdout)
    again = json.loads(runner.invoke(app, args).stdout)
    assert first == again and len(first) == 10
    calib = [p for p in first if p["reason"] == "random calibration slice"]
    assert len(calib) >= 5 and len({p["task_id"] for p in first}) == 10
    other = json.loads(runner.invoke(app, args + ["--seed", "2"]).stdout)
    assert {p["task_id"] for p in other if p["reason"] == "random calibration slice"} != {p["task_id"] for p in calib}
    assert all(set(p) == {"task_id", "candidate_id", "score", "reason", "signals"} for p in first)
    table = runner.invoke(app, ["feedback", "queue", "--budget", "3", "--db", str(db)])
    assert table.exit_code == 0 and "ugly-pass" in table.output
