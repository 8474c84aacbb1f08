"""``rlcode feedback …``: human feedback on scored candidates (store, review, serve, aggregation)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from rlcode import console

app = typer.Typer(no_args_is_help=True, help="Collect human feedback on scored candidates and turn it into reward.")

_DB_HELP = "feedback store: a SQLite path or sqlite:///PATH, or postgresql://... (default: [feedback] db, else ./feedback.sqlite)"
_CONFIG_HELP = "rlcode.toml (default: ./rlcode.toml if present); [feedback] db and rubric"


@contextmanager
def _open(db: Optional[str], config: Optional[Path]):
    """(store, settings) for ``--db``/``--config``; the store is closed on leaving."""
    from rlcode.feedback.store import open_store
    from rlcode.settings import load_settings

    settings = load_settings(config)
    with open_store(db, settings) as store:
        yield store, settings


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

    with _open(db, config) as (store, settings):
        added = load_scored(store, scored)
        if rater not in {r.name for r in store.raters()}:
            store.add_rater(rater)
            console.info(f"new annotator {rater}")
        summary = run_review(store, rater, tuple(settings.feedback.rubric))
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
    from rlcode.feedback.web.app import serve as run_server

    with _open(db, config) as (store, settings):
        if scored is not None:
            console.info(f"{load_scored(store, scored)} new items from {scored}")
        if not store.raters():
            console.warn("no annotators yet: nobody can log in (add one with `rlcode feedback raters add NAME`)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.warn(f"listening on {host} over plain HTTP: tokens and cookies cross the network unencrypted; "
                         "put a TLS proxy in front")
        console.info(f"serving on http://{host}:{port}/ (Ctrl-C stops)")
        run_server(store, host=host, port=port, rubric=tuple(settings.feedback.rubric))


# -- the store, aggregation, selection, import/export (core) ------------------------------------------
raters_app = typer.Typer(no_args_is_help=True, help="Annotators: names, roles (annotator, expert, admin), tokens.")
app.add_typer(raters_app, name="raters")


@raters_app.command("add")
def raters_add(
    name: str = typer.Argument(..., help="the annotator's name"),
    role: str = typer.Option("annotator", "--role", help="annotator, expert or admin"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Add an annotator and print its log-in token (shown once here; keep it)."""
    with _open(db, config) as (store, _):
        rater = store.add_rater(name, role)
    console.out.print(rater.token)
    console.info(f"added {rater.name} ({rater.role}); the line above is the token")


@raters_app.command("token")
def raters_token(
    name: str = typer.Argument(..., help="the annotator's name"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Issue a new log-in token for an annotator (the old one stops working): the store keeps only
    digests, so a lost token is replaced, never shown again."""
    with _open(db, config) as (store, _):
        rater = store.new_token(name)
    console.out.print(rater.token)
    console.info(f"new token for {rater.name} ({rater.role}); the old one no longer logs in")


@raters_app.command("list")
def raters_list(
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """List annotators and their roles."""
    with _open(db, config) as (store, _):
        rows = [[r.name, r.role] for r in store.raters()]
    console.out.print(console.simple_table("raters", ["rater", "role"], rows))


@app.command("add-items")
def add_items(
    scored: Path = typer.Argument(..., help="scored JSONL(.gz): its rows become items to review"),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="tasks file or built-in name, for the prompts"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Load scored rows as review items (idempotent: rows already there are kept as they are)."""
    from rlcode.jsonl import read_jsonl

    prompts = None
    if tasks:
        from rlcode.languages import language_names
        from rlcode.tasks import load_tasks

        prompts = {tid: t.prompt for tid, t in load_tasks(tasks, language_names()).items()}
    rows = [row for _, row in read_jsonl(scored)]
    with _open(db, config) as (store, _):
        new = store.add_items(rows, tasks=prompts, source=str(scored))
        total = len(store.items())
    console.out.print(f"{new} new items from {scored} ({total} in the store)")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="events: DESIGN.md JSONL, a Label Studio or an Argilla export"),
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl, label-studio or argilla (default: detected)"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Import feedback events (all or none; a file imported before is skipped)."""
    from rlcode.feedback.exchange import import_file

    with _open(db, config) as (store, _):
        n, new = import_file(store, file, fmt)
    console.out.print(f"{n} events imported from {file}" if new else f"{file} was imported before: nothing written")


@app.command("export")
def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (every event, every version) or trl-preference"),
    out: Optional[Path] = typer.Option(None, "--out", help="JSONL to write (default: stdout)"),
    hf_dataset: Optional[Path] = typer.Option(None, "--hf-dataset", help="also save a `datasets` folder "
                                                                          "(trl-preference)"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Export events, or TRL preference pairs (prompt, chosen, rejected, margin)."""
    import json
    import sys

    from rlcode.errors import UsageError
    from rlcode.feedback.exchange import export_events, preference_rows, save_hf_dataset
    from rlcode.jsonl import write_text_atomic

    if fmt not in ("jsonl", "trl-preference"):
        raise UsageError(f"--format: unknown format {fmt!r} (jsonl or trl-preference)")
    if hf_dataset is not None and fmt != "trl-preference":
        raise UsageError("--hf-dataset goes with --format trl-preference")
    with _open(db, config) as (store, settings):
        rows = export_events(store) if fmt == "jsonl" else preference_rows(store, settings.feedback.reliability_threshold)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
        console.info(f"wrote {len(rows)} rows to {out}")
    if hf_dataset is not None:
        save_hf_dataset(rows, hf_dataset)
        console.info(f"saved a datasets folder with {len(rows)} rows to {hf_dataset}")


@app.command()
def stats(
    json_out: bool = typer.Option(False, "--json", help="print the DESIGN.md stats object"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write a PNG of agreement and rater reliability"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Consensus per item, rater reliability (low ones reported) and Krippendorff's alpha."""
    from rlcode.feedback.aggregate import aggregate, plot_agreement

    with _open(db, config) as (store, settings):
        events = store.events()
        roles = {r.name: r.role for r in store.raters()}
    agg = aggregate(events, settings.feedback.reliability_threshold)
    if plot is not None:
        plot_agreement(agg, str(plot))
        console.info(f"wrote {plot}")
    if json_out:
        console.print_json(agg.to_json())
        return
    rows = [[r.rater, roles.get(r.rater, "-"), f"{r.reliability:.3f}" + ("" if r.estimated else " (prior)"),
             str(r.events), f"{r.gold_correct}/{r.gold}" if r.gold else "-", "LOW" if r.low else ""]
            for r in agg.raters]
    console.out.print(console.simple_table("raters", ["rater", "role", "reliability", "events", "gold", ""],
                                           rows, right=(2, 3, 4)))
    console.out.print(console.simple_table(
        "agreement (Krippendorff's alpha)", ["kind / dimension", "alpha"],
        [[k, "-" if v is None else f"{v:.3f}"] for k, v in agg.agreement.items()], right=(1,)))
    with_human = [i for i in agg.items if i.human is not None]
    mean = sum(i.human for i in with_human) / len(with_human) if with_human else None
    console.out.print(f"{len(agg.items)} items with feedback, {len(with_human)} with a human value"
                      + (f" (mean {mean:.3f})" if mean is not None else "") + f", {len(agg.pairs)} preference pairs")
    for r in agg.low:
        console.warn(f"rater {r.rater}: reliability {r.reliability:.3f} is below "
                     f"{settings.feedback.reliability_threshold}: down-weighted")


@app.command()
def queue(
    budget: int = typer.Option(..., "--budget", min=1, help="how many items to pick"),
    json_out: bool = typer.Option(False, "--json", help="print the picks as JSON"),
    calibration: float = typer.Option(0.1, "--calibration", min=0.0, max=1.0,
                                      help="share of the budget picked at random (calibration slice)"),
    seed: int = typer.Option(0, "--seed", help="seed of the random slice"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """The items most worth a human look next, each with its reason."""
    from rlcode.feedback.queue import build_queue
    from rlcode.feedback.rm import load_recorded_model

    with _open(db, config) as (store, settings):
        picks = build_queue(store, budget, calibration, seed, settings.feedback.reliability_threshold,
                            load_recorded_model(store))
    if json_out:
        console.print_json([p.to_json() for p in picks])
        return
    console.out.print(console.simple_table(
        "feedback queue", ["task", "candidate", "score", "reason"],
        [[p.task_id, p.candidate_id, f"{p.score:.3f}", p.reason] for p in picks], right=(2,)))


@app.command("train-rm")
def train_rm(
    model: str = typer.Option(..., "--model", help="base model (a local path or hub name) for the reward head"),
    out: Path = typer.Option(..., "--out", help="where the reward model (and rm.json, its report) goes"),
    heldout: float = typer.Option(0.2, "--heldout", min=0.0, max=0.9, help="share of human pairs held out"),
    epochs: float = typer.Option(3.0, "--epochs", min=0.1, help="training epochs"),
    lr: float = typer.Option(1e-3, "--lr", help="learning rate"),
    seed: int = typer.Option(0, "--seed", help="seed of the split and the head"),
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
) -> None:
    """Train a reward model on the preference pairs (TRL RewardTrainer); report held-out pairwise accuracy."""
    from dataclasses import asdict

    from rlcode.feedback.rm import train_reward_model

    console.quiet_libraries()
    with _open(db, config) as (store, settings):
        report = train_reward_model(store, model, out, heldout=heldout, epochs=epochs, lr=lr, seed=seed,
                                    threshold=settings.feedback.reliability_threshold, log=console.info)
    if json_out:
        console.print_json(asdict(report))
        return
    acc = "-" if report.heldout_accuracy is None else f"{report.heldout_accuracy:.3f}"
    console.out.print(f"reward model in {report.model}: {report.train} training pairs, held-out pairwise accuracy "
                      f"{acc} on {report.heldout} human pairs; `rlcode score --feedback` now predicts "
                      "components.human where no human looked")
