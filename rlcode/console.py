"""The one module that owns consoles, progress bars and tables."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def info(message: str) -> None:
    err.print(f"[dim]{message}[/dim]")


def warn(message: str) -> None:
    err.print(f"[bold yellow]warning:[/bold yellow] {message}")


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    sys.stdout.flush()


@contextmanager
def progress_bar(description: str, disable: bool = False) -> Iterator:
    """Yields ``update(done, total)``; drawn on stderr so stdout stays machine-readable."""
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=err, disable=disable or not err.is_terminal, transient=False)
    task = progress.add_task(description, total=None, rate="")
    with progress:
        def update(done: int, total: int, rate: str = "") -> None:
            progress.update(task, completed=done, total=total, rate=rate)

        yield update


def score_summary_table(summary: dict) -> Table:
    table = Table(title="rlcode score", show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("candidates", str(summary["candidates"]))
    table.add_row("tasks", str(summary["tasks"]))
    for verdict, count in summary["verdicts"].items():
        if count:
            table.add_row(f"  {verdict}", str(count))
    for k, v in summary["pass_at_k"].items():
        table.add_row(k, f"{v:.4f}")
    if summary.get("mean_reward") is not None:
        table.add_row("mean reward", f"{summary['mean_reward']:.4f}")
    if summary.get("candidates_per_s") is not None:
        table.add_row("scored now", str(summary["scored_now"]))
        table.add_row("throughput", f"{summary['candidates_per_s']:.1f} candidates/s")
    return table


def checks_table(title: str, rows: list[tuple[str, bool | None, str]]) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("check")
    table.add_column("ok", justify="center")
    table.add_column("detail")
    for name, ok, detail in rows:
        mark = "[green]yes[/green]" if ok else ("[red]no[/red]" if ok is False else "-")
        table.add_row(name, mark, detail)
    return table


def simple_table(title: str, columns: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    for i, c in enumerate(columns):
        table.add_column(c, justify="right" if i in right else "left")
    for r in rows:
        table.add_row(*r)
    return table


def quiet_libraries() -> None:
    """transformers' and datasets' own progress bars and advice stay off our stderr."""
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - without the train extra
        pass
    try:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass


def _fmt(value, digits: int = 3) -> str:
    return "-" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def round_line(row: dict) -> None:
    heldout, train = row.get("heldout") or {}, row.get("train") or {}
    err.print(f"[bold]round {row['round']}[/bold]: held-out pass@1 {_fmt(heldout.get('pass@1'))}"
              f", train reward {_fmt(train.get('mean_reward'))}, masked {train.get('masked', '-')}"
              f", flagged {train.get('flagged', '-')}, {_fmt(row.get('time_s'), 1)} s")


def rounds_table(rows: list[dict]) -> Table:
    table = Table(title="rlcode train", show_header=True, header_style="bold")
    for i, c in enumerate(["round", "held-out pass@1", "held-out reward", "train reward", "train pass rate",
                           "masked", "flagged", "time s"]):
        table.add_column(c, justify="right" if i else "left")
    for row in rows:
        heldout, train = row.get("heldout") or {}, row.get("train") or {}
        table.add_row(str(row["round"]), _fmt(heldout.get("pass@1")), _fmt(heldout.get("mean_reward")),
                      _fmt(train.get("mean_reward")), _fmt(train.get("pass_rate")), _fmt(train.get("masked")),
                      _fmt(train.get("flagged")), _fmt(row.get("time_s"), 1))
    return table
