"""Static analysis: real ruff, pylint, tree-sitter and compiler output; the score; the component; the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rlcode.analysis import (
    ANALYZERS,
    AnalysisConfig,
    AnalysisError,
    AnalysisInput,
    AnalysisResult,
    Finding,
    Report,
    ScoreWeights,
    Severity,
    analyze_batch,
    lint_pylint,
    lint_ruff,
    static_score,
)
from rlcode.analysis.cache import ContentCache
from rlcode.analysis.compiler import parse_diagnostics
from rlcode.analysis.lint_pylint import PylintAnalyzer
from rlcode.analysis.lint_ruff import RuffAnalyzer
from rlcode.analysis.treesitter import TreeSitterAnalyzer
from rlcode.cli import app
from rlcode.records import Candidate, ExecutionResult, Verdict
from rlcode.reward.composite import CompositeReward, RuntimeComponent
from rlcode.reward.static import StaticComponent
from tests.conftest import make_task, write_jsonl

runner = CliRunner()
SAMPLES = Path(__file__).parent / "analysis_samples"

MESSY = "import os\n\n\ndef f(x):\n    if x == None:\n        return undefined_name\n    y = 1\n    return x\n"
CLEAN = "def add(a, b):\n    return a + b\n"
BROKEN = "def g(:\n    pass\n"


def by_code(findings):
    return {f.code: f for f in findings}


# ---------------------------------------------------------------- ruff


def test_ruff_real_output_codes_lines_severities():
    messy, clean, broken = RuffAnalyzer().analyze([AnalysisInput("python", c) for c in (MESSY, CLEAN, BROKEN)])
    found = by_code(messy.findings)
    assert {"F401", "E711", "F821", "F841"} <= set(found)
    assert (found["F401"].line, found["F401"].severity) == (1, Severity.WARNING)
    assert (found["E711"].line, found["E711"].severity) == (5, Severity.CONVENTION)
    assert (found["F821"].line, found["F821"].severity) == (6, Severity.ERROR)
    assert "undefined_name" in found["F821"].message
    assert messy.parses is True and clean.parses is True and clean.findings == []
    assert broken.parses is False and {f.code for f in broken.findings} == {"invalid-syntax"}


def test_ruff_one_process_for_the_whole_batch(monkeypatch):
    calls = []
    real = subprocess.run
    monkeypatch.setattr(lint_ruff.subprocess, "run", lambda cmd, **kw: calls.append(cmd) or real(cmd, **kw))
    items = [AnalysisInput("python", f"import m{i}\n") for i in range(12)] + [AnalysisInput("python", CLEAN)] * 3
    reports = RuffAnalyzer().analyze(items)
    assert len(calls) == 1
    # Each report belongs to its own input, duplicates included.
    assert [r.findings[0].message for r in reports[:12]] == [f"`m{i}` imported but unused" for i in range(12)]
    assert [r.findings for r in reports[12:]] == [[], [], []]


def test_ruff_ignores_config_files_near_the_sources(tmp_path, monkeypatch):
    # Without --isolated, a ruff.toml above the temporary sources would switch rules off.
    (tmp_path / "ruff.toml").write_text('[lint.per-file-ignores]\n"*.py" = ["F401"]\n')
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    [report] = RuffAnalyzer().analyze([AnalysisInput("python", "import os\n")])
    assert [f.code for f in report.findings] == ["F401"]


def test_bad_rule_names_are_analysis_errors_not_findings():
    with pytest.raises(AnalysisError, match="ruff failed"):
        RuffAnalyzer(AnalysisConfig(ruff_select=("NOTARULE9",))).analyze([AnalysisInput("python", CLEAN)])
    with pytest.raises(AnalysisError, match="not-a-message"):
        PylintAnalyzer(AnalysisConfig(pylint_disable=("not-a-message",))).analyze([AnalysisInput("python", CLEAN)])


# ---------------------------------------------------------------- pylint


def test_pylint_real_output_severities_and_disabled_docstrings(tmp_path):
    messy, broken = PylintAnalyzer(AnalysisConfig(cache_dir=None)).analyze(
        [AnalysisInput("python", MESSY), AnalysisInput("python", BROKEN)])
    found = by_code(messy.findings)
    assert (found["unused-import"].line, found["unused-import"].severity) == (1, Severity.WARNING)
    assert (found["undefined-variable"].line, found["undefined-variable"].severity) == (6, Severity.ERROR)
    assert found["singleton-comparison"].severity is Severity.CONVENTION
    assert not any(code.endswith("docstring") for code in found)
    assert messy.parses is True and broken.parses is False and broken.findings[0].code == "syntax-error"


def _spy(monkeypatch, module, fail_if=None):
    calls = []
    real = subprocess.run

    def run(cmd, **kw):
        calls.append(cmd)
        if fail_if and fail_if(cmd):
            raise subprocess.TimeoutExpired(cmd, kw.get("timeout"))
        return real(cmd, **kw)

    monkeypatch.setattr(module.subprocess, "run", run)
    return calls


def test_pylint_parallel_chunks_map_back_to_their_inputs(monkeypatch):
    calls = _spy(monkeypatch, lint_pylint)
    items = [AnalysisInput("python", f"def f():\n    return undefined_{i}\n") for i in range(16)]
    analyzer = PylintAnalyzer(AnalysisConfig(jobs=2))
    analyzer.min_files_per_process = 8
    reports = analyzer.analyze(items)
    assert len(calls) == 2  # two processes, each with half of the batch
    for i, report in enumerate(reports):
        assert [f.message for f in report.findings if f.code == "undefined-variable"] == \
               [f"Undefined variable 'undefined_{i}'"]


def test_pylint_cache_hit_runs_no_process_and_options_change_the_key(tmp_path, monkeypatch):
    config = AnalysisConfig(cache_dir=tmp_path)
    first = PylintAnalyzer(config).analyze([AnalysisInput("python", MESSY)])
    assert len(list((tmp_path / "pylint").glob("*.json"))) == 1
    calls = _spy(monkeypatch, lint_pylint)
    again = PylintAnalyzer(config).analyze([AnalysisInput("python", MESSY)])
    assert calls == [] and again == first
    PylintAnalyzer(AnalysisConfig(cache_dir=tmp_path, pylint_disable=("unused-import",))).analyze(
        [AnalysisInput("python", MESSY)])
    assert len(calls) == 1


def test_pylint_timeout_isolates_the_slow_file(monkeypatch):
    # A chunk that times out is split until the culprit stands alone; the others keep their findings.
    _spy(monkeypatch, lint_pylint, fail_if=lambda cmd: "c3.py" in cmd)
    items = [AnalysisInput("python", f"import m{i}\n") for i in range(6)]
    reports = PylintAnalyzer(AnalysisConfig(jobs=1)).analyze(items)
    assert reports[3].error is not None and reports[3].findings == []
    assert all(r.error is None and r.findings for i, r in enumerate(reports) if i != 3)
    results = analyze_batch(items, [PylintAnalyzer(AnalysisConfig(jobs=1))])
    assert results[3].score is None and results[3].errors == [f"pylint: {reports[3].error}"]
    assert results[2].score is not None


def test_cache_stays_bounded_and_keeps_the_recent(tmp_path):
    cache = ContentCache(tmp_path, "ns", max_entries=5)
    for i in range(10):
        cache.put(f"code {i}", i)
        os.utime(cache.dir / f"{cache.key(f'code {i}')}.json", (1000 + i, 1000 + i))
    assert cache.prune() == 6
    assert [cache.get(f"code {i}") for i in range(10)] == [None] * 6 + [6, 7, 8, 9]
    assert ContentCache(tmp_path, "other-ns").get("code 9") is None


# ---------------------------------------------------------------- tree-sitter

# (functions, max nesting, cyclomatic, lines of code) of each sample in analysis_samples/
EXPECTED = {"python": (2, 2, 6, 10), "c": (2, 2, 6, 14), "cpp": (2, 2, 6, 14), "java": (2, 2, 6, 16),
            "javascript": (2, 2, 6, 14), "typescript": (2, 2, 6, 14), "go": (2, 2, 6, 15), "rust": (3, 2, 6, 14)}
BROKEN_LINE_3 = {
    "python": "x = 1\ny = 2\ndef f(:\n    return 1\n", "c": "int a;\nint b;\nint f( { return 0; }\n",
    "cpp": "int a;\nint b;\nint f() { return 0 }\n", "java": "class A {\n  int a;\n  void f() { int x = 1 }\n}\n",
    "javascript": "let a = 1;\nlet b = 2;\nfunction f( { return 1; }\n",
    "typescript": "let a: number = 1;\nlet b = 2;\nfunction f(x: ) { return 1; }\n",
    "go": "package main\n\nfunc f() { x := }\n", "rust": "fn a() {}\nfn b() {}\nfn f() { let x = ; }\n",
}
EXT = {"python": "py", "c": "c", "cpp": "cpp", "java": "java", "javascript": "js", "typescript": "ts", "go": "go",
       "rust": "rs"}


@pytest.fixture(scope="module")
def treesitter():
    return TreeSitterAnalyzer()


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_treesitter_metrics_and_syntax_errors(treesitter, language):
    source = (SAMPLES / f"classify.{EXT[language]}").read_text()
    good, bad = treesitter.analyze([AnalysisInput(language, source), AnalysisInput(language, BROKEN_LINE_3[language])])
    assert good.parses is True and good.findings == []
    m = good.metrics
    assert (m.functions, m.max_nesting, m.cyclomatic, m.loc) == EXPECTED[language]
    assert bad.parses is False
    assert bad.findings and {f.line for f in bad.findings} == {3}
    assert {f.code for f in bad.findings} <= {"syntax-error", "missing"}
    assert all(f.severity is Severity.ERROR for f in bad.findings)


def test_treesitter_else_if_continues_but_a_nested_if_nests(treesitter):
    chain = "int f(int a){ if (a==1) return 1; else if (a==2) return 2; else if (a==3) return 3; return 0; }"
    nested = "int f(int a, int b){ if (a) if (b) return 1; return 0; }"
    java = "class A { int f(int a) { if (a == 1) { return 1; } else if (a == 2) { return 2; } return 0; } }"
    r = treesitter.analyze([AnalysisInput("c", chain), AnalysisInput("c", nested), AnalysisInput("java", java)])
    assert [x.metrics.max_nesting for x in r] == [1, 2, 1]
    assert [x.metrics.cyclomatic for x in r] == [4, 3, 3]


# ---------------------------------------------------------------- compiler diagnostics


def _compile(cmd, cwd):
    proc = subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True, timeout=120)
    return proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
@pytest.mark.parametrize("compiler,source", [("gcc", "warn.c"), ("g++", "warn.cpp")])
def test_gcc_family_real_output(tmp_path, compiler, source):
    shutil.copy(SAMPLES / source, tmp_path)
    text = _compile([compiler, "-Wall", "-Wextra", "-fdiagnostics-color=always", "-c", source, "-o", os.devnull],
                    tmp_path)
    assert "\x1b[" in text  # colours are stripped before parsing
    found = by_code(parse_diagnostics(text, "gcc", only_file=source))
    assert (found["-Wunused-variable"].line, found["-Wunused-variable"].severity) == (3, Severity.WARNING)
    assert (found["error"].line, found["error"].severity) == (6, Severity.ERROR)
    assert "undeclared_thing" in found["error"].message
    assert not any("note" in f.code for f in found.values())
    assert parse_diagnostics(text, "gcc", only_file="other.c") == []


@pytest.mark.skipif(shutil.which("javac") is None, reason="javac not installed")
def test_javac_xlint_real_output(tmp_path):
    shutil.copy(SAMPLES / "Main.java", tmp_path)
    text = _compile(["javac", "-Xlint:all", "-d", str(tmp_path / "out"), "Main.java"], tmp_path)
    findings = parse_diagnostics(text, "javac")
    assert [(f.code, f.line, f.severity.value) for f in findings] == [
        ("rawtypes", 4, "warning"), ("rawtypes", 4, "warning"), ("unchecked", 5, "warning"), ("error", 6, "error")]
    assert findings[-1].message.startswith("incompatible types")


@pytest.mark.skipif(shutil.which("rustc") is None, reason="rustc not installed")
def test_rustc_real_output(tmp_path):
    for name in ("warn.rs", "error.rs"):
        shutil.copy(SAMPLES / name, tmp_path)
    warn = _compile(["rustc", "--edition", "2021", "--emit=metadata", "-o", "w.rmeta", "warn.rs"], tmp_path)
    assert sorted((f.code, f.line) for f in parse_diagnostics(warn, "rustc")) == [
        ("dead_code", 1), ("unused_mut", 4), ("unused_variables", 3)]
    error = _compile(["rustc", "--edition", "2021", "--emit=metadata", "-o", "e.rmeta", "error.rs"], tmp_path)
    [finding] = parse_diagnostics(error, "rustc")  # "aborting due to ..." is not a finding
    assert (finding.code, finding.line, finding.severity) == ("E0425", 3, Severity.ERROR)


def test_go_and_tsc_sample_output():
    # go and tsc are not on every host: their output, copied from real runs, as literals.
    build = "# command-line-arguments\n./main.go:5:2: declared and not used: x\n./main.go:6:14: undefined: y\n"
    assert [(f.line, f.severity, f.message) for f in parse_diagnostics(build, "go")] == [
        (5, Severity.ERROR, "declared and not used: x"), (6, Severity.ERROR, "undefined: y")]
    vet = "# command-line-arguments\n# [command-line-arguments]\n" \
          "./main.go:7:2: fmt.Printf format %d has arg s of wrong type string\n"
    [v] = parse_diagnostics(vet, "govet")
    assert (v.tool, v.line, v.severity) == ("govet", 7, Severity.WARNING)
    plain = "main.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n" \
            "main.ts(5,1): error TS2304: Cannot find name 'foo'.\n"
    pretty = "main.ts:3:7 - error TS2322: Type 'string' is not assignable to type 'number'.\n\n" \
             "3 const x: number = \"s\";\n        ~\n\nFound 1 error in main.ts:3\n"
    assert [(f.code, f.line) for f in parse_diagnostics(plain, "tsc")] == [("TS2322", 3), ("TS2304", 5)]
    assert [(f.code, f.line) for f in parse_diagnostics(pretty, "tsc")] == [("TS2322", 3)]
    with pytest.raises(ValueError, match="unknown diagnostics format"):
        parse_diagnostics("", "msvc")


def test_compiler_analyzer_uses_attached_diagnostics():
    text = "main.c:2:5: warning: unused variable 'u' [-Wunused-variable]\n"
    with_diag = AnalysisInput("c", "int main(){\n    int u;\n}\n", "a", diagnostics=text)
    without = AnalysisInput("c", "int main(){}\n", "b")
    a, b = analyze_batch([with_diag, without], ["compiler"])
    assert [(f.tool, f.code, f.line) for f in a.findings] == [("gcc", "-Wunused-variable", 2)]
    assert a.analyzers == ["compiler"] and b.analyzers == [] and b.score is None


# ---------------------------------------------------------------- score

severities = st.sampled_from(list(Severity))
findings_st = st.lists(st.builds(Finding, st.sampled_from(["ruff", "pylint", "treesitter"]), st.just("X"), severities,
                                 st.integers(0, 40), st.just("m")), max_size=30)
weights_st = st.builds(ScoreWeights, *(st.floats(0, 10) for _ in range(5)), st.integers(1, 50))


@settings(max_examples=200, deadline=None)
@given(findings_st, findings_st, st.integers(0, 400), weights_st)
def test_score_bounded_and_more_findings_never_raise_it(base, extra, lines, weights):
    before = static_score(base, lines, True, weights)
    after = static_score(base + extra, lines, True, weights)
    assert 0.0 <= after <= before <= 1.0
    assert static_score(base, lines, False, weights) == 0.0


def test_score_golden_values_and_tool_overlap():
    error = Finding("ruff", "F821", Severity.ERROR, 3, "x")
    warning = Finding("ruff", "F841", Severity.WARNING, 4, "y")
    assert static_score([], 20, True) == 1.0
    assert static_score([error], 20, True) == pytest.approx(2 / 3)
    assert static_score([warning], 20, True) == pytest.approx(0.8)
    assert static_score([warning], 2, True) == pytest.approx(2 / 3)  # min_lines: scored as 10 lines
    same_issue_twice = [error, Finding("pylint", "undefined-variable", Severity.ERROR, 3, "x")]
    assert static_score(same_issue_twice, 20, True) == static_score([error], 20, True)
    two_issues = [error, Finding("ruff", "E711", Severity.ERROR, 3, "z")]
    assert static_score(two_issues, 20, True) == pytest.approx(0.5)
    assert static_score([error], 20, True, ScoreWeights(error=0.0)) == 1.0
    with pytest.raises(ValueError, match="weights.warning"):
        ScoreWeights(warning=-1)


# ---------------------------------------------------------------- batch, registry, component


class FakeAnalyzer:
    languages = frozenset({"python"})

    def __init__(self, name, report):
        self.name, self.report = name, report

    def applies(self, item):
        return item.language in self.languages

    def analyze(self, items):
        return [self.report for _ in items]


def test_batch_merges_reports_and_registry_refuses_duplicates():
    ok = FakeAnalyzer("a", Report([Finding("a", "W1", Severity.WARNING, 1, "w")], parses=True))
    no_parse = FakeAnalyzer("b", Report([], parses=False))
    [merged] = analyze_batch([AnalysisInput("python", CLEAN, "x")], [ok, no_parse])
    assert merged.parses is False and merged.score == 0.0 and merged.analyzers == ["a", "b"]
    [only_ok] = analyze_batch([AnalysisInput("python", CLEAN)], [ok])
    assert only_ok.score == pytest.approx(1 / (1 + 10 * 0.5 / 10))
    [c] = analyze_batch([AnalysisInput("c", "int x;")], [ok])
    assert c.score is None and c.parses is None  # nothing applied: no evidence
    assert AnalysisResult.from_json(json.loads(json.dumps(merged.to_json()))) == merged
    with pytest.raises(ValueError, match="already registered"):
        ANALYZERS.register("ruff", RuffAnalyzer)
    with pytest.raises(KeyError, match="unknown analyzer"):
        analyze_batch([AnalysisInput("python", CLEAN)], ["nope"])


def test_prompt_lines_are_not_held_against_the_candidate():
    prompt = "from typing import List\n\n\ndef f(x):   \n    \"\"\"Doc.\"\"\"\n"
    code = prompt + "    y = 1\n    return x\n"
    whole, own = analyze_batch([AnalysisInput("python", code), AnalysisInput("python", code, given_lines=5)], ["ruff"])
    assert {"F401", "W291", "F841"} <= {f.code for f in whole.findings}
    assert [f.code for f in own.findings] == ["F841"] and own.lines == 2
    assert own.score == pytest.approx(1 / (1 + 10 * 0.5 / 10))


def test_analyzer_modules_load_only_when_chosen():
    code = ("import sys, rlcode.cli, rlcode.analysis, rlcode.reward.static; "
            "print([m for m in sys.modules if m.startswith(('tree_sitter', 'rlcode.analysis.lint', "
            "'rlcode.analysis.treesitter'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_static_component_reads_stored_findings_and_merges():
    [analysis] = analyze_batch([AnalysisInput("python", MESSY)], ["ruff"])
    task = make_task("def check(candidate):\n    pass\n")
    cand = Candidate(task.task_id, "0", {})
    result = ExecutionResult(Verdict.PASSED, 1, 1, {"static": analysis.to_json()})
    component = StaticComponent()
    expected = static_score(analysis.findings, analysis.lines, True)
    assert 0 < expected < 1 and component.score(task, cand, result) == pytest.approx(expected)
    assert StaticComponent(weights=ScoreWeights(error=0, warning=0, convention=0)).score(task, cand, result) == 1.0
    assert StaticComponent(signal="syntax").score(task, cand, result) == 1.0
    assert component.score(task, cand, ExecutionResult(Verdict.FAILED, 0, 1, {})) is None
    assert component.score(task, cand, ExecutionResult(Verdict.SANDBOX_ERROR, 0, 1, dict(result.details))) is None
    reward = CompositeReward((RuntimeComponent(), component), (("runtime", 1.0), ("static", 1.0)))
    value, breakdown = reward(task, cand, result)
    assert value == pytest.approx(round((1.0 + expected) / 2, 6))
    assert breakdown["weights"] == {"runtime": 0.5, "static": 0.5}


# ---------------------------------------------------------------- CLI


def test_cli_files_table_and_json(tmp_path):
    (tmp_path / "messy.py").write_text(MESSY)
    shutil.copy(SAMPLES / "classify.rs", tmp_path)
    files = [str(tmp_path / "messy.py"), str(tmp_path / "classify.rs")]
    odd = tmp_path / "a[bold]b.py"  # names and messages are text, not rich markup
    odd.write_text(CLEAN)
    result = runner.invoke(app, ["analyze", *files, str(odd), "--findings"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "a[bold]b.py" in result.stdout
    assert "F821" in result.stdout and "classify.rs" in result.stdout and "3 programs, 3 parse" in result.stdout
    result = runner.invoke(app, ["analyze", *files, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    messy, rust = data["results"]
    assert messy["language"] == "python" and messy["analyzers"] == ["ruff", "treesitter"]
    assert "F821" in {f["code"] for f in messy["findings"]} and 0 < messy["score"] < 1
    assert rust["metrics"] == {"functions": 3, "max_nesting": 2, "cyclomatic": 6, "loc": 14}
    assert data["summary"]["inputs"] == 2 and data["summary"]["findings"]["error"] >= 1


def test_cli_candidates_with_tasks_and_pylint_cache(tmp_path):
    cands = write_jsonl(tmp_path / "c.jsonl", [
        {"task_id": "HumanEval/0", "completion": "    return undefined_thing\n"},
        {"task_id": "HumanEval/0", "completion": "    return False\n"}])
    args = ["analyze", str(cands), "--tasks", "humaneval", "--analyzers", "ruff,pylint,treesitter",
            "--cache-dir", str(tmp_path / "cache"), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    bad, good = json.loads(result.stdout)["results"]
    assert bad["name"] == "HumanEval/0#0" and good["name"] == "HumanEval/0#1"
    assert {"F821", "undefined-variable"} <= {f["code"] for f in bad["findings"]}
    assert good["score"] > bad["score"] and good["metrics"]["functions"] == 1
    assert len(list((tmp_path / "cache" / "pylint").glob("*.json"))) == 2


@pytest.mark.parametrize("args,message", [
    (["prog.xyz"], "unknown source extension '.xyz'"),
    (["missing.py"], "missing.py: no such file"),
    (["c.jsonl"], "a candidates file needs --tasks"),
    (["c.jsonl", "--tasks", "humaneval", "--analyzers", "ruff,flake9"], "unknown analyzer 'flake9'"),
    (["bad.jsonl", "--tasks", "humaneval"], "bad.jsonl:2: completion: must be a string, got int"),
    (["ok.py", "--tasks", "humaneval"], "--tasks applies to a candidates file only"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prog.xyz").write_text("x")
    (tmp_path / "ok.py").write_text(CLEAN)
    write_jsonl(tmp_path / "c.jsonl", [{"task_id": "HumanEval/0", "completion": "    return 1\n"}])
    (tmp_path / "bad.jsonl").write_text('{"task_id": "HumanEval/0", "completion": "x"}\n'
                                        '{"task_id": "HumanEval/0", "completion": 7}\n')
    result = runner.invoke(app, ["analyze", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
