"""The Ray executor against the in-process ThreadExecutor on the 656-sample HumanEval mix, one machine.

Both executors get the same ``sandbox.workers`` warm sandboxes (2 unless ``--workers``) on the same
cores, with the result cache off (every sample executes); the Ray side is a local single-node Ray
instance (``num_cpus = workers``, each actor reserving one CPU). What differs is only the engine:
ThreadExecutor calls its Workers in this process; RayExecutor sends each candidate to an actor
process and gets its result back (a task pickled there, an ExecutionResult pickled back). In
alternating rounds, medians reported:

* warm: a persistent ``Scorer`` scoring the mix again (containers and judges ready), as a
        trainer's reward function does every step; the engine's overhead as a throughput ratio
        (ray / threads; "paired" is the median of each round's own ratio, which cancels drift);
* cold: ``score_file`` end to end (actors or workers created, containers started, judges built).

Also printed: CPU per candidate of the whole machine (from /proc/stat, so other processes on it
count too) and of this process, the cost that ``docs/scale-out.md`` scales to N nodes.

Run: ``.venv/bin/python benchmarks/bench_ray.py [--workers 2] [--rounds 3]``. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import ray

from rlcode.candidates import load_candidates
from rlcode.languages import language_names
from rlcode.scoring.scorer import Scorer, score_file
from rlcode.settings import load_settings
from rlcode.tasks import load_tasks

MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"


def busy_seconds() -> float:
    """CPU seconds spent by the whole machine (all cores, not idle or iowait) so far."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(fn) -> tuple[float, float, float]:
    """(wall s, machine CPU s, this process's CPU s) of ``fn()``."""
    busy, own, started = busy_seconds(), time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - started, busy_seconds() - busy, time.process_time() - own


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rlcode-bench-ray-"))
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a loopback-only instance: no token left in ~/.ray
    ray.init(num_cpus=args.workers, object_store_memory=200 << 20, include_dashboard=False,
             logging_level=logging.ERROR, log_to_driver=False, _temp_dir=str(tmp / "ray"))
    try:
        base = {"workers": args.workers, "cache": False, "cpus": 1.0}
        settings = {name: load_settings(None, {"sandbox": dict(base, executor=name), "analysis": {"enabled": False}})
                    for name in ("threads", "ray")}
        tasks = load_tasks("humaneval", language_names())
        cands = load_candidates(MIX, tasks, language_names())
        n = len(cands)
        pairs = [(i, tasks[c.task_id], c) for i, c in enumerate(cands)]
        warm: dict[str, list[tuple[float, float, float]]] = {k: [] for k in settings}
        cold: dict[str, list[float]] = {k: [] for k in settings}
        passed = {}
        with Scorer(settings["threads"]) as threads, Scorer(settings["ray"]) as on_ray:
            scorers = {"threads": threads, "ray": on_ray}
            jobs = {k: s.jobs(pairs) for k, s in scorers.items()}
            for k, s in scorers.items():  # containers started and judges built outside the timing
                rows = s.map(jobs[k])
                passed[k] = sum(r.result.verdict.value == "passed" for r in rows)
            for r in range(args.rounds):
                order = ("threads", "ray") if r % 2 == 0 else ("ray", "threads")
                for k in order:
                    warm[k].append(timed(lambda k=k: scorers[k].map(jobs[k])))
                    time.sleep(0.3)
        for r in range(args.rounds):
            for k in (("threads", "ray") if r % 2 == 0 else ("ray", "threads")):
                out = tmp / f"cold-{k}-{r}.jsonl"
                cold[k].append(timed(lambda k=k, out=out: score_file(MIX, "humaneval", out, settings[k]))[0])
                time.sleep(0.5)
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"HumanEval mix: {n} samples, {args.workers} workers, {args.rounds} rounds, result cache off; "
          f"passed: threads {passed['threads']}, ray {passed['ray']}")
    for k in settings:
        wall = statistics.median(w for w, _, _ in warm[k])
        machine = statistics.median(m for _, m, _ in warm[k])
        own = statistics.median(o for _, _, o in warm[k])
        print(f"  warm {k:8s} {n / wall:7.1f} cand/s  (median {wall:.2f} s; CPU per candidate: machine "
              f"{1000 * machine / n:.2f} ms, this process {1000 * own / n:.2f} ms)")
    ratio = statistics.median(n / w for w, _, _ in warm["ray"]) / statistics.median(n / w for w, _, _ in warm["threads"])
    paired = statistics.median(t[0] / r_[0] for t, r_ in zip(warm["threads"], warm["ray"]))
    print(f"  warm throughput ray / threads: {ratio:.2f}x (paired {paired:.2f}x)")
    for k in settings:
        wall = statistics.median(cold[k])
        print(f"  cold {k:8s} {n / wall:7.1f} cand/s  (score_file end to end, median {wall:.2f} s)")
    print(f"  cold throughput ray / threads: {statistics.median(cold['threads']) / statistics.median(cold['ray']):.2f}x")


if __name__ == "__main__":
    main()
