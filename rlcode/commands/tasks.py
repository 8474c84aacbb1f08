"""``rlcode tasks …``: work on task sets themselves (``augment``: stronger tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rlcode import console

app = typer.Typer(no_args_is_help=True, help="Work on task sets: stronger tests for tasks with a canonical solution.")


@app.command()
def augment(
    tasks: str = typer.Argument(..., help="tasks JSONL(.gz) or a built-in name (humaneval)"),
    out: Path = typer.Option(..., "--out", help="augmented tasks JSONL; re-running with the same path resumes"),
    per_task: int = typer.Option(100, "--per-task", help="inputs drawn per task (Hypothesis) before the reduction"),
    mutants: int = typer.Option(20, "--mutants", help="mutants of each canonical solution that choose the kept inputs"),
    max_new: int = typer.Option(20, "--max-new", help="new tests kept per task at most"),
    min_new: int = typer.Option(0, "--min-new", help="new tests kept per task at least (the cover filled up with "
                                                     "inputs in draw order)"),
    seed: int = typer.Option(0, "--seed", help="seed of the input draws and the mutant choice"),
    limit: Optional[int] = typer.Option(None, "--limit", help="only the first LIMIT tasks"),
    backend: Optional[str] = typer.Option(None, "--backend", help="docker (default) or local"),
    workers: Optional[int] = typer.Option(None, "--workers", help="parallel warm sandboxes"),
    config: Optional[Path] = typer.Option(None, "--config", help="rlcode.toml (default: ./rlcode.toml if present)"),
    json_out: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Add fn_tests that kill mutants the original tests miss (expected values: the canonical solution, in the sandbox)."""
    from rlcode.errors import UsageError
    from rlcode.settings import load_settings

    try:
        from rlcode.augment.run import AugmentOptions, augment_file
    except ImportError as exc:  # hypothesis is an optional extra
        raise UsageError(f"rlcode tasks augment needs Hypothesis ({exc})", hint='pip install "rlcode[augment]"') from None

    options = AugmentOptions(per_task=per_task, mutants=mutants, max_new=max_new, min_new=min_new, seed=seed, limit=limit)
    settings = load_settings(config, {"sandbox": {"backend": backend, "workers": workers}})
    with console.progress_bar("augmenting", disable=quiet or json_out) as update:
        summary = augment_file(tasks, out, settings, options, on_progress=update)
    summary["out"] = str(out)
    if json_out:
        console.print_json(summary)
        return
    console.out.print(
        f"{summary['augmented']} of {summary['tasks']} tasks augmented ({summary['skipped']} left as they were), "
        f"{summary['added']} tests added to {summary['original_tests']} original ones")
    share = summary["killed_only_by_augmented_share"]
    console.out.print(
        f"mutants: {summary['mutants']}, killed by the original tests {summary['killed_by_original']}, "
        f"survivors {summary['survivors']}, of which the added tests kill {summary['killed_only_by_augmented']}"
        + (f" ({share:.1%})" if share is not None else ""))
    for reason, n in sorted(summary["skipped_reasons"].items(), key=lambda kv: -kv[1]):
        console.info(f"  skipped {n}: {reason}")
    console.out.print(f"wrote {out}")
