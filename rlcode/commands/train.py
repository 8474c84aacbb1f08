"""``rlcode train``: parse, call ``rlcode.train.rounds.train``, render."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rlcode import console
from rlcode.settings import load_settings


def train(
    config: Optional[Path] = typer.Option(None, "--config", help="rlcode.toml with a [train] section"),
    model: Optional[str] = typer.Option(None, "--model", help="policy folder (overrides [train] model)"),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="training tasks"),
    heldout: Optional[str] = typer.Option(None, "--heldout", help="held-out tasks"),
    algorithm: Optional[str] = typer.Option(None, "--algorithm", help="grpo, rloo or ppo"),
    rounds: Optional[int] = typer.Option(None, "--rounds", help="RL rounds after round 0"),
    steps_per_round: Optional[int] = typer.Option(None, "--steps-per-round"),
    out_dir: Optional[str] = typer.Option(None, "--out-dir", help="run directory (re-running resumes it)"),
    learning_rate: Optional[float] = typer.Option(None, "--learning-rate"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="completions per step"),
    num_generations: Optional[int] = typer.Option(None, "--num-generations", help="completions per prompt"),
    lora: Optional[bool] = typer.Option(None, "--lora/--no-lora", help="train LoRA adapters (PEFT)"),
    seed: Optional[int] = typer.Option(None, "--seed"),
    backend: Optional[str] = typer.Option(None, "--backend", help="sandbox backend: docker (default) or local"),
    workers: Optional[int] = typer.Option(None, "--workers", help="warm sandboxes scoring completions"),
    json_out: bool = typer.Option(False, "--json", help="print every round's row as JSON at the end"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no per-round table"),
) -> None:
    """Fine-tune a policy in rounds with rlcode's reward (GRPO, RLOO or PPO); resumes a run directory."""
    from rlcode.train.rounds import is_main_process, train as run_training

    settings = load_settings(config, {
        "train": {"model": model, "tasks": tasks, "heldout": heldout, "algorithm": algorithm, "rounds": rounds,
                  "steps_per_round": steps_per_round, "out_dir": out_dir, "learning_rate": learning_rate,
                  "batch_size": batch_size, "num_generations": num_generations, "lora": lora, "seed": seed},
        "sandbox": {"backend": backend, "workers": workers}})
    settings._log = console.info
    console.quiet_libraries()
    main = is_main_process()  # under accelerate launch the first process reports for all of them
    show = not (quiet or json_out) and main
    with console.progress_bar("training", disable=not show) as update:
        def on_step(round_no: int, step: int, total: int) -> None:
            update(step, total, f"round {round_no}")

        rows = run_training(settings, on_round=console.round_line if show else None,
                            on_status=console.info if show else None, on_step=on_step if show else None)
    if not main:
        return
    if json_out:
        console.print_json(rows)
    else:
        console.out.print(console.rounds_table(rows))
        console.out.print(f"wrote {Path(settings.train.out_dir) / 'rounds.jsonl'}")
