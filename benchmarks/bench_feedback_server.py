"""Write throughput of ``rlcode feedback serve``: N annotators (threads, one HTTP client and session
each) post comments at once through a real uvicorn on 127.0.0.1; each accepted post is one event.
Reported per database in events per second (wall time from the start signal to the last reply),
with the count found in the store afterwards (it must equal the count posted).

Run: ``.venv/bin/python benchmarks/bench_feedback_server.py [--annotators 20] [--events 25]
[--pg postgresql://...]`` (default for --pg: $RLCODE_TEST_PG_URL; PostgreSQL is skipped without
one; the run uses a scratch database beside that one and drops it). The client threads share the machine with the server, so the figure is a lower bound.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx

from rlcode import console
from rlcode.feedback.store import open_store
from rlcode.feedback.web.app import BackgroundServer

ROW = {"task_id": "B/0", "candidate_id": "0", "language": "python", "prompt": "def f(x):\n",
       "code": "def f(x):\n    return x\n", "verdict": "passed", "tests_passed": 1, "tests_total": 1,
       "reward": 1.0, "details": {}}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _annotator(url: str, token: str, n: int, start: threading.Barrier, bad: list) -> None:
    with httpx.Client(base_url=url, timeout=120) as c:
        c.post("/login", data={"token": token, "csrf": _csrf(c.get("/login").text)})
        csrf = _csrf(c.get("/items").text)
        start.wait()
        for i in range(n):
            r = c.post("/comment", data={"task": "B/0", "candidate": "0", "text": f"{token[:6]} {i}", "csrf": csrf})
            if r.status_code != 303:
                bad.append(r.status_code)


def measure(url_of_store: str, annotators: int, events: int) -> tuple[float, int, int]:
    """(events/s, events posted, events found in the store)."""
    store = open_store(url_of_store)
    try:
        store.add_items([ROW])
        raters = [store.add_rater(f"annotator{n:02d}") for n in range(annotators)]
        start, bad = threading.Barrier(annotators + 1), []
        with BackgroundServer(store) as url:
            threads = [threading.Thread(target=_annotator, args=(url, r.token, events, start, bad)) for r in raters]
            for t in threads:
                t.start()
            start.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
        posted = annotators * events - len(bad)
        return posted / elapsed, annotators * events, len(store.events())
    finally:
        store.close()


@contextmanager
def scratch_database(base: str):
    """A new PostgreSQL database beside ``base``'s, dropped afterwards: the run leaves nothing behind."""
    import psycopg

    name = f"rlcode_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--annotators", type=int, default=20)
    ap.add_argument("--events", type=int, default=25, help="events each annotator posts")
    ap.add_argument("--pg", default=os.environ.get("RLCODE_TEST_PG_URL"), help="PostgreSQL URL")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rate, posted, found = measure(str(Path(tmp) / "bench.sqlite"), args.annotators, args.events)
        rows.append(["sqlite", str(args.annotators), str(posted), str(found), f"{rate:.0f}"])
    if args.pg:
        with scratch_database(args.pg) as url:
            rate, posted, found = measure(url, args.annotators, args.events)
        rows.append(["postgresql", str(args.annotators), str(posted), str(found), f"{rate:.0f}"])
    console.out.print(console.simple_table("feedback server writes", ["database", "annotators", "posted", "in store",
                                                                      "events/s"], rows, right=(1, 2, 3, 4)))
    if not args.pg:
        console.info("PostgreSQL skipped: pass --pg URL or set RLCODE_TEST_PG_URL")


if __name__ == "__main__":
    main()
