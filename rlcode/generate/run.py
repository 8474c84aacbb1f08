"""Generation runs: which samples are missing, in what batches, and rows written as they come.

``generate_file`` is ``rlcode generate``: resumable (it counts the rows each task already has in
``out`` and generates only the rest; a torn last line is cut), one batch written at a time.
``sample_rows`` is the same loop over in-memory work, used by ``rlcode train`` for held-out
evaluation with the live policy.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

from rlcode.errors import RlcodeError, UsageError
from rlcode.generate.backends import Generator, Request, open_generator
from rlcode.generate.options import GenerateOptions
from rlcode.generate.prompts import Prompt, build_prompt, failure_summary
from rlcode.jsonl import JsonlAppender, recover_output
from rlcode.languages import language_names
from rlcode.records import Candidate, Task
from rlcode.tasks import load_tasks

Work = tuple[Task, int]  # (task, sample index within the task)


def prompts_for(tasks: list[Task], options: GenerateOptions, chat_available: bool,
                failures: dict[str, str] | None = None) -> dict[str, Prompt]:
    chat = options.chat == "always" or (options.chat == "auto" and chat_available)
    prompts = {}
    for task in tasks:
        language = options.language if (options.language and task.kind == "io") else None
        prompts[task.task_id] = build_prompt(task, chat=chat, language=language,
                                             failure=(failures or {}).get(task.task_id))
    return prompts


def batches(work: list[Work], size: int) -> Iterator[list[Work]]:
    for i in range(0, len(work), size):
        yield work[i:i + size]


def _requests(chunk: list[Work], prompts: dict[str, Prompt]) -> list[tuple[Request, list[Work]]]:
    """Consecutive samples of one task become one request (``n`` samples of one prompt)."""
    groups: list[tuple[Request, list[Work]]] = []
    for task, k in chunk:
        if groups and groups[-1][1][0][0] is task:
            req, items = groups[-1]
            groups[-1] = (Request(req.prompt, req.count + 1, req.key), items + [(task, k)])
        else:
            groups.append((Request(prompts[task.task_id], 1, f"{task.task_id}#{k}"), [(task, k)]))
    return groups


def row_for(task: Task, k: int, text: str, prompt: Prompt, model_name: str, options: GenerateOptions) -> dict:
    row: dict[str, Any] = {"task_id": task.task_id, "candidate_id": str(k), prompt.answer: text}
    if prompt.language != task.language:
        row["language"] = prompt.language
    row["model"] = model_name
    row["sampling"] = {**options.sampling(), "prompt_style": prompt.style}
    row["raw"] = text
    return row


def sample_rows(generator: Generator, work: list[Work], prompts: dict[str, Prompt], model_name: str,
                options: GenerateOptions, batch_size: int | None = None) -> Iterator[list[dict]]:
    """Rows for ``work``, one list per batch, in the order of ``work``."""
    for chunk in batches(work, batch_size or options.batch_size):
        groups = _requests(chunk, prompts)
        texts = generator.generate([req for req, _ in groups])
        rows = []
        for (req, items), outs in zip(groups, texts):
            if len(outs) != len(items):
                raise RlcodeError(f"backend {generator.name} returned {len(outs)} samples for {len(items)}")
            rows += [row_for(task, k, text, req.prompt, model_name, options) for (task, k), text in zip(items, outs)]
        yield rows


def repair_failures(tasks: list[Task], settings) -> dict[str, str]:
    """What each repair task's buggy program prints when its tests run (for the repair prompt).
    Without a sandbox the prompts go without it, with a warning."""
    repairs = [t for t in tasks if t.buggy_code is not None]
    if not repairs or settings is None:
        return {}
    from rlcode.errors import SandboxUnavailable
    from rlcode.scoring.scorer import Scorer

    try:
        with Scorer(settings) as scorer:
            pairs = [(i, t, Candidate(t.task_id, "buggy", {}, code=t.buggy_code)) for i, t in enumerate(repairs)]
            rows = scorer.map(scorer.jobs(pairs))
    except SandboxUnavailable as exc:
        settings.log(f"repair prompts without test output: {exc.message}")
        return {}
    return {row.candidate.task_id: failure_summary(row.result.verdict.value, row.result.details)
            for row in rows if row.result.verdict.value != "passed"}


def generate_file(tasks_spec: str, model: str, out: str | Path, options: GenerateOptions,
                  on_progress: Callable[[int, int], None] | None = None, settings=None,
                  task_ids: list[str] | None = None) -> dict:
    """Write ``options.n`` samples per task to ``out``, skipping those already there."""
    tasks = load_tasks(tasks_spec, language_names())
    if task_ids:
        unknown = [t for t in task_ids if t not in tasks]
        if unknown:
            raise UsageError(f"--task-id {unknown[0]!r} is not in {tasks_spec}")
        tasks = {t: tasks[t] for t in task_ids}
    if options.language and options.language not in language_names():
        raise UsageError(f"--language: unknown language {options.language!r}",
                         hint=f"known: {', '.join(sorted(language_names()))}")
    existing, _ = recover_output(out, ("task_id", "candidate_id"))
    have = Counter(str(r.get("task_id")) for r in existing)
    work = [(task, k) for task in tasks.values() for k in range(have.get(task.task_id, 0), options.n)]
    total = options.n * len(tasks)
    done = total - len(work)
    started = time.perf_counter()
    written = 0
    if on_progress:
        on_progress(done, total)
    if work:
        generator = open_generator(model, options)
        try:
            failures = repair_failures([t for t in tasks.values() if have.get(t.task_id, 0) < options.n], settings)
            prompts = prompts_for(list(tasks.values()), options, generator.has_chat_template, failures)
            size = max(options.batch_size, options.concurrency) if options.backend == "openai" else options.batch_size
            with JsonlAppender(out) as sink:
                for rows in sample_rows(generator, work, prompts, model, options, size):
                    for row in rows:
                        sink.write(row)
                    written += len(rows)
                    if on_progress:
                        on_progress(done + written, total)
        finally:
            generator.close()
    elapsed = time.perf_counter() - started
    return {"tasks": len(tasks), "rows": done + written, "generated_now": written, "kept": done,
            "elapsed_s": round(elapsed, 3), "samples_per_s": round(written / elapsed, 2) if written and elapsed else None,
            "out": str(out)}
