"""The result cache: identical work is served without running; anything that differs runs."""

import json

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import ADD_TEST, write_jsonl

pytestmark = pytest.mark.docker

TASK = {"task_id": "add", "prompt": "def add(a, b):\n", "entry_point": "add", "test": ADD_TEST}


def run(tmp_path, name, rows, task=TASK, **sandbox):
    tasks = write_jsonl(tmp_path / f"{name}-tasks.jsonl", [task])
    cands = write_jsonl(tmp_path / f"{name}-c.jsonl", rows)
    out = tmp_path / f"{name}-out.jsonl"
    score_file(cands, str(tasks), out, load_settings(None, {"sandbox": sandbox}))
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_identical_work_is_served_from_the_cache(tmp_path):
    rows = [{"task_id": "add", "completion": "    return a + b\n"},
            {"task_id": "add", "completion": "    return a * b\n"},
            {"task_id": "add", "completion": "    while True: pass\n"}]
    first = run(tmp_path, "a", rows)
    assert [r.get("details", {}).get("cached") for r in first] == [None, None, None]
    again = run(tmp_path, "b", rows)
    assert [r["details"].get("cached") for r in again] == [True, True, None]  # timeouts are never cached
    assert [r["verdict"] for r in again] == ["passed", "failed", "timeout"]
    assert [r["reward"] for r in again] == [r["reward"] for r in first]


def test_identical_candidates_in_one_run_execute_once(tmp_path):
    """GRPO samples several completions per prompt and many are identical: with the cache on, one
    of them runs and the others' rows are made from its result."""
    same = {"task_id": "add", "completion": "    return a + b\n"}
    rows = [dict(same, candidate_id=str(i)) for i in range(8)]
    rows += [{"task_id": "add", "candidate_id": f"t{i}", "completion": "    while True: pass\n"} for i in range(2)]
    out = run(tmp_path, "a", rows, workers=2)
    cached = [bool(r["details"].get("cached")) for r in out]
    assert cached[:8].count(False) == 1 and cached[:8].count(True) == 7, cached
    assert {r["verdict"] for r in out[:8]} == {"passed"} and len({r["reward"] for r in out[:8]}) == 1
    # A timeout is shared with an identical candidate of the same run, but never stored for a later one.
    assert [r["verdict"] for r in out[8:]] == ["timeout", "timeout"] and sorted(cached[8:]) == [False, True]
    assert not run(tmp_path, "c", rows[8:9])[0]["details"].get("cached")
    off = run(tmp_path, "b", rows[:3], cache=False, workers=2)
    assert not any(r["details"].get("cached") for r in off)


def test_different_tests_or_limits_miss(tmp_path):
    rows = [{"task_id": "add", "completion": "    return a + b\n"}]
    run(tmp_path, "a", rows)
    other_test = dict(TASK, test=ADD_TEST.replace("918274", "1"))
    changed = run(tmp_path, "b", rows, task=other_test)
    assert changed[0]["verdict"] == "failed" and not changed[0]["details"].get("cached")
    limited = run(tmp_path, "c", rows, task=dict(TASK, limits={"time_s": 2}))
    assert not limited[0]["details"].get("cached")
    off = run(tmp_path, "d", rows, cache=False)
    assert not off[0]["details"].get("cached")


def test_prune_clears_the_cache(tmp_path):
    rows = [{"task_id": "add", "completion": "    return a + b\n"}]
    run(tmp_path, "a", rows)
    result = CliRunner().invoke(app, ["sandbox", "prune", "--cache"])
    assert result.exit_code == 0 and "1 results" in result.stdout
    assert not run(tmp_path, "b", rows)[0]["details"].get("cached")


def test_compiled_artifacts_are_reused_for_identical_source(tmp_path):
    """The same C program against two different tasks: compiled once, the binary reused."""
    code = '#include <stdio.h>\nint main(void){ long a, b; scanf("%ld %ld", &a, &b); printf("%ld\\n", a + b); }\n'
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [
        {"task_id": "one", "language": "c", "io_tests": [{"input": "1 2\n", "output": "3\n"}]},
        {"task_id": "two", "language": "c", "io_tests": [{"input": "5 5\n", "output": "10\n"},
                                                         {"input": "0 0\n", "output": "0\n"}]}])
    cands = write_jsonl(tmp_path / "c.jsonl", [{"task_id": "one", "code": code}, {"task_id": "two", "code": code}])
    out = tmp_path / "out.jsonl"
    score_file(cands, str(tasks), out, load_settings(None, {"sandbox": {"workers": 1}}))
    one, two = map(json.loads, out.read_text().splitlines())
    assert one["verdict"] == two["verdict"] == "passed"
    # Two threads share the worker, so either may compile first: exactly one of them compiled.
    assert sorted(bool(r["details"]["compile"].get("cached")) for r in (one, two)) == [False, True]


def test_candidate_in_a_language_the_task_cannot_take_is_an_input_error(tmp_path):
    from rlcode.errors import InputError

    tasks = write_jsonl(tmp_path / "tasks.jsonl", [TASK])
    cands = write_jsonl(tmp_path / "c.jsonl", [{"task_id": "add", "code": "int add(int a, int b);", "language": "c"}])
    with pytest.raises(InputError, match=r"c.jsonl:1: language: task 'add' is checked by Python"):
        score_file(cands, str(tasks), tmp_path / "out.jsonl", load_settings())
    assert not (tmp_path / "out.jsonl").exists()


def test_prune_removes_channel_directories_of_dead_runs():
    """A scorer killed with -9 leaves its (empty) channel directories in the temp dir."""
    import subprocess
    import tempfile
    from pathlib import Path

    from rlcode.sandbox.docker import CHANNEL_PREFIX

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = Path(tempfile.mkdtemp(prefix=f"{CHANNEL_PREFIX}{dead.pid}-"))
    mine = Path(tempfile.mkdtemp(prefix=f"{CHANNEL_PREFIX}{__import__('os').getpid()}-"))
    try:
        result = CliRunner().invoke(app, ["sandbox", "prune"])
        assert result.exit_code == 0, result.stdout
        assert not stale.exists() and mine.exists()
    finally:
        mine.rmdir()


def test_judges_are_kept_for_the_next_run(tmp_path, monkeypatch):
    """A CI job scores each checkpoint on the same tasks: the compiled, recorded checks come from
    the cache, so a later run builds none (its candidates are new: their results still run)."""
    from rlcode.judge import check

    check._JUDGES.clear()  # as in a fresh process
    first = run(tmp_path, "a", [{"task_id": "add", "completion": "    return a + b\n"}])
    assert first[0]["verdict"] == "passed"
    check._JUDGES.clear()

    def refuse(self, task):
        raise AssertionError("the judge was built again")

    monkeypatch.setattr(check.CheckJudge, "_build", refuse)
    again = run(tmp_path, "b", [{"task_id": "add", "completion": "    return b + a\n"},
                                {"task_id": "add", "completion": "    return a - b\n"}])
    assert [r["verdict"] for r in again] == ["passed", "failed"]
    assert not any(r["details"].get("cached") for r in again)


def test_a_damaged_stored_judge_is_rebuilt():
    from rlcode.judge.check import CheckJudge
    from tests.conftest import make_task

    task = make_task(ADD_TEST)
    judge = CheckJudge(task)
    copy = CheckJudge.loads(task, judge.dumps())
    assert copy is not None and copy.total == judge.total and copy.record().keys == judge.record().keys
    outcome = copy.run(lambda args, kwargs: sum(args))
    assert outcome.passed == outcome.total == judge.total
    assert CheckJudge.loads(task, b"not a judge") is None


def test_a_job_scored_again_on_its_own_sees_what_its_last_call_stored(tmp_path):
    """A call looks up all its jobs at once; that lookup is good for that call only. The same
    job object scored again (``run_one``, as bench_cache does) asks the cache itself and is
    served what the call stored, without a sandbox."""
    from rlcode.records import Candidate, Task
    from rlcode.scoring.scorer import Scorer

    task = Task("add", prompt=TASK["prompt"], entry_point="add", test=ADD_TEST)
    settings = load_settings(None, {"sandbox": {"workers": 1, "cache_path": str(tmp_path / "c.sqlite")}})
    with Scorer(settings) as scorer:
        jobs = scorer.jobs([(0, task, Candidate("add", "0", {}, completion="    return a + b\n"))])
        assert scorer.map(jobs)[0].result.verdict.value == "passed"
        row = scorer.run_one(None, jobs[0])  # no worker: it must not need one
        assert row.result.details.get("cached") and row.result.verdict.value == "passed"
