"""Where a candidate's CPU time goes: host, container, Docker daemons, and the floor of one fork.

Scores the 656-sample HumanEval mix with one worker (execution only, no cache) and reads CPU
counters around the run: this process (the host side: judge, channel, reward), the Docker cgroup
(runner, zygote and candidate processes), dockerd and the containerd shims. Then, inside the python
image, times a bare fork + exit of an interpreter like the zygote (the runner module and its
preload list): the cost every candidate pays for a fresh process.
Run: ``.venv/bin/python benchmarks/bench_cpu_split.py``. Prints figures only.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path

from rlcode.candidates import load_candidates
from rlcode.languages import get_language, language_names
from rlcode.sandbox.images import image_tag
from rlcode.scoring.scorer import Scorer
from rlcode.settings import load_settings
from rlcode.tasks import load_tasks

MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"
CGROUP = Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage")  # cgroup v1, as on this machine
MEMSTAT = Path("/sys/fs/cgroup/memory/docker/memory.stat")

FORK_FLOOR = """
import os, sys, time
sys.path.insert(0, "/opt/rlcode")
import runner
runner._preload()
n = 300
t0 = os.times()
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
t1 = os.times()
print((t1.user + t1.system - t0.user - t0.system) / n * 1000,
      (t1.children_user + t1.children_system - t0.children_user - t0.children_system) / n * 1000)
"""


def _proc_cpu(pattern: str) -> float:
    total = 0.0
    pids = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def _page_faults() -> float:
    """Minor page faults in all containers (copy-on-write faults after fork are most of them)."""
    if not MEMSTAT.exists():
        return float("nan")
    stat = dict(line.split() for line in MEMSTAT.read_text().splitlines())
    return float(stat.get("total_pgfault", stat.get("pgfault", "nan")))


def _counters() -> tuple[float, float, float, float]:
    cg = int(CGROUP.read_text()) / 1e9 if CGROUP.exists() else float("nan")
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, cg, _proc_cpu("dockerd") + _proc_cpu("containerd-shim"), _page_faults()


def main() -> None:
    settings = load_settings(None, {"sandbox": {"workers": 1, "cache": False}, "analysis": {"enabled": False}})
    tasks = load_tasks("humaneval", language_names())
    cands = load_candidates(MIX, tasks, language_names())
    with Scorer(settings) as scorer:
        jobs = scorer.jobs([(i, tasks[c.task_id], c) for i, c in enumerate(cands)])
        scorer.map(jobs[:8])  # container started, judges built
        before, t0 = _counters(), time.perf_counter()
        scorer.map(jobs)
        wall, after = time.perf_counter() - t0, _counters()
    n = len(jobs)
    host, container, daemons = ((a - b) / n * 1000 for a, b in zip(after[:3], before[:3]))
    faults = (after[3] - before[3]) / n
    out = subprocess.run(["docker", "run", "--rm", "--network", "none", "--user", "10001:10001",
                          "--entrypoint", "python3", image_tag(get_language("python")), "-c", FORK_FLOOR],
                         capture_output=True, text=True, check=True).stdout.split()
    parent, child = float(out[0]), float(out[1])
    print(f"HumanEval mix, {n} candidates, 1 worker, execution only: {wall / n * 1000:.2f} ms wall per candidate")
    print(f"CPU per candidate: host {host:.2f} ms, container (runner + candidate) {container:.2f} ms, "
          f"dockerd + shims {daemons:.2f} ms; total {host + container + daemons:.2f} ms")
    print(f"page faults in the container per candidate: {faults:.0f}")
    print(f"floor: fork + exit of a zygote-sized interpreter in the image: parent {parent:.2f} ms + "
          f"child {child:.2f} ms = {parent + child:.2f} ms CPU")


if __name__ == "__main__":
    main()
