"""Analyzer throughput on the programs of the 656-sample HumanEval mix, each against a baseline.

Measured in one run, in files per second (every candidate counts, duplicates included):

* ruff        batched: one ruff process for the batch      baseline: one ruff process per file
* pylint      1 process (identical programs checked once);  baseline: one pylint process over every
              2 processes, cold cache; then warm cache      file, no cache (what ``pylint *.py`` does)
* treesitter  parse + findings + metrics in process         baseline: ``ast.parse`` + ``ast.walk``
                                                            (Python's own parser, no metrics)

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--limit N] [--jobs 2]``. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlcode import console
from rlcode.analysis import AnalysisConfig, AnalysisInput
from rlcode.analysis.lint_pylint import PylintAnalyzer
from rlcode.analysis.lint_ruff import RuffAnalyzer
from rlcode.analysis.treesitter import TreeSitterAnalyzer
from rlcode.candidates import load_candidates
from rlcode.scoring.scorer import program_for
from rlcode.tasks import load_tasks

MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"


def programs(limit: int | None) -> list[AnalysisInput]:
    tasks = load_tasks("humaneval")
    cands = load_candidates(MIX, tasks, {"python"})[:limit]
    items = []
    for cand in cands:
        language, code, _ = program_for(tasks[cand.task_id], cand)
        items.append(AnalysisInput(language, code, f"{cand.task_id}#{cand.candidate_id}"))
    return items


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def write_all(items: list[AnalysisInput], directory: str) -> list[str]:
    paths = []
    for i, item in enumerate(items):
        path = os.path.join(directory, f"p{i}.py")
        Path(path).write_text(item.code, encoding="utf-8")
        paths.append(path)
    return paths


def ruff_per_file(ruff: RuffAnalyzer, paths: list[str]) -> None:
    for path in paths:
        subprocess.run(ruff.command([path]), capture_output=True, check=True)


def pylint_naive(paths: list[str], disable: tuple[str, ...]) -> None:
    subprocess.run([sys.executable, "-m", "pylint", "--output-format=json", "--persistent=n", "--score=n",
                    "--disable=" + ",".join(disable), *paths], check=False, capture_output=True)


def ast_baseline(items: list[AnalysisInput]) -> None:
    for item in items:
        try:
            sum(1 for _ in ast.walk(ast.parse(item.code)))
        except SyntaxError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N candidates only")
    parser.add_argument("--jobs", type=int, default=2, help="pylint processes")
    args = parser.parse_args()
    items = programs(args.limit)
    n = len(items)
    console.info(f"{n} programs ({len({i.code for i in items})} distinct)")
    rows: list[tuple[str, str, float, float | None]] = []  # analyzer, variant, seconds, baseline seconds
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_all(items, tmp)
        ruff = RuffAnalyzer()
        base = timed(lambda: ruff_per_file(ruff, paths))
        rows.append(("ruff", "baseline: one process per file", base, None))
        rows.append(("ruff", "batched: one process", timed(lambda: ruff.analyze(items)), base))

        config = AnalysisConfig(cache_dir=Path(tmp) / "cache", jobs=args.jobs)
        base = timed(lambda: pylint_naive(paths, config.pylint_disable))
        rows.append(("pylint", "baseline: one process, no cache", base, None))
        serial = PylintAnalyzer(AnalysisConfig(cache_dir=None, jobs=1))
        rows.append(("pylint", "1 process, deduplicated, no cache", timed(lambda: serial.analyze(items)), base))
        pylint = PylintAnalyzer(config)
        rows.append(("pylint", f"{args.jobs} processes, cold cache", timed(lambda: pylint.analyze(items)), base))
        rows.append(("pylint", f"{args.jobs} processes, warm cache", timed(lambda: pylint.analyze(items)), base))

    base = timed(lambda: ast_baseline(items))
    rows.append(("treesitter", "baseline: ast.parse + ast.walk", base, None))
    treesitter = TreeSitterAnalyzer()
    treesitter.analyze(items[:1])  # grammar load is a one-off, not per file
    rows.append(("treesitter", "parse + findings + metrics", timed(lambda: treesitter.analyze(items)), base))

    table = [[name, variant, str(n), f"{secs:.2f}", f"{n / secs:,.0f}",
              "" if b is None else f"{b / secs:.1f}x"] for name, variant, secs, b in rows]
    console.out.print(console.simple_table("analyzer throughput (humaneval_mix)",
                                           ["analyzer", "variant", "files", "seconds", "files/s", "vs baseline"],
                                           table, right=(2, 3, 4, 5)))


if __name__ == "__main__":
    main()
