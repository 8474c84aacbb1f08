"""``rlcode compare A.json B.json``: parse, call ``compare_results``, render."""

from __future__ import annotations

from pathlib import Path

import typer

from rlcode import console
from rlcode.evaluate.compare import CompareOptions, compare_results, load_result

MAX_ROWS = 30


def compare(
    a: Path = typer.Argument(..., help="the baseline: an rlcode eval --json result"),
    b: Path = typer.Argument(..., help="the candidate run, compared against A"),
    fail_on_regression: bool = typer.Option(False, "--fail-on-regression",
                                            help="exit 1 when B's pass@1 is significantly below A's"),
    alpha: float = typer.Option(0.05, "--alpha", min=0.0001, max=0.5, help="significance level"),
    bootstrap: int = typer.Option(2000, "--bootstrap", min=100, max=100000, help="paired bootstrap resamples"),
    seed: int = typer.Option(0, "--seed", help="seed of the bootstrap"),
    json_out: bool = typer.Option(False, "--json", help="print the comparison as JSON"),
    all_tasks: bool = typer.Option(False, "--all", help="list every paired task, not only those that changed"),
) -> None:
    """Two evaluations side by side: per-task differences, McNemar and a paired bootstrap."""
    result = compare_results(load_result(a), load_result(b), CompareOptions(alpha, bootstrap, seed))
    if json_out:
        console.print_json(result)
    else:
        render(result, a, b, all_tasks)
    if fail_on_regression and result["regression"]:
        d = result["pass@1"]
        console.err.print(f"regression: pass@1 {d['a']:.4f} -> {d['b']:.4f} ({d['delta']:+.4f}), "
                          f"{result['test']} p = {result['p']:.4g} < {alpha:g}", soft_wrap=True, markup=False)
        raise typer.Exit(1)


def render(result: dict, a: Path, b: Path, all_tasks: bool) -> None:
    changed = [t for t in result["tasks"] if all_tasks or t["change"] != "same"]
    rows = [[t["task_id"], t["language"] or "", f"{t['a']:.2f}", f"{t['b']:.2f}", f"{t['delta']:+.2f}", t["change"]]
            for t in sorted(changed, key=lambda t: t["delta"])[:MAX_ROWS]]
    if rows:
        console.out.print(console.simple_table(f"{len(changed)} tasks changed" if not all_tasks else "tasks",
                                               ["task", "language", "A", "B", "Δ", ""], rows, right=(2, 3, 4)))
    d, mc, bs = result["pass@1"], result["mcnemar"], result["bootstrap"]
    summary = [["paired tasks", str(result["paired_tasks"]), ""]]
    if d["a"] is not None:
        summary.append(["pass@1", f"{d['a']:.4f} -> {d['b']:.4f}", f"{d['delta']:+.4f}"])
    summary.append(["McNemar", f"A only {mc['a_only']}, B only {mc['b_only']}", f"p = {mc['p']:.4g}"])
    if bs["delta_ci"]:
        summary.append(["paired bootstrap", f"Δ in [{bs['delta_ci'][0]:+.4f}, {bs['delta_ci'][1]:+.4f}]",
                        f"p = {bs['p']:.4g}"])
    verdict = "REGRESSION" if result["regression"] else "improvement" if result["improvement"] else "no significant change"
    summary.append([f"verdict ({result['test']}, alpha {result['alpha']:g})", verdict, ""])
    console.out.print(console.simple_table(f"rlcode compare {a.name} {b.name}", ["", "value", ""], summary))
