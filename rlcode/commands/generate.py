"""``rlcode generate``: parse, call ``generate_file``, render."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rlcode import console
from rlcode.generate import generate_file
from rlcode.settings import load_settings


def generate(
    tasks: str = typer.Option(..., "--tasks", help="tasks JSONL(.gz) or a built-in name (humaneval)"),
    model: str = typer.Option(..., "--model", help="a local model folder (hf, vllm) or the served model's name (openai)"),
    out: Path = typer.Option(..., "--out", help="candidates JSONL; re-running with the same path generates only what is missing"),
    n: Optional[int] = typer.Option(None, "--n", help="samples per task"),
    backend: Optional[str] = typer.Option(None, "--backend", help="hf (default), vllm or openai"),
    temperature: Optional[float] = typer.Option(None, "--temperature", help="0 for greedy decoding"),
    top_p: Optional[float] = typer.Option(None, "--top-p"),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="sequences per generate call"),
    seed: Optional[int] = typer.Option(None, "--seed"),
    chat: Optional[str] = typer.Option(None, "--chat", help="auto, always or never: the chat template for "
                                                             "instruction-style prompts"),
    language: Optional[str] = typer.Option(None, "--language", help="answer I/O tasks in this language"),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="openai: the server's address"),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", help="openai: requests in flight"),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="openai: seconds per request"),
    retries: Optional[int] = typer.Option(None, "--retries", help="openai: retries per request"),
    device: Optional[str] = typer.Option(None, "--device", help="hf: auto, cpu, cuda"),
    task_id: Optional[List[str]] = typer.Option(None, "--task-id", help="only these tasks (repeatable)"),
    config: Optional[Path] = typer.Option(None, "--config", help="rlcode.toml (default: ./rlcode.toml if present)"),
    json_out: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Sample candidate programs from a model for every task (resumable)."""
    settings = load_settings(config, {"generate": {
        "n": n, "backend": backend, "temperature": temperature, "top_p": top_p, "max_new_tokens": max_new_tokens,
        "batch_size": batch_size, "seed": seed, "chat": chat, "language": language, "base_url": base_url,
        "concurrency": concurrency, "timeout_s": timeout, "retries": retries, "device": device}})
    settings._log = console.info
    with console.progress_bar("generating", disable=quiet or json_out) as update:
        summary = generate_file(tasks, model, out, settings.generate, update, settings=settings, task_ids=task_id)
    if json_out:
        console.print_json(summary)
    else:
        console.out.print(f"{summary['generated_now']} samples generated, {summary['kept']} kept from before, "
                          f"{summary['tasks']} tasks; wrote {out}")
