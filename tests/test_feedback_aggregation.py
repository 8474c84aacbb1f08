"""Aggregation on synthetic raters with known reliabilities (some near random, one adversarial):
the consensus recovers the truth better than majority vote, and the estimated reliabilities rank
the raters as they were made. Also gold calibration, Bradley-Terry preferences, weighted ratings,
Krippendorff's alpha and the stats command's JSON layout and plot."""

from __future__ import annotations

import json
import random

from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.feedback.aggregate import aggregate, agreement, majority_vote
from rlcode.feedback.events import FeedbackEvent
from rlcode.feedback.store import FeedbackStore

# accuracy of each synthetic rater (probability of giving the true label)
RELIABILITY = {"good1": 0.92, "good2": 0.85, "mid": 0.75, "noisy1": 0.58, "noisy2": 0.52, "adversary": 0.12}


def synthetic_judgements(n_items: int = 300, seed: int = 7, coverage: float = 0.7):
    rng = random.Random(seed)
    truth = {f"t/{i}": rng.choice(["pass", "fail"]) for i in range(n_items)}
    events = []
    for task, value in truth.items():
        for rater, p in RELIABILITY.items():
            if rng.random() < coverage:
                given = value if rng.random() < p else ("fail" if value == "pass" else "pass")
                events.append(FeedbackEvent(task, rater, "judgement", candidate_id="0", value=given))
    return truth, events


def accuracy(decided: dict, truth: dict) -> float:
    return sum(decided[t] == v for t, v in truth.items()) / len(truth)


def test_consensus_beats_majority_and_ranks_raters():
    truth, events = synthetic_judgements()
    agg = aggregate(events)
    consensus = {i.task_id: i.judgement["value"] for i in agg.items}
    majority = {k[0]: v for k, v in majority_vote(events).items()}
    cons_acc, mv_acc = accuracy(consensus, truth), accuracy(majority, truth)
    print(f"consensus {cons_acc:.3f} vs majority vote {mv_acc:.3f}")
    assert cons_acc > mv_acc + 0.1 and cons_acc > 0.88
    estimated = {r.rater: r.reliability for r in agg.raters}
    assert sorted(estimated, key=estimated.get, reverse=True) == sorted(RELIABILITY, key=RELIABILITY.get,
                                                                       reverse=True)
    assert estimated["adversary"] < 0.25 and estimated["good1"] > 0.8
    low = {r.rater for r in agg.low}
    assert "adversary" in low and "noisy2" in low and not low & {"good1", "good2", "mid"}


def test_gold_items_calibrate_raters():
    """Two raters who always disagree: the crowd cannot tell them apart; gold can."""
    events = []
    for i in range(20):
        events.append(FeedbackEvent(f"t/{i}", "right", "judgement", candidate_id="0", value="pass"))
        events.append(FeedbackEvent(f"t/{i}", "wrong", "judgement", candidate_id="0", value="fail"))
    gold = [FeedbackEvent(f"t/{i}", "admin", "judgement", candidate_id="0", value="pass", gold=True)
            for i in range(5)]
    agg = aggregate(events + gold)
    rel = {r.rater: r.reliability for r in agg.raters}
    assert rel["right"] > 0.75 > 0.3 > rel["wrong"]
    item = next(i for i in agg.items if i.task_id == "t/0")
    assert item.judgement == {"value": "pass", "confidence": 1.0} and item.human == 1.0


def test_bradley_terry_preferences_down_weight_the_adversary():
    rng = random.Random(3)
    quality = {str(c): c for c in range(5)}  # candidate "4" is best
    raters = {"p1": 0.9, "p2": 0.85, "p3": 0.8, "adversary": 0.05}
    events = []
    for t in range(12):
        for a in quality:
            for b in quality:
                if a < b:
                    better = a if quality[a] > quality[b] else b
                    for r, p in raters.items():
                        pick = better if rng.random() < p else (b if better == a else a)
                        events.append(FeedbackEvent(f"t/{t}", r, "preference", candidate_a=a, candidate_b=b,
                                                    value="a" if pick == a else "b"))
    agg = aggregate(events)
    rel = {r.rater: r.reliability for r in agg.raters}
    assert rel["adversary"] < 0.3 < 0.7 < min(rel["p1"], rel["p2"], rel["p3"])
    right = sum((p.p_a > 0.5) == (quality[p.a] > quality[p.b]) for p in agg.pairs) / len(agg.pairs)
    votes = {}
    for e in events:
        votes.setdefault((e.task_id, e.candidate_a, e.candidate_b), []).append(e.value)
    majority = sum((v.count("a") > v.count("b")) == (quality[k[1]] > quality[k[2]]) for k, v in votes.items()
                   if v.count("a") != v.count("b")) / len(votes)  # (a tie of votes counts as wrong)
    print(f"pairs right: Bradley-Terry {right:.3f} vs majority {majority:.3f}")
    assert right > 0.9 and right > majority + 0.05
    best = {i.task_id: max((x for x in agg.items if x.task_id == i.task_id), key=lambda x: x.preference).candidate_id
            for i in agg.items}
    assert set(best.values()) == {"4"}


def test_ratings_are_reliability_weighted_means():
    events = []
    rng = random.Random(5)
    for i in range(30):
        true = rng.randint(1, 5)
        events.append(FeedbackEvent(f"t/{i}", "a", "rating", candidate_id="0", dimension="readability", value=true))
        events.append(FeedbackEvent(f"t/{i}", "b", "rating", candidate_id="0", dimension="readability",
                                    value=max(1, min(5, true + rng.choice([-1, 0, 0, 1])))))
        events.append(FeedbackEvent(f"t/{i}", "troll", "rating", candidate_id="0", dimension="readability",
                                    value=6 - true))
    agg = aggregate(events)
    rel = {r.rater: r.reliability for r in agg.raters}
    assert rel["troll"] < 0.5 < rel["a"]
    truth = {f"t/{i}": e.value for i, e in enumerate(events[::3])}
    weighted = sum(abs(it.ratings["readability"] - truth[it.task_id]) for it in agg.items) / len(agg.items)
    plain = sum(abs(sum(e.value for e in events if e.task_id == t) / 3 - v) for t, v in truth.items()) / len(truth)
    assert weighted < plain * 0.7


def test_edits_count_once_and_agreement_alpha():
    events = [FeedbackEvent("t/0", "a", "judgement", candidate_id="0", value="fail", id=1),
              FeedbackEvent("t/0", "a", "judgement", candidate_id="0", value="pass", id=2)]  # the edit
    for i in range(1, 10):
        for r in ("a", "b", "c"):
            events.append(FeedbackEvent(f"t/{i}", r, "judgement", candidate_id="0", value="pass" if i % 2 else "fail"))
    events += [FeedbackEvent("t/0", r, "judgement", candidate_id="0", value="pass") for r in ("b", "c")]
    alpha = agreement(events)
    assert alpha["judgement"] == 1.0  # the superseded "fail" is not a disagreement
    events.append(FeedbackEvent("t/1", "c", "judgement", candidate_id="0", value="fail"))
    assert agreement(events)["judgement"] < 1.0
    assert aggregate(events).raters[0].events == 11  # events counts every version (2 + 9)


def test_stats_json_layout_and_plot(tmp_path):
    _, events = synthetic_judgements(n_items=40)
    db = str(tmp_path / "f.sqlite")
    with FeedbackStore(db) as store:
        store.add_events(events)
        store.add_event(FeedbackEvent("t/0", "good1", "rating", candidate_id="0", dimension="correctness", value=4))
    runner = CliRunner()
    result = runner.invoke(app, ["feedback", "stats", "--json", "--db", db, "--plot", str(tmp_path / "a.png")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"raters", "items", "agreement"}
    assert all(set(r) == {"rater", "reliability", "events"} and 0 <= r["reliability"] <= 1 for r in data["raters"])
    assert all(set(i) == {"task_id", "candidate_id", "judgement", "ratings", "human"} for i in data["items"])
    first = next(i for i in data["items"] if i["task_id"] == "t/0")
    assert set(first["judgement"]) == {"value", "confidence"} and "correctness" in first["ratings"]
    assert 0 <= first["human"] <= 1
    assert "judgement" in data["agreement"] and "rating.correctness" in data["agreement"]
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = runner.invoke(app, ["feedback", "stats", "--db", db])
    assert text.exit_code == 0 and "adversary" in text.output and "LOW" in text.output
    assert "below 0.6: down-weighted" in text.output.replace("\n", " ")
