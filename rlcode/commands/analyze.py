"""``rlcode analyze``: parse, call ``analyze_batch``, render."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from rlcode import console
from rlcode.analysis import ANALYZERS, AnalysisConfig, AnalysisResult, analyze_batch, summarize
from rlcode.analysis.inputs import load_inputs
from rlcode.errors import UsageError


def analyze(
    inputs: list[Path] = typer.Argument(..., help="source files (language from the extension) or a candidates JSONL"),
    tasks: str | None = typer.Option(None, "--tasks", help="tasks JSONL(.gz) or built-in name, with a candidates file"),
    analyzers: str = typer.Option("ruff,treesitter", "--analyzers", help=f"comma-separated, of: {', '.join(ANALYZERS)}"),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="result cache root (default ~/.cache/rlcode)"),
    no_cache: bool = typer.Option(False, "--no-cache", help="do not read or write the result cache"),
    jobs: int = typer.Option(2, "--jobs", min=1, help="tool processes in parallel (pylint)"),
    show_findings: bool = typer.Option(False, "--findings", help="list every finding, not only the counts"),
    json_out: bool = typer.Option(False, "--json", help="print results and summary as JSON"),
) -> None:
    """Static analysis of programs: findings, syntax validity, structure metrics and the static score."""
    names = [n.strip() for n in analyzers.split(",") if n.strip()]
    unknown = [n for n in names if n not in ANALYZERS]
    if unknown or not names:
        raise UsageError(f"--analyzers: unknown analyzer {unknown[0]!r}" if unknown else "--analyzers: none given",
                         hint=f"known: {', '.join(ANALYZERS)}")
    items = load_inputs(inputs, tasks)
    root = None if no_cache else (cache_dir or Path.home() / ".cache" / "rlcode")
    config = AnalysisConfig(cache_dir=root, jobs=jobs)
    results = analyze_batch(items, names, config, log=None if json_out else console.info)
    summary = summarize(results)
    if json_out:
        console.print_json({"results": [r.to_json() for r in results], "summary": summary})
        return
    console.out.print(results_table(results))
    if show_findings:
        console.out.print(findings_table(results))
    mean = summary["mean_score"]
    console.out.print(f"{summary['inputs']} programs, {summary['parse']} parse, {summary['do_not_parse']} do not; "
                      f"mean static score {'-' if mean is None else f'{mean:.4f}'}")


def _count(result: AnalysisResult, severity: str) -> str:
    return str(sum(f.severity.value == severity for f in result.findings))


def results_table(results: list[AnalysisResult]):
    rows = []
    for r in results:
        m = r.metrics
        parses = {True: "yes", False: "[red]no[/red]", None: "-"}[r.parses]
        rows.append([escape(r.name), r.language, parses, "-" if r.score is None else f"{r.score:.3f}",
                     *(_count(r, s) for s in ("error", "warning", "convention", "info")),
                     *([str(m.functions), str(m.max_nesting), str(m.cyclomatic), str(m.loc)] if m else ["-"] * 4)])
    columns = ["program", "lang", "parses", "score", "err", "warn", "conv", "info", "fns", "nest", "cc", "loc"]
    return console.simple_table("rlcode analyze", columns, rows, right=tuple(range(3, 12)))


def findings_table(results: list[AnalysisResult]):
    # Messages quote code and flags ("[rawtypes]", "x[i]"): printed as text, never as rich markup.
    rows = [[escape(r.name), str(f.line), f.severity.value, f.tool, escape(f.code), escape(f.message)]
            for r in results for f in r.findings]
    rows += [[escape(r.name), "-", "tool error", "", "", escape(e)] for r in results for e in r.errors]
    columns = ["program", "line", "severity", "tool", "code", "message"]
    return console.simple_table("findings", columns, rows, right=(1,))
