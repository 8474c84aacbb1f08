"""Cost of a cache hit: an identical (code, tests, limits) served without running.

Scores 200 distinct C programs (compile + 4 I/O tests each) once to fill the cache, then measures
``Scorer.run_one`` on the same jobs (hits: key, lookup, static analysis of the cached compiler
warnings, reward) against the cold run in the same process. Run:
``.venv/bin/python benchmarks/bench_cache.py``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from rlcode.records import Candidate, Task
from rlcode.scoring.scorer import Scorer
from rlcode.settings import load_settings

N = 200
PROGRAM = "#include <stdio.h>\nint main(void) {{ long a, b; scanf(\"%ld %ld\", &a, &b); printf(\"%ld\\n\", a + b + {k} - {k}); return 0; }}\n"


def main() -> None:
    task = Task("sum", language="c", io_tests=[{"input": f"{i} {i + 1}\n", "output": f"{2 * i + 1}\n"}
                                              for i in range(4)])
    cands = [Candidate("sum", str(k), {}, code=PROGRAM.format(k=k), language="c") for k in range(N)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(None, {"sandbox": {"workers": 2, "cache_path": str(Path(tmp) / "c.sqlite")}})
        with Scorer(settings) as scorer:
            jobs = scorer.jobs([(i, task, c) for i, c in enumerate(cands)])
            t0 = time.perf_counter()
            cold = scorer.map(jobs)
            cold_s = time.perf_counter() - t0
            assert all(r.result.verdict.value == "passed" for r in cold)
            worker = None  # hits never touch a sandbox
            hits = []
            for job in jobs:
                t0 = time.perf_counter()
                row = scorer.run_one(worker, job)
                hits.append(time.perf_counter() - t0)
                assert row.result.details.get("cached")
            key = scorer._result_key(jobs[0], scorer.limits_for(task))
            t0 = time.perf_counter()
            for _ in range(1000):
                scorer.cache.get("results", key)
            lookup_ms = (time.perf_counter() - t0)
    print(f"{N} distinct C programs, compile + 4 I/O tests each, 2 workers")
    print(f"cold (run in the sandbox): {cold_s / N * 1000:8.2f} ms per candidate (wall / N)")
    print(f"cache hit, Scorer.run_one:  {statistics.median(hits) * 1000:8.3f} ms median, "
          f"{max(hits) * 1000:.3f} ms max")
    print(f"cache lookup alone:         {lookup_ms:8.3f} ms per lookup (1000 lookups)")
    print(f"ratio cold / hit: {cold_s / N / statistics.median(hits):.0f}x")


if __name__ == "__main__":
    main()
