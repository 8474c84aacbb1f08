"""``rlcode feedback …``: human feedback on scored candidates (store, review, serve, aggregation)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rlcode import console

app = typer.Typer(no_args_is_help=True, help="Collect human feedback on scored candidates and turn it into reward.")

_DB_HELP = "feedback store: a SQLite path or sqlite:///PATH, or postgresql://... (default: [feedback] db, else ./feedback.sqlite)"
_CONFIG_HELP = "rlcode.toml (default: ./rlcode.toml if present); [feedback] db and rubric"


@app.command()
def review(
    scored: Path = typer.Argument(..., help="scored JSONL(.gz) whose rows become items to review"),
    rater: str = typer.Option(..., "--rater", help="your annotator name (added as an annotator if new)"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Review candidates in the terminal: p/f judge, 1-5 rate, a annotate lines, s skip, q quit."""
    from rlcode.feedback.itemview import load_scored
    from rlcode.feedback.review import run_review
    from rlcode.feedback.store import open_store
    from rlcode.settings import load_settings

    settings = load_settings(config)
    store = open_store(db, settings)
    try:
        added = load_scored(store, scored)
        if rater not in {r.name for r in store.raters()}:
            store.add_rater(rater)
            console.info(f"new annotator {rater}")
        summary = run_review(store, rater, tuple(settings.feedback.rubric))
    finally:
        store.close()
    console.out.print(f"{summary.events} events written ({summary.judged} judged, {summary.skipped} skipped); "
                      f"{added} new items loaded; run the same command to continue")


@app.command()
def serve(
    scored: Optional[Path] = typer.Argument(None, help="scored JSONL(.gz) to add as items first (optional)"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8765, "--port", help="port to listen on"),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Serve the review as web pages for a team: log in with an annotator token."""
    from rlcode.feedback.itemview import load_scored
    from rlcode.feedback.store import open_store
    from rlcode.feedback.web.app import serve as run_server
    from rlcode.settings import load_settings

    settings = load_settings(config)
    store = open_store(db, settings)
    try:
        if scored is not None:
            console.info(f"{load_scored(store, scored)} new items from {scored}")
        if not store.raters():
            console.warn("no annotators yet: nobody can log in (add one with `rlcode feedback raters add NAME`)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.warn(f"listening on {host} over plain HTTP: tokens and cookies cross the network unencrypted; "
                         "put a TLS proxy in front")
        console.info(f"serving on http://{host}:{port}/ (Ctrl-C stops)")
        run_server(store, host=host, port=port, rubric=tuple(settings.feedback.rubric))
    finally:
        store.close()
