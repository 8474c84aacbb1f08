"""Scoring on a real two-node Ray cluster on this machine (``ray start --head`` plus a worker node).

One cluster per module: Ray's start-up is the expensive part. Each node offers one CPU, so the two
actors (``sandbox.workers = 2``, ``cpus = 1``) land one per node; killing the worker node mid-run
takes one actor, and its in-flight candidates must be scored on the other.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from rlcode.errors import UsageError
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import ADD_TEST, write_jsonl

RAY = Path(sys.executable).with_name("ray")
TASK = {"task_id": "add", "prompt": "def add(a, b):\n    \"\"\"Sum.\"\"\"\n", "entry_point": "add", "test": ADD_TEST}
# The GCS notices a lost node within about a second (defaults: tens of seconds).
# A loopback-only cluster with no token (else whether nodes and driver agree on one depends on a
# leftover ~/.ray/auth_token).
FAST_HEALTH = {"RAY_health_check_initial_delay_ms": "200", "RAY_health_check_period_ms": "300",
               "RAY_health_check_timeout_ms": "300", "RAY_health_check_failure_threshold": "3",
               "RAY_AUTH_MODE": "disabled"}


def test_a_missing_ray_is_one_line_naming_the_extra(monkeypatch):
    from rlcode.scoring import ray_executor

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(UsageError) as err:
        ray_executor.import_ray()
    assert "rlcode[ray]" in err.value.hint and "\n" not in str(err.value)


def test_an_address_without_the_ray_executor_is_refused():
    from rlcode.errors import InputError

    with pytest.raises(InputError, match="executor"):
        load_settings(None, {"sandbox": {"address": "auto"}})


# -- the cluster --------------------------------------------------------------------------------------
class Node:
    """One ``ray start --block`` process; stopping it stops the processes it started (by pid)."""

    def __init__(self, args: list[str], env: dict):
        self.proc = subprocess.Popen([str(RAY), "start", "--block", "--num-cpus=1", "--object-store-memory=200000000",
                                      "--disable-usage-stats", *args], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def processes(self):
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """Lose the node at once: SIGKILL to it and every process under it (raylet, workers, actors)."""
        for p in self.processes():
            try:
                p.send_signal(signal.SIGKILL)
            except Exception:  # noqa: BLE001 - gone already
                pass
        self.proc.wait(10)

    def stop(self) -> None:
        procs = self.processes()
        self.proc.send_signal(signal.SIGTERM)  # `ray start --block` stops its node's processes
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
        for p in procs:  # anything left of what it started
            try:
                p.kill()
            except Exception:  # noqa: BLE001
                pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    import ray

    patch = pytest.MonkeyPatch()
    patch.setenv("RAY_AUTH_MODE", "disabled")  # the driver's side
    temp = tempfile.mkdtemp(prefix="rlray-", dir="/tmp")  # short: Ray's socket paths must stay short
    env = {**os.environ, **FAST_HEALTH}
    address = f"127.0.0.1:{_free_port()}"
    head = Node(["--head", f"--port={address.split(':')[1]}", "--node-ip-address=127.0.0.1",
                 "--include-dashboard=false", f"--temp-dir={temp}"], env)
    nodes = [head]
    try:
        deadline = time.monotonic() + 90
        while True:  # the head is up once a driver can connect
            try:
                ray.init(address=address, logging_level="ERROR", log_to_driver=False)
                break
            except Exception:  # noqa: BLE001
                if time.monotonic() > deadline or head.proc.poll() is not None:
                    raise
                time.sleep(1)
        worker = Node([f"--address={address}", "--node-ip-address=127.0.0.1"], env)
        nodes.append(worker)
        while sum(n["Alive"] for n in ray.nodes()) < 2:
            assert time.monotonic() < deadline and worker.proc.poll() is None, "the worker node did not join"
            time.sleep(0.5)
        ray.shutdown()  # each run connects by itself (sandbox.address)
        yield {"address": address, "worker": worker}
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for node in reversed(nodes):
            node.stop()
        shutil.rmtree(temp, ignore_errors=True)
        patch.undo()


@pytest.fixture
def ray_addresses(monkeypatch) -> list:
    """The ``sandbox.address`` of each RayExecutor made during the test: a run that silently fell
    back to threads, or dropped the address (a Ray instance of its own), would still score right."""
    from rlcode.scoring.ray_executor import RayExecutor

    made, init = [], RayExecutor.__init__

    def recording(self, settings, *args, **kwargs):
        made.append(settings.sandbox.address)
        init(self, settings, *args, **kwargs)

    monkeypatch.setattr(RayExecutor, "__init__", recording)
    return made


def _settings(cluster, **sandbox):
    return load_settings(None, {"sandbox": {"executor": "ray", "address": cluster["address"], "workers": 2,
                                            "cpus": 1.0, **sandbox},
                                "analysis": {"enabled": False}})


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines()]


CANDS = [
    {"task_id": "add", "candidate_id": "pass", "completion": "    return a + b\n"},
    {"task_id": "add", "candidate_id": "wrong", "completion": "    return a - b\n"},
    {"task_id": "add", "candidate_id": "syntax", "code": "def add(a, b:\n    return a + b\n"},
    {"task_id": "add", "candidate_id": "raises", "completion": "    raise ValueError(a)\n"},
]


@pytest.mark.slow
@pytest.mark.docker
def test_ray_scores_like_threads_in_input_order_and_resumes(cluster, ray_addresses, tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [TASK])
    cands = write_jsonl(tmp_path / "c.jsonl", CANDS)
    threads_out, ray_out = tmp_path / "threads.jsonl", tmp_path / "ray.jsonl"
    score_file(cands, str(tasks), threads_out, load_settings(None, {"analysis": {"enabled": False},
                                                                   "sandbox": {"cache": False}}))
    write_jsonl(ray_out, _rows(threads_out)[:1])  # a run that stopped after its first row
    summary = score_file(cands, str(tasks), ray_out, _settings(cluster, cache=False))
    assert ray_addresses == [cluster["address"]]
    assert summary["scored_now"] == 3  # the first row was kept, not scored again
    ray_rows, thread_rows = _rows(ray_out), _rows(threads_out)
    assert [r["candidate_id"] for r in ray_rows] == [c["candidate_id"] for c in CANDS]
    assert [(r["verdict"], r["reward"]) for r in ray_rows] == [(r["verdict"], r["reward"]) for r in thread_rows]
    assert [r["verdict"] for r in ray_rows] == ["passed", "failed", "compile_error", "runtime_error"]


@pytest.mark.slow
@pytest.mark.docker
def test_a_node_lost_mid_run_loses_no_row_and_fails_no_candidate(cluster, tmp_path):
    n = 24
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [TASK])
    # Each takes ~0.3 s in its sandbox (distinct code: none is served as another's twin).
    cands = write_jsonl(tmp_path / "c.jsonl", [
        {"task_id": "add", "candidate_id": f"c{i}",
         "code": f"import time\ntime.sleep(0.3)  # {i}\n\n\ndef add(a, b):\n    return a + b\n"} for i in range(n)])
    out = tmp_path / "out.jsonl"
    killed = threading.Event()

    def on_progress(done: int, total: int, row) -> None:
        if done >= 1 and not killed.is_set():  # every lane busy: more than a batch per lane waits
            killed.set()
            cluster["worker"].kill()

    summary = score_file(cands, str(tasks), out, _settings(cluster), on_progress)
    assert killed.is_set()
    rows = _rows(out)
    assert [r["candidate_id"] for r in rows] == [f"c{i}" for i in range(n)]  # every row once, in order
    assert [r["verdict"] for r in rows] == ["passed"] * n  # none sandbox_error, none failed
    rerun = [r["candidate_id"] for r in rows if r["details"].get("ray_attempts")]
    assert rerun, "no candidate was in flight on the lost node"
    print(f"rerun after the node loss: {len(rerun)} of {n}")
    assert summary["candidates"] == n and summary["verdicts"]["sandbox_error"] == 0


@pytest.mark.slow
@pytest.mark.docker
def test_rlcode_score_executor_ray_through_the_cli(cluster, ray_addresses, tmp_path):
    from typer.testing import CliRunner

    from rlcode.cli import app

    tasks = write_jsonl(tmp_path / "tasks.jsonl", [TASK])
    cands = write_jsonl(tmp_path / "c.jsonl", CANDS[:2])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["score", str(cands), "--tasks", str(tasks), "--out", str(out), "--executor",
                                      "ray", "--address", cluster["address"], "--no-static", "--json"])
    assert result.exit_code == 0, result.output
    assert ray_addresses == [cluster["address"]]  # --executor and --address reached the executor
    assert json.loads(result.stdout)["verdicts"]["passed"] == 1
    assert [r["verdict"] for r in _rows(out)] == ["passed", "failed"]


@pytest.mark.slow
@pytest.mark.docker
def test_the_reward_function_scores_on_ray_across_calls(cluster, ray_addresses):
    from rlcode.reward.trl import RewardFunction
    from rlcode.tasks import parse_task

    task = parse_task("<test>", 1, TASK, {"python"})
    with RewardFunction({"add": task}, executor="ray", address=cluster["address"], workers=2) as reward:
        for _ in range(2):  # the second call finds the actors (and their containers) up
            values = reward(completions=["    return a + b\n", "    return a - b\n"], task_id=["add", "add"])
            assert values[0] > 0.5 and values[1] < 0.5
        assert type(reward._scorer.pool).__name__ == "RayExecutor"
        assert ray_addresses == [cluster["address"]]  # one executor, kept across calls, on the cluster
