"""From many raters' events to one consensus per item, with rater reliability.

* Judgements (pass/fail): Dawid-Skene (crowd-kit), one confusion matrix per rater; gold judgements
  are passed as known labels and fix those items. A rater's judgement reliability is its
  accuracy under the fitted matrices (prior-weighted diagonal).
* Preferences: Bradley-Terry per task (choix, ``ilsr_pairwise`` with a little regularisation),
  each rater's comparisons weighted by that rater's preference reliability; ties count half each
  way. Reliability starts from agreement with the others' leave-one-out majority, then a few
  rounds alternate: the weighted fit, each rater's agreement with it (gold pairs calibrating).
* Ratings (1-5 per dimension): reliability-weighted means; a rater's rating reliability is the
  correlation of its ratings with the others' mean, mapped to [0, 1], or its closeness to gold.
* Implicit accept/reject: the accepted share.

Gold events calibrate raters: a rater's reliability on a kind is its gold accuracy shrunk towards
the crowd estimate, ``(correct + 2 * crowd) / (n_gold + 2)``; a crowd estimate from n shared
units is itself shrunk towards a prior of 0.75, ``(n * est + 3 * 0.75) / (n + 3)``. Its overall reliability is the
event-count-weighted mean over kinds. Raters below ``threshold`` are reported and down-weighted:
their weight is reliability squared (Dawid-Skene weights judgements by its own confusion matrices).
Only the latest version of each event counts (an edit replaces what it edits).

``human`` (what ``rlcode score --feedback`` puts in ``components.human``) blends what an item has:
P(pass) (weight 2), the mean rating scaled to [0, 1] (1), the Bradley-Terry win probability
against the task's other candidates (1), the accepted share of implicit events (0.5)."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from rlcode.feedback.events import FeedbackEvent, _oriented_preference, latest

DEFAULT_THRESHOLD = 0.6
PRIOR_RELIABILITY = 0.75  # a rater nobody overlaps with and no gold covers: unknown, not bad
_SHRINK = 2.0     # gold answers: the crowd estimate counts like this many
_EVIDENCE = 3.0   # crowd estimates from n shared units: the prior counts like this many
_HUMAN_WEIGHTS = {"judgement": 2.0, "rating": 1.0, "preference": 1.0, "implicit": 0.5}

ItemKey = tuple[str, str]


@dataclass
class RaterStats:
    rater: str
    reliability: float
    events: int
    by_kind: dict[str, float] = field(default_factory=dict)
    gold: int = 0              # gold items this rater answered
    gold_correct: int = 0
    low: bool = False          # below the threshold: down-weighted
    estimated: bool = True     # False: no overlap and no gold, the prior is reported

    def weight(self, threshold: float) -> float:
        return self.reliability if self.reliability >= threshold else self.reliability ** 2


@dataclass
class ItemConsensus:
    task_id: str
    candidate_id: str
    judgement: dict | None = None          # {"value": "pass"|"fail", "confidence": float}
    ratings: dict[str, float] = field(default_factory=dict)
    preference: float | None = None        # mean BT win probability against the task's other candidates
    implicit: float | None = None          # accepted share
    human: float | None = None
    raters: list[str] = field(default_factory=list)
    gold: bool = False

    def to_json(self) -> dict:
        return {"task_id": self.task_id, "candidate_id": self.candidate_id, "judgement": self.judgement,
                "ratings": {k: round(v, 4) for k, v in self.ratings.items()},
                "human": None if self.human is None else round(self.human, 4)}


@dataclass
class PairConsensus:
    task_id: str
    a: str
    b: str
    p_a: float                 # P(a is better) under Bradley-Terry
    raters: list[str]
    votes: int
    decided: bool = True       # some vote (or gold) for this pair is not a tie

    @property
    def winner(self) -> str | None:
        return self.a if self.p_a > 0.5 else self.b if self.p_a < 0.5 else None

    @property
    def margin(self) -> float:
        return abs(2 * self.p_a - 1)


@dataclass
class Aggregate:
    raters: list[RaterStats]
    items: list[ItemConsensus]
    pairs: list[PairConsensus]
    agreement: dict[str, float | None]
    threshold: float

    def to_json(self) -> dict:
        """The DESIGN.md ``rlcode feedback stats --json`` object."""
        return {"raters": [{"rater": r.rater, "reliability": round(r.reliability, 4), "events": r.events}
                           for r in self.raters],
                "items": [i.to_json() for i in self.items],
                "agreement": {k: None if v is None else round(v, 4) for k, v in self.agreement.items()}}

    def human(self) -> dict[ItemKey, ItemConsensus]:
        return {(i.task_id, i.candidate_id): i for i in self.items if i.human is not None}

    @property
    def low(self) -> list[RaterStats]:
        return [r for r in self.raters if r.low]


def _towards_prior(estimate: float, n: int) -> float:
    return (n * estimate + _EVIDENCE * PRIOR_RELIABILITY) / (n + _EVIDENCE)


def _shrunk(correct: int, n: int, crowd: float | None) -> float | None:
    if n == 0:
        return crowd
    if crowd is None:
        return (correct + 1) / (n + 2)
    return (correct + _SHRINK * crowd) / (n + _SHRINK)


def _judgements(events: list[FeedbackEvent]):
    """(consensus per item, crowd accuracy per rater, gold (correct, n) per rater)."""
    crowd = [e for e in events if e.kind == "judgement" and not e.gold]
    gold = {e.item: str(e.value) for e in events if e.kind == "judgement" and e.gold}
    out: dict[ItemKey, dict] = {}
    accuracy: dict[str, float] = {}
    gold_score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e in crowd:
        if e.item in gold:
            gold_score[e.rater][0] += str(e.value) == gold[e.item]
            gold_score[e.rater][1] += 1
    if crowd:
        import pandas as pd
        from crowdkit.aggregation import DawidSkene

        keys = sorted({e.item for e in crowd})
        index = {k: f"{n}" for n, k in enumerate(keys)}
        df = pd.DataFrame([(e.rater, index[e.item], str(e.value)) for e in crowd], columns=["worker", "task", "label"])
        true = pd.Series({index[k]: v for k, v in gold.items() if k in index}, dtype=object)
        with warnings.catch_warnings():  # crowd-kit's pandas deprecations
            warnings.simplefilter("ignore")
            ds = DawidSkene(n_iter=100).fit(df, true_labels=true if len(true) else None)
        probas, errors, priors = ds.probas_, ds.errors_, ds.priors_
        for k in keys:
            row = probas.loc[index[k]]
            p_pass = float(row.get("pass", 0.0))
            value = "pass" if p_pass >= 0.5 else "fail"
            out[k] = {"value": value, "confidence": round(max(p_pass, 1 - p_pass), 4), "p_pass": p_pass}
        labels = list(priors.index)
        for worker in df["worker"].unique():
            acc = 0.0
            for t in labels:
                try:
                    acc += float(priors[t]) * float(errors.loc[(worker, t), t])
                except KeyError:  # the rater never gave that label
                    pass
            accuracy[worker] = min(1.0, max(0.0, acc))
        # a rater who shares no item with anyone gets nothing from DS but its own labels back
        shared = defaultdict(set)
        for e in crowd:
            shared[e.item].add(e.rater)
        overlap = defaultdict(int)
        for e in crowd:
            overlap[e.rater] += len(shared[e.item]) >= 2
        for r in list(accuracy):
            if not overlap[r]:
                accuracy.pop(r)
            else:  # few shared items say little: shrink towards the prior
                accuracy[r] = _towards_prior(accuracy[r], overlap[r])
    for k, v in gold.items():
        out[k] = {"value": v, "confidence": 1.0, "p_pass": 1.0 if v == "pass" else 0.0, "gold": True}
    return out, accuracy, gold_score


def _corr_reliability(pairs: list[tuple[float, float]]) -> float | None:
    if len(pairs) < 3:
        return None
    x, y = np.array(pairs, dtype=float).T
    if x.std() == 0 or y.std() == 0:
        return None
    return _towards_prior(float((1 + np.corrcoef(x, y)[0, 1]) / 2), len(pairs))


def _rating_reliability(events: list[FeedbackEvent], weight: dict[str, float] | None = None):
    crowd = [e for e in events if e.kind == "rating" and not e.gold]
    gold = {(e.item, e.dimension): int(e.value) for e in events if e.kind == "rating" and e.gold}
    by_unit: dict[tuple, dict[str, int]] = defaultdict(dict)
    for e in crowd:
        by_unit[(e.item, e.dimension)][e.rater] = int(e.value)
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    gold_dev: dict[str, list[float]] = defaultdict(list)
    for unit, votes in by_unit.items():
        for r, v in votes.items():
            others = [(w, (weight or {}).get(o, 1.0)) for o, w in votes.items() if o != r]
            total = sum(x for _, x in others)
            if others and total > 0:
                pairs[r].append((v, sum(w * x for w, x in others) / total))
            if unit in gold:
                gold_dev[r].append(abs(v - gold[unit]) / 4)
    rel = {}
    for r in {e.rater for e in crowd}:
        crowd_est = _corr_reliability(pairs[r])
        if gold_dev[r]:
            n = len(gold_dev[r])
            close = n - sum(gold_dev[r])
            rel[r] = _shrunk(close, n, crowd_est)  # (closeness counts like correct answers)
        elif crowd_est is not None:
            rel[r] = crowd_est
    return rel, gold


def _preference_votes(events: list[FeedbackEvent]):
    """{(task, first, second): {rater: value}} with the pair oriented, and the gold pairs."""
    votes: dict[tuple, dict[str, str]] = defaultdict(dict)
    gold: dict[tuple, str] = {}
    for e in events:
        if e.kind != "preference":
            continue
        a, b, v = _oriented_preference(e)
        if e.gold:
            gold[(e.task_id, a, b)] = v
        else:
            votes[(e.task_id, a, b)][e.rater] = v
    return votes, gold


def _preference_reliability(votes, gold):
    agree: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    gold_score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair, by in votes.items():
        for r, v in by.items():
            if v == "tie":
                continue
            others = [w for o, w in by.items() if o != r and w != "tie"]
            if others:
                share_a = sum(w == "a" for w in others) / len(others)
                if share_a != 0.5:
                    agree[r][0] += (v == "a") == (share_a > 0.5)
                    agree[r][1] += 1
            if pair in gold and gold[pair] != "tie":
                gold_score[r][0] += v == gold[pair]
                gold_score[r][1] += 1
    return _vote_reliability(votes, agree, gold_score), gold_score


def _vote_reliability(votes, agree: dict[str, list[int]], gold_score: dict[str, list[int]]) -> dict[str, float]:
    """Each voter's agreement share ``agree[r]`` = [agreed, counted], shrunk towards the prior by
    evidence, then calibrated by its gold pairs; raters with neither are left out."""
    rel = {}
    for r in {r for by in votes.values() for r in by}:
        crowd = _towards_prior(agree[r][0] / agree[r][1], agree[r][1]) if agree[r][1] else None
        correct, n = gold_score.get(r, (0, 0))
        est = _shrunk(correct, n, crowd)
        if est is not None:
            rel[r] = est
    return rel


def _bt_agreement(votes, pairs: list[PairConsensus], gold_score) -> dict[str, float]:
    """Each rater's agreement with the Bradley-Terry consensus (ties and undecided pairs left out),
    shrunk towards the prior by evidence, then calibrated by gold pairs."""
    direction = {(p.task_id, p.a, p.b): p.p_a for p in pairs}
    agree: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair, by in votes.items():
        p_a = direction.get(pair, 0.5)
        if abs(p_a - 0.5) < 1e-6:
            continue
        for r, v in by.items():
            if v != "tie":
                agree[r][0] += (v == "a") == (p_a > 0.5)
                agree[r][1] += 1
    return _vote_reliability(votes, agree, gold_score)


def _bradley_terry(votes, gold, weight: dict[str, float]) -> tuple[list[PairConsensus], dict[ItemKey, float]]:
    import choix

    by_task: dict[str, list] = defaultdict(list)
    for pair in set(votes) | set(gold):
        by_task[pair[0]].append(pair)
    pairs_out: list[PairConsensus] = []
    item_pref: dict[ItemKey, float] = {}
    for task, pairs in sorted(by_task.items()):
        cands = sorted({c for _, a, b in pairs for c in (a, b)})
        ix = {c: n for n, c in enumerate(cands)}
        data = []
        for pair in pairs:
            _, a, b = pair
            outcomes = [(v, weight.get(r, 1.0)) for r, v in votes.get(pair, {}).items()]
            if pair in gold:
                outcomes.append((gold[pair], 5.0))
            for v, w in outcomes:
                n = max(0, round(10 * w))
                if v == "a":
                    data += [(ix[a], ix[b])] * n
                elif v == "b":
                    data += [(ix[b], ix[a])] * n
                else:
                    data += [(ix[a], ix[b]), (ix[b], ix[a])] * (n // 2 or 1)
        if data:
            params = choix.ilsr_pairwise(len(cands), data, alpha=0.05)
        else:
            params = np.zeros(len(cands))
        def prob(i: int, j: int, params=params) -> float:
            return 1.0 / (1.0 + math.exp(params[j] - params[i]))

        for pair in sorted(pairs):
            _, a, b = pair
            raters = sorted(votes.get(pair, {}))
            decided = any(v != "tie" for v in votes.get(pair, {}).values()) or gold.get(pair, "tie") != "tie"
            pairs_out.append(PairConsensus(task, a, b, prob(ix[a], ix[b]), raters, len(raters) + (pair in gold),
                                           decided))
        for c in cands:
            others = [d for d in cands if d != c]
            if others:
                item_pref[(task, c)] = sum(prob(ix[c], ix[d]) for d in others) / len(others)
    return pairs_out, item_pref


def _overall(by_kind: dict[str, float], counts: dict[str, int]) -> float:
    """A rater's reliability: its per-kind reliabilities weighted by its (non-gold) events of each kind."""
    n = {k: counts.get(k, 0) or 1 for k in by_kind}
    return sum(by_kind[k] * n[k] for k in by_kind) / sum(n.values())


def _refresh(raters: list[RaterStats], kind: str, rel: dict[str, float], kind_counts, threshold: float
             ) -> dict[str, float]:
    """Puts a refitted per-kind reliability into each rater it covers; returns the new weights."""
    for r in raters:
        if r.rater in rel:
            r.by_kind[kind] = rel[r.rater]
            r.reliability = _overall(r.by_kind, kind_counts[r.rater])
            r.low = r.reliability < threshold
    return {r.rater: r.weight(threshold) for r in raters}


def agreement(events: Iterable[FeedbackEvent]) -> dict[str, float | None]:
    """Krippendorff's alpha per kind (nominal) and rating dimension (ordinal), latest versions,
    gold left out; None where it cannot be computed (fewer than two raters on any unit, one value)."""
    import krippendorff

    events = [e for e in latest(events) if not e.gold]
    units: dict[str, dict[tuple, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    codes = {"pass": 1.0, "fail": 0.0, "accept": 1.0, "reject": 0.0, "a": 0.0, "b": 1.0, "tie": 2.0}
    for e in events:
        if e.kind in ("judgement", "implicit"):
            units[e.kind][e.item][e.rater] = codes[str(e.value)]
        elif e.kind == "preference":
            a, b, v = _oriented_preference(e)
            units["preference"][(e.task_id, a, b)][e.rater] = codes[v]
        elif e.kind == "rating":
            units[f"rating.{e.dimension}"][e.item][e.rater] = float(e.value)
    out: dict[str, float | None] = {}
    for name in sorted(units):
        by_unit = units[name]
        raters = sorted({r for by in by_unit.values() for r in by})
        matrix = np.full((len(raters), len(by_unit)), np.nan)
        for j, by in enumerate(by_unit.values()):
            for r, v in by.items():
                matrix[raters.index(r), j] = v
        level = "ordinal" if name.startswith("rating.") else "nominal"
        try:
            with warnings.catch_warnings():  # one value only: 0/0, reported as None
                warnings.simplefilter("ignore", RuntimeWarning)
                value = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
            out[name] = None if math.isnan(value) else value
        except (ValueError, ZeroDivisionError):
            out[name] = None
    return out


def aggregate(events: Iterable[FeedbackEvent], threshold: float = DEFAULT_THRESHOLD) -> Aggregate:
    all_events = list(events)
    events = latest(all_events)
    counts: dict[str, int] = defaultdict(int)
    for e in all_events:
        counts[e.rater] += 1

    judged, j_acc, j_gold = _judgements(events)
    r_rel, r_gold = _rating_reliability(events)
    votes, p_gold = _preference_votes(events)
    p_rel, p_gold_score = _preference_reliability(votes, p_gold)

    kind_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in events:
        if not e.gold:
            kind_counts[e.rater][e.kind] += 1
    raters: list[RaterStats] = []
    for name in sorted(counts):
        by_kind: dict[str, float] = {}
        g = j_gold.get(name, [0, 0])
        j = _shrunk(g[0], g[1], j_acc.get(name))
        if j is not None:
            by_kind["judgement"] = j
        if name in r_rel:
            by_kind["rating"] = r_rel[name]
        if name in p_rel:
            by_kind["preference"] = p_rel[name]
        estimated = bool(by_kind)
        rel = _overall(by_kind, kind_counts[name]) if by_kind else PRIOR_RELIABILITY
        gold_n = g[1] + p_gold_score.get(name, [0, 0])[1]
        gold_c = g[0] + p_gold_score.get(name, [0, 0])[0]
        raters.append(RaterStats(name, rel, counts[name], by_kind, gold_n, gold_c, estimated and rel < threshold,
                                 estimated))
    weight = {r.rater: r.weight(threshold) for r in raters}
    if r_rel:  # ratings: the others' mean weighted by the current reliabilities, a few rounds
        for _ in range(3):
            weight = _refresh(raters, "rating", _rating_reliability(events, weight)[0], kind_counts, threshold)

    pairs, item_pref = _bradley_terry(votes, p_gold, weight)
    if votes:  # per-rater handling: reliability from agreement with the weighted fit, refit (a few rounds)
        for _ in range(3):
            weight = _refresh(raters, "preference", _bt_agreement(votes, pairs, p_gold_score), kind_counts, threshold)
            pairs, item_pref = _bradley_terry(votes, p_gold, weight)

    items: dict[ItemKey, ItemConsensus] = {}

    def item(key: ItemKey) -> ItemConsensus:
        if key not in items:
            items[key] = ItemConsensus(key[0], key[1])
        return items[key]

    for key, j in judged.items():
        it = item(key)
        it.judgement = {"value": j["value"], "confidence": j["confidence"]}
        it.gold = it.gold or bool(j.get("gold"))
    ratings: dict[ItemKey, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for (key, dim), v in r_gold.items():
        ratings[key][dim].append((float(v), 5.0))
    implicit: dict[ItemKey, list[tuple[float, float]]] = defaultdict(list)
    contributors: dict[ItemKey, set[str]] = defaultdict(set)
    for e in events:
        if e.kind == "rating" and not e.gold:
            ratings[e.item][e.dimension].append((float(e.value), weight.get(e.rater, 1.0)))
        elif e.kind == "implicit":
            implicit[e.item].append((1.0 if e.value == "accept" else 0.0, 1.0))
        if e.kind in ("judgement", "rating", "implicit") and e.item is not None:
            contributors[e.item].add(e.rater)
        elif e.kind == "preference":
            contributors[(e.task_id, str(e.candidate_a))].add(e.rater)
            contributors[(e.task_id, str(e.candidate_b))].add(e.rater)
    for key, dims in ratings.items():
        it = item(key)
        for dim, vals in sorted(dims.items()):
            total = sum(w for _, w in vals)
            it.ratings[dim] = sum(v * w for v, w in vals) / total if total else sum(v for v, _ in vals) / len(vals)
    for key, vals in implicit.items():
        item(key).implicit = sum(v for v, _ in vals) / len(vals)
    for key, p in item_pref.items():
        item(key).preference = p
    for key, it in items.items():
        parts = []
        if it.judgement is not None:
            p_pass = judged[key]["p_pass"]
            parts.append((p_pass, _HUMAN_WEIGHTS["judgement"] * (4.0 if it.gold else 1.0)))
        if it.ratings:
            parts.append(((sum(it.ratings.values()) / len(it.ratings) - 1) / 4, _HUMAN_WEIGHTS["rating"]))
        if it.preference is not None:
            parts.append((it.preference, _HUMAN_WEIGHTS["preference"]))
        if it.implicit is not None:
            parts.append((it.implicit, _HUMAN_WEIGHTS["implicit"]))
        if parts:
            it.human = min(1.0, max(0.0, sum(v * w for v, w in parts) / sum(w for _, w in parts)))
        it.raters = sorted(contributors.get(key, set()))
    return Aggregate(raters, [items[k] for k in sorted(items)], pairs, agreement(all_events), threshold)


def majority_vote(events: Iterable[FeedbackEvent]) -> dict[ItemKey, str]:
    """The plain majority of latest non-gold judgements per item (ties: pass): the baseline."""
    votes: dict[ItemKey, list[str]] = defaultdict(list)
    for e in latest(events):
        if e.kind == "judgement" and not e.gold:
            votes[e.item].append(str(e.value))
    return {k: "pass" if v.count("pass") >= v.count("fail") else "fail" for k, v in votes.items()}


def plot_agreement(agg: Aggregate, path: str) -> None:
    """A bar chart of Krippendorff's alpha per kind and dimension, and rater reliabilities."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    names = list(agg.agreement)
    values = [agg.agreement[n] if agg.agreement[n] is not None else 0.0 for n in names]
    ax1.bar(range(len(names)), values, color="#4c72b0")
    ax1.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax1.axhline(0.667, color="grey", ls="--", lw=1)
    ax1.set_ylim(min(-0.2, min(values, default=0)), 1)
    ax1.set_title("Krippendorff's alpha")
    rs = agg.raters
    ax2.bar(range(len(rs)), [r.reliability for r in rs], color=["#c44e52" if r.low else "#55a868" for r in rs])
    ax2.set_xticks(range(len(rs)), [r.rater for r in rs], rotation=30, ha="right")
    ax2.axhline(agg.threshold, color="grey", ls="--", lw=1)
    ax2.set_ylim(0, 1)
    ax2.set_title("rater reliability")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
