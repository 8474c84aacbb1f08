"""``rlcode score``: candidates in, scored rows out, resumable, in input order."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rlcode.candidates import load_candidates
from rlcode.extract import build_program
from rlcode.jsonl import JsonlAppender, recover_output
from rlcode.languages import language_names
from rlcode.metrics import summarize
from rlcode.records import Candidate, ScoredRow, Task
from rlcode.reward.composite import CompositeReward
from rlcode.sandbox import open_backend
from rlcode.scoring.pool import ThreadExecutor, Worker
from rlcode.settings import Settings
from rlcode.tasks import load_tasks


@dataclass
class ScoreJob:
    index: int
    task: Task
    candidate: Candidate


def program_for(task: Task, cand: Candidate) -> tuple[str, str, dict]:
    """(language, code, extraction info) for one candidate."""
    language = cand.language or task.language
    program = build_program(task.prompt, task.entry_point, language, completion=cand.completion, code=cand.code)
    return language, program.code, {"mode": program.mode, "extracted": program.extracted}


def score_one(worker: Worker, job: ScoreJob, settings: Settings, reward: CompositeReward) -> ScoredRow:
    task, cand = job.task, job.candidate
    language, code, info = program_for(task, cand)
    limits = task.limits or settings.sandbox.limits()
    if task.limits:
        limits = type(limits)(limits.time_s, limits.memory_mb, settings.sandbox.output_kb, settings.sandbox.file_mb)
    result = worker.run(task, code, language, limits)
    result.details["program"] = info
    result.details["language"] = language
    value, components = reward(task, cand, result)
    return ScoredRow(cand, result, value, components)


def score_file(candidates: str | Path, tasks_spec: str, out: str | Path, settings: Settings,
               on_progress: Callable[[int, int, ScoredRow | None], None] | None = None) -> dict:
    """Score every candidate not already in ``out``; return the summary over the whole file."""
    tasks = load_tasks(tasks_spec, language_names())
    cands = load_candidates(candidates, tasks, language_names())
    existing, done = recover_output(out, ("task_id", "candidate_id"))
    jobs = [ScoreJob(i, tasks[c.task_id], c) for i, c in enumerate(cands) if (c.task_id, c.candidate_id) not in done]
    rows = list(existing)
    if on_progress:
        on_progress(0, len(jobs), None)
    started = time.perf_counter()
    scored = 0
    if jobs:
        reward = CompositeReward.from_settings(settings.reward)
        backend = open_backend(settings)
        pool = ThreadExecutor(settings.sandbox.workers, lambda: Worker(backend, settings.sandbox.retries))
        pending: dict[int, ScoredRow] = {}
        order = [j.index for j in jobs]
        next_pos = 0
        try:
            with JsonlAppender(out) as sink:
                try:
                    for job, row in pool.imap(jobs, lambda w, j: score_one(w, j, settings, reward)):
                        pending[job.index] = row
                        scored += 1
                        # Rows are written in input order, each as soon as all before it are done.
                        while next_pos < len(order) and order[next_pos] in pending:
                            data = pending.pop(order[next_pos]).to_json()
                            sink.write(data)
                            rows.append(data)
                            next_pos += 1
                        if on_progress:
                            on_progress(scored, len(jobs), row)
                finally:
                    # Interrupted: keep what finished out of order too; a re-run skips it.
                    for index in sorted(pending):
                        sink.write(pending[index].to_json())
        finally:
            backend.close()
    return summarize(rows, time.perf_counter() - started, scored)
