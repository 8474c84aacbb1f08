"""``rlcode eval`` on scored files (no sandbox needed): metrics, gates through Typer's runner (both
outcomes, and exit 2 for an unknown metric), JUnit read back by junitparser, Markdown, HTML."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.evaluate.gates import check_gates, parse_gates
from rlcode.evaluate.metrics import EvalOptions, evaluate_rows
from rlcode.evaluate.reports.html import render_html
from rlcode.evaluate.reports.markdown import render_markdown
from rlcode.errors import UsageError
from rlcode.languages import language_names
from rlcode.metrics import pass_at_k
from rlcode.records import Task
from rlcode.tasks import load_tasks
from tests.conftest import write_jsonl

runner = CliRunner()


def _tasks(tmp_path: Path) -> Path:
    rows = [{"task_id": f"t{i}", "language": "python", "io_tests": [{"input": "", "output": "x"}]} for i in range(4)]
    rows.append({"task_id": "c0", "language": "c", "io_tests": [{"input": "", "output": "x"}]})
    return write_jsonl(tmp_path / "tasks.jsonl", rows)


def _row(task_id: str, cid: int, verdict: str, reward: float | None = None, language: str = "python", **details):
    reward = (1.0 if verdict == "passed" else 0.0) if reward is None and verdict != "sandbox_error" else reward
    return {"task_id": task_id, "candidate_id": str(cid), "code": "print('x')", "verdict": verdict,
            "passed": verdict == "passed", "tests_passed": int(verdict == "passed"), "tests_total": 1,
            "reward": reward, "components": {"runtime": reward, "static": None, "human": None},
            "details": {"language": language, **details}}


# Per task (n = 2): t0 2/2, t1 1/2, t2 0/2 (one compile error), t3 0/2; c0 (C) 1/2, plus a sandbox error.
SCORED = [
    _row("t0", 0, "passed"), _row("t0", 1, "passed"),
    _row("t1", 0, "passed"), _row("t1", 1, "failed", first_failure={"test": 0, "mismatch": "line 1: got 'y'"}),
    _row("t2", 0, "compile_error", compile={"diagnostics": "main.py:1: SyntaxError"}), _row("t2", 1, "failed"),
    _row("t3", 0, "runtime_error", error="ZeroDivisionError"), _row("t3", 1, "timeout"),
    _row("c0", 0, "passed", language="c"), _row("c0", 1, "failed", language="c"),
    _row("c0", 2, "sandbox_error", language="c"),
]


def _scored(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "scored.jsonl", SCORED)


def test_metrics_on_known_rows(tmp_path):
    tasks = load_tasks(str(_tasks(tmp_path)), language_names())
    result = evaluate_rows(SCORED, tasks, EvalOptions(ks=(1, 2)))
    m = result["metrics"]
    # pass@1 per task: 1, .5, 0, 0, .5 -> mean .4; pass@2: 1, 1, 0, 0, 1 -> .6
    assert m["pass@1"] == pytest.approx(0.4) and m["pass@2"] == pytest.approx(0.6)
    assert m["pass@1_ci"][0] <= 0.4 <= m["pass@1_ci"][1]
    assert m["compile_rate"] == pytest.approx(9 / 10)  # the sandbox error is not judged
    assert m["verdicts"]["sandbox_error"] == 1 and m["verdicts"]["passed"] == 4
    assert m["mean_reward"] == pytest.approx(0.4) and m["components"]["runtime"] == pytest.approx(0.4)
    assert result["by_language"]["c"]["pass@1"] == 0.5 and result["by_language"]["python"]["pass@1"] == 0.375
    assert result["by_kind"]["io"]["tasks"] == 5
    t2 = next(t for t in result["tasks"] if t["task_id"] == "t2")
    assert t2 == {**t2, "n": 2, "passed": 0, "pass@1": 0.0, "verdicts": {"compile_error": 1, "failed": 1}}
    assert t2["first_failure"]["verdict"] == "compile_error" and "SyntaxError" in t2["first_failure"]["test"]
    c0 = next(t for t in result["tasks"] if t["task_id"] == "c0")
    assert c0["n"] == 2 and c0["verdicts"]["sandbox_error"] == 1
    assert sum(result["reward_histogram"]["counts"]) == 10
    assert "repair" not in result


def test_pass_at_k_needs_k_samples_per_task(tmp_path):
    tasks = load_tasks(str(_tasks(tmp_path)), language_names())
    result = evaluate_rows(SCORED, tasks, EvalOptions(ks=(1, 3)))
    assert result["metrics"]["pass@3"] is None and result["metrics"]["pass@3_tasks"] == 0
    assert result["metrics"]["pass@1"] == pytest.approx(sum(pass_at_k(2, c, 1) for c in (2, 1, 0, 0, 1)) / 5)


def test_gates_parse_and_check():
    gates = parse_gates(["pass@1=0.30", "repair.fix_rate=0.5", "by_language.c.pass@1=0.9", "compile_rate=0.5"], (1,))
    result = {"metrics": {"pass@1": 0.4, "compile_rate": 0.9}, "by_language": {"c": {"pass@1": 0.5}}}
    checked = check_gates(result, gates)
    assert [g["ok"] for g in checked] == [True, False, False, True]
    assert checked[1]["value"] is None  # no repair tasks: no value, gate missed
    for bad in ("pass@5=0.3", "accuracy=0.3", "repair.speed=1", "pass@1", "pass@1=high", "by_language.pass@1=1"):
        with pytest.raises(UsageError):
            parse_gates([bad], (1,))


def _invoke(*args):
    return runner.invoke(app, list(map(str, args)))


def test_gate_met_exits_0_and_writes_every_report(tmp_path):
    out = tmp_path / "out"
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--k", "1,2",
                "--fail-under", "pass@1=0.30", "--fail-under", "compile_rate=0.8", "--json", out / "r.json",
                "--junit", out / "r.xml", "--report", out / "r.md", "--report", out / "r.html", "-q")
    assert r.exit_code == 0, r.output
    data = json.loads((out / "r.json").read_text())
    assert set(data) >= {"metrics", "by_language", "tasks", "gates"}
    assert data["gates"] == [
        {"gate": "pass@1=0.3", "metric": "pass@1", "threshold": 0.3, "op": ">=", "value": 0.4, "ok": True},
        {"gate": "compile_rate=0.8", "metric": "compile_rate", "threshold": 0.8, "op": ">=", "value": 0.9, "ok": True}]
    assert data["source"]["scored"].endswith("scored.jsonl")  # used as it is: nothing rescored
    assert (out / "r.md").read_text().startswith("## rlcode eval ✅")
    assert "<svg" in (out / "r.html").read_text()


def test_gate_missed_exits_1_with_one_line_per_missed_gate(tmp_path):
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--fail-under",
                "pass@1=0.5", "--fail-under", "compile_rate=0.95", "--fail-under", "mean_reward=0.1", "-q")
    assert r.exit_code == 1, r.output
    lines = [line for line in r.output.splitlines() if line.startswith("gate missed")]
    assert lines == ["gate missed: pass@1 = 0.4000, needs >= 0.5", "gate missed: compile_rate = 0.9000, needs >= 0.95"]


def test_fail_over_gates_bound_a_metric_from_above(tmp_path):
    """--fail-over: lower is better (regression rate, change size, time ratio); both outcomes."""
    out = tmp_path / "out"
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--fail-over",
                "pass@1=0.5", "--fail-over", "compile_rate=0.5", "--fail-under", "pass@1=0.3",
                "--json", out / "r.json", "--report", out / "r.md", "-q")
    assert r.exit_code == 1, r.output
    lines = [line for line in r.output.splitlines() if line.startswith("gate missed")]
    assert lines == ["gate missed: compile_rate = 0.9000, needs <= 0.5"]
    gates = json.loads((out / "r.json").read_text())["gates"]
    assert [(g["gate"], g["op"], g["ok"]) for g in gates] == [
        ("pass@1=0.3", ">=", True), ("pass@1<=0.5", "<=", True), ("compile_rate<=0.5", "<=", False)]
    assert "| compile_rate ≤ 0.5 | 0.9000 | ❌ |" in (out / "r.md").read_text()
    bad = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--fail-over", "speed=1")
    assert bad.exit_code == 2 and "--fail-over 'speed=1': unknown metric" in bad.output


def test_unknown_metric_exits_2_before_anything_runs(tmp_path):
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", tmp_path / "absent.jsonl",
                "--fail-under", "pass@10=0.3")
    assert r.exit_code == 2 and "pass@10 is not computed" in r.output
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--fail-under", "speed=1")
    assert r.exit_code == 2 and "unknown metric" in r.output


def test_usage_errors(tmp_path):
    r = _invoke("eval", "--tasks", _tasks(tmp_path))
    assert r.exit_code == 2 and "exactly one of --model and --candidates" in r.output
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--k", "0")
    assert r.exit_code == 2
    bad = write_jsonl(tmp_path / "bad.jsonl", [SCORED[0], {k: v for k, v in SCORED[1].items() if k != "verdict"}])
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", bad)
    assert r.exit_code == 2 and "bad.jsonl:2: verdict: missing" in r.output
    r = _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--model", "m")
    assert r.exit_code == 2


def test_junit_read_back_by_junitparser(tmp_path):
    from junitparser import Error, Failure, JUnitXml

    path = tmp_path / "r.xml"
    assert _invoke("eval", "--tasks", _tasks(tmp_path), "--candidates", _scored(tmp_path), "--junit", path,
                   "-q").exit_code == 0
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"rlcode.python", "rlcode.c"}
    cases = {case.name: case for suite in xml for case in suite}
    assert set(cases) == {"t0", "t1", "t2", "t3", "c0"}  # one test case per task
    assert cases["t0"].is_passed
    failure = cases["t2"].result[0]
    assert isinstance(failure, Failure) and failure.type == "compile_error"
    assert "0/2 samples passed" in failure.message and "SyntaxError" in failure.message
    t1 = cases["t1"].result[0]
    assert t1.type == "failed" and "first failing test: test=0, mismatch=line 1: got 'y'" in t1.message
    assert not any(isinstance(r, Error) for c in cases.values() for r in c.result)
    assert suites["rlcode.python"].tests == 4 and suites["rlcode.python"].failures == 3
    assert xml.tests == 5 and xml.failures == 4


def test_junit_sandbox_errors_are_errors_not_failures(tmp_path):
    from junitparser import Error, JUnitXml

    from rlcode.evaluate.reports.junit import write_junit

    tasks = load_tasks(str(_tasks(tmp_path)), language_names())
    result = evaluate_rows([_row("t0", 0, "sandbox_error")], tasks, EvalOptions())
    write_junit(result, tmp_path / "e.xml")
    case = next(iter(next(iter(JUnitXml.fromfile(str(tmp_path / "e.xml"))))))
    assert isinstance(case.result[0], Error) and case.result[0].type == "sandbox_error"


class _Refs(HTMLParser):
    """Every attribute that could make a request, and every tag."""

    def __init__(self):
        super().__init__()
        self.refs, self.tags = [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.refs += [(tag, k, v) for k, v in attrs if k in ("src", "href", "xlink:href", "action", "srcset",
                                                              "poster", "data")]


def test_html_report_is_self_contained_with_plots(tmp_path):
    tasks = load_tasks(str(_tasks(tmp_path)), language_names())
    html = render_html({**evaluate_rows(SCORED, tasks, EvalOptions(ks=(1, 2))), "gates": []})
    parser = _Refs()
    parser.feed(html)
    assert parser.refs == [] and not {"script", "link", "img", "iframe", "object"} & parser.tags
    assert "default-src 'none'" in html  # the browser refuses any request the page might still try
    assert not re.search(r"url\(|@import|https?://", html)
    assert html.count("<svg") == 3  # pass@k per language, verdicts, reward histogram
    assert "pass@2" in html and "c0" in html and "compile_error" in html


def test_markdown_lists_failing_tasks_and_gates(tmp_path):
    tasks = load_tasks(str(_tasks(tmp_path)), language_names())
    result = evaluate_rows(SCORED, tasks, EvalOptions())
    result["gates"] = check_gates(result, parse_gates(["pass@1=0.5"], (1,)))
    md = render_markdown(result)
    assert md.startswith("## rlcode eval ❌ gates missed")
    assert "| pass@1 ≥ 0.5 | 0.4000 | ❌ |" in md
    assert "`t2` | python | 0/2 | compile_error" in md and "`t0`" not in md


def _flags(command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", []) + getattr(param, "secondary_opts", [])}


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_parse_and_use_real_flags(name):
    """The example workflows are valid YAML and every rlcode eval/compare flag they use exists."""
    import shlex

    import typer.main
    import yaml

    root = Path(__file__).parents[1]
    text = (root / "docs" / "ci" / name).read_text()
    assert isinstance(yaml.safe_load(text), dict)
    group = typer.main.get_command(app)
    known = {verb: _flags(group.commands[verb]) for verb in ("eval", "compare")}
    joined = re.sub(r"\\\n\s*|\n\s+(?=--)", " ", text)  # shell continuations and YAML folded lines
    used = re.findall(r"rlcode (eval|compare) ([^\n;|]*)", joined)
    assert {verb for verb, _ in used} == {"eval", "compare"}
    for verb, rest in used:
        flags = {tok.split("=")[0] for tok in shlex.split(rest.split(";")[0]) if tok.startswith("--")}
        assert flags <= known[verb], (verb, flags - known[verb])
    assert "--junit" in joined and "docker save" in text and "docker load" in text


def test_tasks_are_listed_in_natural_order():
    from rlcode.evaluate.metrics import task_order

    ids = ["HumanEval/10", "HumanEval/2", "HumanEval/100", "HumanEval/1", "repair/c/b", "repair/c/a"]
    assert sorted(ids, key=task_order) == ["HumanEval/1", "HumanEval/2", "HumanEval/10", "HumanEval/100",
                                           "repair/c/a", "repair/c/b"]
    tasks = {f"t/{i}": Task(task_id=f"t/{i}", io_tests=[]) for i in (10, 9, 1)}
    rows = [{"task_id": t, "candidate_id": "0", "language": "python", "verdict": "passed", "tests_passed": 1,
             "tests_total": 1, "reward": 1.0} for t in tasks]
    assert [t["task_id"] for t in evaluate_rows(rows, tasks, EvalOptions(ks=(1,)))["tasks"]] == ["t/1", "t/9", "t/10"]
