"""``rlcode compare``: per-task differences, McNemar and the paired bootstrap, --fail-on-regression."""

from __future__ import annotations

import json
from math import comb

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.evaluate.compare import CompareOptions, compare_results, mcnemar_p

runner = CliRunner()


def _result(passes: dict[str, tuple[int, int]]) -> dict:
    tasks = [{"task_id": t, "language": "python", "n": n, "passed": p, "pass@1": p / n, "verdicts": {}}
             for t, (p, n) in passes.items()]
    mean = sum(p / n for p, n in passes.values()) / len(passes)
    return {"metrics": {"pass@1": mean, "compile_rate": 1.0}, "tasks": tasks}


def test_mcnemar_exact_values():
    assert mcnemar_p(0, 0) == 1.0
    assert mcnemar_p(0, 6) == pytest.approx(2 / 64)
    assert mcnemar_p(3, 3) == 1.0
    assert mcnemar_p(1, 9) == pytest.approx(2 * (comb(10, 0) + comb(10, 1)) / 2**10)


def test_single_sample_runs_use_mcnemar_and_flag_a_regression():
    a = _result({f"t{i}": (1, 1) for i in range(12)})
    b = _result({**{f"t{i}": (0, 1) for i in range(8)}, **{f"t{i}": (1, 1) for i in range(8, 12)}})
    out = compare_results(a, b)
    assert out["test"] == "mcnemar" and out["mcnemar"]["a_only"] == 8 and out["mcnemar"]["b_only"] == 0
    assert out["p"] == pytest.approx(2 / 2**8)
    assert out["regression"] and not out["improvement"]
    assert out["pass@1"]["delta"] == pytest.approx(-8 / 12)
    worse = [t["task_id"] for t in out["tasks"] if t["change"] == "worse"]
    assert worse == [f"t{i}" for i in range(8)]


def test_small_differences_are_not_significant():
    a = _result({f"t{i}": (1, 1) for i in range(10)})
    b = _result({**{"t0": (0, 1)}, **{f"t{i}": (1, 1) for i in range(1, 10)}})
    out = compare_results(a, b)
    assert not out["regression"] and out["p"] == 1.0


def test_many_samples_use_the_paired_bootstrap():
    a = _result({f"t{i}": (8, 10) for i in range(20)})
    b = _result({f"t{i}": (2, 10) for i in range(20)})
    out = compare_results(a, b, CompareOptions(bootstrap=500))
    assert out["test"] == "bootstrap" and out["regression"]
    assert out["bootstrap"]["delta_ci"] == [-0.6, -0.6] and out["p"] == 0.0
    same = compare_results(a, a)
    assert not same["regression"] and same["p"] == 1.0 and all(t["change"] == "same" for t in same["tasks"])


def test_unpaired_tasks_are_counted_not_compared():
    out = compare_results(_result({"t0": (1, 1), "t1": (1, 1)}), _result({"t1": (0, 1), "t2": (1, 1)}))
    assert out["paired_tasks"] == 1 and out["only_in_a"] == 1 and out["only_in_b"] == 1


def test_cli_fail_on_regression_both_outcomes(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_result({f"t{i}": (1, 1) for i in range(10)})))
    b.write_text(json.dumps(_result({f"t{i}": (int(i >= 7), 1) for i in range(10)})))
    r = runner.invoke(app, ["compare", str(a), str(b), "--fail-on-regression"])
    assert r.exit_code == 1 and "regression: pass@1 1.0000 -> 0.3000" in r.output
    assert "REGRESSION" in r.output and "t0" in r.output
    r = runner.invoke(app, ["compare", str(b), str(a), "--fail-on-regression", "--json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["improvement"] and data["pass@1"]["delta"] == pytest.approx(0.7)
    r = runner.invoke(app, ["compare", str(a), str(a), "--fail-on-regression"])
    assert r.exit_code == 0 and "no significant change" in r.output


def test_cli_bad_input_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"metrics": {}}')
    r = runner.invoke(app, ["compare", str(bad), str(bad)])
    assert r.exit_code == 2 and "tasks: missing" in r.output
    r = runner.invoke(app, ["compare", str(tmp_path / "none.json"), str(bad)])
    assert r.exit_code == 2 and "no such file" in r.output
