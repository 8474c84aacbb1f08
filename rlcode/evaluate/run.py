"""``rlcode eval``: (generate →) score → metrics → gates, every stage resumable.

``evaluate_file`` takes a candidates file (scored in the sandboxes) or an already-scored file
(its rows are used as they are, never rescored), or a model (``rlcode generate`` first). Files
are written under ``out_dir``, named after their input, so re-running the same command resumes
where it stopped: generation counts the samples already there, scoring skips scored rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rlcode.candidates import load_candidates
from rlcode.errors import InputError, SandboxUnavailable, UsageError
from rlcode.evaluate.gates import Gate, check_gates
from rlcode.evaluate.metrics import EvalOptions, run_usage, evaluate_rows
from rlcode.extract import _defines
from rlcode.jsonl import read_jsonl
from rlcode.languages import language_names
from rlcode.records import Candidate, Task, Verdict
from rlcode.tasks import load_tasks

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class EvalRequest:
    tasks: str
    candidates: Path | None = None
    model: str | None = None
    out_dir: Path = Path("rlcode-eval")
    options: EvalOptions = field(default_factory=EvalOptions)
    gates: list[Gate] = field(default_factory=list)
    efficiency: bool = True  # run each task's canonical solution once, for the efficiency ratios


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip("/")).strip("_")[-80:] or "model"


def is_scored(path: Path, tasks: dict[str, Task]) -> list[dict] | None:
    """The rows of ``path`` when it is a scored file (its rows carry ``verdict``), else None."""
    rows: list[dict] = []
    for line, obj in read_jsonl(path):
        has = "verdict" in obj
        if not rows and not has:
            return None  # the first row decides: a candidates file
        if not has:
            raise InputError(str(path), line, "verdict", "missing: this file mixes scored and unscored rows",
                             hint="score it with rlcode score, or give the candidates file")
        if str(obj.get("task_id")) not in tasks:
            raise InputError(str(path), line, "task_id", f"unknown task_id {obj.get('task_id')!r} (not in the tasks)",
                             hint="check --tasks names the tasks these rows were scored against")
        if obj["verdict"] not in {v.value for v in Verdict}:
            raise InputError(str(path), line, "verdict", f"unknown verdict {obj['verdict']!r}")
        rows.append(obj)
    return rows or None


def canonical_candidate(task: Task) -> Candidate:
    """The reference solution as a candidate: a body for a prompt's stub (HumanEval), else a program."""
    text = task.canonical_solution or ""
    if task.buggy_code is None and task.prompt and task.kind != "io" and not _defines(text, task.entry_point,
                                                                                      task.language):
        return Candidate(task.task_id, "canonical", {}, completion=text)
    return Candidate(task.task_id, "canonical", {}, code=text)


def baselines(tasks: list[Task], settings, log: Callable[[str], None]) -> tuple[dict[str, dict], list[str]]:
    """Each task's canonical solution run once: {task_id: {cpu_s, peak_kb}} for those that
    pass, and the ids of those that do not (a task whose reference fails is worth knowing)."""
    from rlcode.scoring.scorer import Scorer

    tasks = [t for t in tasks if t.canonical_solution]
    if not tasks:
        return {}, []
    try:
        with Scorer(settings) as scorer:
            rows = scorer.map(scorer.jobs([(i, t, canonical_candidate(t)) for i, t in enumerate(tasks)]))
    except SandboxUnavailable as exc:
        log(f"efficiency left out: {exc.message}")
        return {}, []
    out, failing = {}, []
    for row in rows:
        if row.result.verdict is Verdict.PASSED:
            cpu, peak = run_usage(row.result.details)
            out[row.candidate.task_id] = {"cpu_s": cpu, "peak_kb": peak}
        elif row.result.verdict is not Verdict.SANDBOX_ERROR:
            failing.append(row.candidate.task_id)
    return out, sorted(failing)


def _generate(request: EvalRequest, settings, on_progress: Progress | None) -> Path:
    try:
        from rlcode.generate import generate_file
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UsageError(f"--model: generation is unavailable ({exc})",
                         hint="give --candidates FILE, or install rlcode with its generation backends") from None
    out = request.out_dir / f"{_slug(request.model or '')}.candidates.jsonl"
    update = (lambda done, total: on_progress("generating", done, total)) if on_progress else None
    generate_file(request.tasks, request.model or "", out, settings.generate, update, settings=settings)
    return out


def evaluate_file(request: EvalRequest, settings, on_progress: Progress | None = None,
                  log: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """The evaluation result (DESIGN.md "Evaluation results"), gates included."""
    if (request.candidates is None) == (request.model is None):
        raise UsageError("eval needs exactly one of --model and --candidates",
                         hint="rlcode eval --candidates scored.jsonl --tasks T, or --model M --tasks T")
    tasks = load_tasks(request.tasks, language_names())
    source: dict[str, Any] = {"tasks": request.tasks}
    if request.model is not None:
        request.out_dir.mkdir(parents=True, exist_ok=True)
        candidates = _generate(request, settings, on_progress)
        source["model"] = request.model
    else:
        candidates = request.candidates
        if not candidates.exists():
            raise InputError(str(candidates), None, None, "no such file")
    source["candidates"] = str(candidates)
    rows = is_scored(candidates, tasks)
    if rows is None:
        from rlcode.scoring.scorer import score_file

        load_candidates(candidates, tasks, language_names())  # a bad line stops here, before any output
        request.out_dir.mkdir(parents=True, exist_ok=True)
        stem = candidates.name
        for suffix in (".gz", ".jsonl", ".candidates", "-candidates", "_candidates"):
            stem = stem.removesuffix(suffix)
        scored = request.out_dir / f"{stem}.scored.jsonl"  # named after its input: a re-run resumes it
        update = (lambda done, total, _row: on_progress("scoring", done, total)) if on_progress else None
        score_file(candidates, request.tasks, scored, settings, update)
        rows = [obj for _, obj in read_jsonl(scored)]
        source["scored"] = str(scored)
    else:
        source["scored"] = str(candidates)
    base, failing = {}, []
    if request.efficiency:
        seen = {str(r.get("task_id")) for r in rows}
        base, failing = baselines([t for t in tasks.values() if t.task_id in seen], settings, log)
    result = evaluate_rows(rows, tasks, request.options, base)
    result["canonical"] = {"baselines": len(base), "failing": failing}
    result["source"] = source
    result["gates"] = check_gates(result, request.gates)
    return result
