"""Write throughput of the feedback store itself (no web server): W writer threads each append
events one at a time (one INSERT and commit per event, as the review and the server do), then
one import-sized batch (``add_events``: one transaction). Per database, events per second and
the count found afterwards (it must equal the count written), plus the time ``aggregate`` takes
on what was written.

Run: ``.venv/bin/python benchmarks/bench_feedback_store.py [--writers 8] [--events 200]
[--batch 5000] [--pg postgresql://...]`` (default for --pg: $RLCODE_TEST_PG_URL; PostgreSQL is
skipped without one; the run uses a scratch database beside it and drops it)."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from bench_feedback_server import scratch_database  # benchmarks/ is sys.path[0] when run as a script

from rlcode.feedback.aggregate import aggregate
from rlcode.feedback.events import FeedbackEvent
from rlcode.feedback.store import FeedbackStore


def event(w: int, j: int) -> FeedbackEvent:
    return FeedbackEvent(f"B/{j % 50}", f"rater{w}", "judgement", candidate_id=str(j % 7),
                         value="pass" if (w + j) % 3 else "fail")


def run(url: str, writers: int, per: int, batch: int) -> dict:
    store = FeedbackStore(url)
    start = threading.Barrier(writers + 1)

    def write(w: int) -> None:
        start.wait()
        for j in range(per):
            store.add_event(event(w, j))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    single = writers * per / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    store.add_events([event(writers + j % 5, j) for j in range(batch)])
    batched = batch / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    events = store.events()
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    aggregate(events)
    agg_s = time.perf_counter() - t0
    found = store.count_events()
    store.close()
    return {"single": single, "batched": batched, "found": found, "expected": writers * per + batch,
            "read_s": read_s, "aggregate_s": agg_s}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--events", type=int, default=200, help="events per writer")
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--pg", default=os.environ.get("RLCODE_TEST_PG_URL"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        results = {"sqlite": run(str(Path(d) / "bench.sqlite"), a.writers, a.events, a.batch)}
    if a.pg:
        with scratch_database(a.pg) as url:
            results["postgresql"] = run(url, a.writers, a.events, a.batch)
    else:
        print("postgresql: skipped (no --pg and no RLCODE_TEST_PG_URL)")
    for name, r in results.items():
        ok = "ok" if r["found"] == r["expected"] else f"MISMATCH (expected {r['expected']})"
        print(f"{name:10} {a.writers} writers x {a.events} single-event commits: {r['single']:7.0f} events/s; "
              f"one {a.batch}-event import: {r['batched']:7.0f} events/s; {r['found']} in the store ({ok}); "
              f"read all {r['read_s']:.2f} s, aggregate {r['aggregate_s']:.2f} s")


if __name__ == "__main__":
    main()
