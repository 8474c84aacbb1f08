"""``rlcode eval``: parse, call ``evaluate_file``, write the reports, render, apply the gates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from rlcode import console
from rlcode.errors import UsageError
from rlcode.evaluate.gates import missed_lines, parse_gates
from rlcode.evaluate.metrics import EvalOptions
from rlcode.evaluate.reports import write_report
from rlcode.evaluate.reports.junit import write_junit
from rlcode.evaluate.reports.markdown import fmt
from rlcode.evaluate.run import EvalRequest, evaluate_file
from rlcode.settings import load_settings


def parse_ks(text: str) -> tuple[int, ...]:
    try:
        ks = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        ks = ()
    if not ks or ks[0] < 1:
        raise UsageError(f"--k {text!r}: expected positive integers separated by commas", hint="for example --k 1,10")
    return ks


def eval_(
    tasks: str = typer.Option(..., "--tasks", help="tasks JSONL(.gz) or a built-in name (humaneval, repair)"),
    candidates: Optional[Path] = typer.Option(None, "--candidates", help="a candidates file (scored here) or a "
                                              "scored file (used as it is): evaluate without a model"),
    model: Optional[str] = typer.Option(None, "--model", help="generate with this model first (see rlcode generate)"),
    n: Optional[int] = typer.Option(None, "--n", help="--model: samples per task"),
    k: str = typer.Option("1", "--k", help="pass@k for these k, e.g. 1,10"),
    fail_under: Optional[List[str]] = typer.Option(None, "--fail-under", metavar="METRIC=THRESHOLD",
                                                   help="CI gate, repeatable: exit 1 when METRIC < THRESHOLD "
                                                        "(pass@1, compile_rate, mean_reward, repair.fix_rate, "
                                                        "by_language.LANG.pass@1, ...)"),
    fail_over: Optional[List[str]] = typer.Option(None, "--fail-over", metavar="METRIC=THRESHOLD",
                                                  help="CI gate, repeatable: exit 1 when METRIC > THRESHOLD "
                                                       "(repair.regression_rate, repair.mean_changed_lines, "
                                                       "efficiency.time_ratio, ...)"),
    junit: Optional[Path] = typer.Option(None, "--junit", help="write a JUnit XML report (one test case per task)"),
    report: Optional[List[Path]] = typer.Option(None, "--report", help="write report.html (plots, offline) or "
                                                "report.md (a pull-request comment); repeatable"),
    json_file: Optional[Path] = typer.Option(None, "--json", help="write the evaluation results as JSON"),
    out_dir: Path = typer.Option(Path("rlcode-eval"), "--out-dir", help="where generated and scored rows go; "
                                 "re-running with the same folder resumes"),
    backend: Optional[str] = typer.Option(None, "--backend", help="sandbox: docker (default) or local"),
    workers: Optional[int] = typer.Option(None, "--workers", help="parallel warm sandboxes"),
    generator: Optional[str] = typer.Option(None, "--generator", help="--model: hf (default), vllm or openai"),
    temperature: Optional[float] = typer.Option(None, "--temperature", help="--model: 0 for greedy decoding"),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="--model: tokens per sample"),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="--model with openai: the server's address"),
    seed: int = typer.Option(0, "--seed", help="seed of the bootstrap (and of generation)"),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=100, max=100000, help="bootstrap resamples"),
    confidence: float = typer.Option(0.95, "--confidence", min=0.5, max=0.999, help="interval coverage"),
    efficiency: bool = typer.Option(True, "--efficiency/--no-efficiency",
                                    help="run each task's canonical solution once for time and memory ratios"),
    no_static: bool = typer.Option(False, "--no-static", help="skip static analysis (no static component)"),
    config: Optional[Path] = typer.Option(None, "--config", help="rlcode.toml (default: ./rlcode.toml if present)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar, no table"),
) -> None:
    """Evaluate a model or a candidates file: pass@k with intervals, compile rate, verdicts, rewards,
    repair figures; CI gates (exit 1 when one is missed) and JUnit/Markdown/HTML reports."""
    ks = parse_ks(k)
    # an unknown metric stops here (exit 2), before anything runs
    gates = parse_gates(fail_under, ks) + parse_gates(fail_over, ks, "--fail-over")
    if model is not None and n is not None and ks[-1] > n:
        raise UsageError(f"--k {ks[-1]} needs at least that many samples per task (--n {n})",
                         hint=f"add --n {ks[-1]}")
    generate = {"n": n if n is not None else (ks[-1] if model else None), "backend": generator,
                "temperature": temperature, "max_new_tokens": max_new_tokens, "base_url": base_url,
                "seed": seed if model else None}
    settings = load_settings(config, {"sandbox": {"backend": backend, "workers": workers},
                                      "analysis": {"enabled": False if no_static else None},
                                      "generate": generate if model else {}})
    settings._log = console.info
    request = EvalRequest(tasks, candidates, model, out_dir, EvalOptions(ks, confidence, bootstrap, seed), gates,
                          efficiency)
    with console.progress_bar("evaluating", disable=quiet) as update:
        result = evaluate_file(request, settings, lambda stage, done, total: update(done, total, stage), console.info)
    if json_file:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    if junit:
        write_junit(result, junit)
    for path in report or []:
        write_report(result, path)
    if not quiet:
        render(result)
    missed = missed_lines(result["gates"])
    for line in missed:
        console.err.print(line, soft_wrap=True, markup=False)
    if missed:
        raise typer.Exit(1)


def render(result: dict) -> None:
    m = result["metrics"]
    rows = []
    for kk in result["k"]:
        interval = m.get(f"pass@{kk}_ci")
        rows.append([f"pass@{kk}", fmt(m.get(f"pass@{kk}")), f"[{interval[0]:.4f}, {interval[1]:.4f}]" if interval else ""])
    rows += [["compile rate", fmt(m.get("compile_rate")), ""], ["mean reward", fmt(m.get("mean_reward")), ""]]
    rows += [[f"  {name}", fmt(value), ""] for name, value in (m.get("components") or {}).items() if value is not None]
    if m.get("efficiency"):
        rows.append(["time / canonical", fmt(m["efficiency"].get("time_ratio")), ""])
        rows.append(["memory / canonical", fmt(m["efficiency"].get("memory_ratio")), ""])
    rows += [[f"  {v}", str(c), ""] for v, c in m["verdicts"].items() if c]
    for name, value in (result.get("repair") or {}).items():
        rows.append([f"repair {name.replace('_', ' ')}", fmt(value), ""])
    for g in result["gates"]:
        rows.append([f"gate {g['metric']} {g.get('op', '>=')} {g['threshold']:g}", fmt(g["value"]),
                     "met" if g["ok"] else "MISSED"])
    title = f"rlcode eval: {m['tasks']} tasks, {m['candidates']} candidates"
    console.out.print(console.simple_table(title, ["metric", "value", "interval / gate"], rows, right=(1,)))
    if result.get("missing_tasks"):
        console.warn(f"{len(result['missing_tasks'])} tasks have no candidates (left out of every figure)")
    failing = (result.get("canonical") or {}).get("failing")
    if failing:
        console.warn(f"canonical solution fails its own tests: {', '.join(failing[:5])}")
