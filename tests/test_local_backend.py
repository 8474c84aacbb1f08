"""The local backend: the same runner on the host, weaker isolation, same verdicts."""

import os

import pytest

from rlcode.records import Verdict
from rlcode.sandbox.local import namespaces_available
from tests.test_attacks_docker import FORGERIES, HONEST, LIMIT_CASES, PROCESSES, run


@pytest.mark.parametrize("name", ["exit0_at_import", "always_equal", "float_subclass", "forged_channel_reply",
                                  "print_markers"])
def test_forgeries_fail_locally(local_worker, name):
    assert run(local_worker, FORGERIES[name]).verdict is not Verdict.PASSED
    assert run(local_worker, HONEST).verdict is Verdict.PASSED


@pytest.mark.parametrize("name", ["infinite_loop", "memory_bomb", "stdout_flood", "disk_fill_one_file"])
def test_limits_locally(local_worker, name):
    code, allowed = LIMIT_CASES[name]
    assert run(local_worker, code).verdict in allowed


@pytest.mark.skipif(not namespaces_available(), reason="needs unshare (root or user namespaces)")
def test_namespaces_hide_network_and_kill_daemons(local_worker):
    code = """
        import os, socket, time
        def add(a, b):
            if os.fork() == 0:
                os.setsid(); time.sleep(100)
            names = [n for _, n in socket.if_nameindex()]
            return a + b if names == ['lo'] and os.getpid() != 1 else names
    """
    assert run(local_worker, code).verdict is Verdict.PASSED
    uid = 65534 if os.getuid() == 0 else os.getuid()  # root drops candidates to nobody
    probe = PROCESSES + f"""
    def add(a, b):
        pids = others()
        return a + b if not pids and os.getuid() == {uid} else (pids, os.getuid())
    """
    assert run(local_worker, probe).verdict is Verdict.PASSED


def test_runner_dies_with_the_scorer(tmp_path):
    """A scorer killed with -9 leaves no local runner behind (PR_SET_PDEATHSIG)."""
    import signal
    import subprocess
    import sys
    import time

    script = ("from rlcode.sandbox.local import LocalSession, namespaces_available\n"
              "s = LocalSession('python', namespaces_available())\n"
              "print(s.workdir, flush=True)\n"
              "import time; time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workdir = proc.stdout.readline().strip()
    assert workdir
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        if workdir not in ps:
            break
        time.sleep(0.1)
    assert workdir not in ps


def test_without_clone_the_runner_forks_candidates_itself(local_backend, monkeypatch):
    """Where clone(CLONE_PARENT) is refused (another seccomp profile, another architecture) the
    runner forks each candidate itself: same verdicts, same clean-up, no zygote."""
    import rlcode.sandbox.local as local
    from rlcode.scoring.pool import Worker

    monkeypatch.setattr(local, "RUNNER_FLAGS", ("--no-zygote",))
    worker = Worker(local_backend, retries=0)
    try:
        assert run(worker, HONEST).verdict is Verdict.PASSED
        assert run(worker, "def add(a, b):\n    return a - b\n").verdict is Verdict.FAILED
        # The runner starts without site (-S); the candidates it forks still have what site adds.
        assert run(worker, "def add(a, b):\n    return a + b if callable(exit) else 0\n").verdict is Verdict.PASSED
        code, allowed = LIMIT_CASES["infinite_loop"]
        assert run(worker, code).verdict in allowed
        if not namespaces_available():
            return  # without a PID namespace /proc shows the host's processes, other sandboxes' zygotes too
        probe = """
            import os
            def add(a, b):
                names = [open(f'/proc/{p}/comm').read() for p in os.listdir('/proc') if p.isdigit()]
                return a + b if 'rlcode-zygote\\n' not in names else names
        """
        assert run(worker, probe).verdict is Verdict.PASSED
    finally:
        worker.close()


def test_a_zygote_that_cannot_start_is_given_up_for_forking():
    """A zygote whose interpreter cannot start (it dies without answering, twice) is not retried
    at every spawn: the runner falls back to forking candidates itself from then on."""
    from rlcode.sandbox import runner

    zygote = runner.Zygote("/tmp", None)
    zygote._argv = lambda _fd: ["/nonexistent/python3"]
    assert zygote.spawn(b"{}", []) is None
    assert not zygote.enabled and zygote.pid is None
    assert zygote.spawn(b"{}", []) is None and not zygote.start()  # no more attempts


def _batch(code: str, arg: int) -> dict:
    """A raw ``py_batch`` request: one call of ``f(arg)``."""
    return {"op": "py_batch", "code": code, "fn": "f", "limits": {},
            "calls": [[[arg], {"$": "dict", "v": []}]]}


SLOW = "import time\ndef f(x):\n    time.sleep(0.4)\n    return x\n"
QUICK = "def f(x):\n    return x * 10\n"


def _wait_for(condition, within_s: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_requests_are_pipelined_and_each_thread_reads_its_own_reply(local_backend):
    """A second thread's request goes to the runner while the first one runs (the runner finds it
    waiting), and each thread gets the reply to its own request, in order."""
    import json
    import threading

    session = local_backend.open_session("python")
    got, order = {}, []

    def send(name, msg):
        got[name] = json.loads(session.request(msg, 30)["results"][0])["value"]
        order.append(name)

    try:
        slow = threading.Thread(target=send, args=("slow", _batch(SLOW, 1)))
        slow.start()
        assert _wait_for(lambda: session.in_flight == 1)
        quick = threading.Thread(target=send, args=("quick", _batch(QUICK, 2)))
        quick.start()
        assert _wait_for(lambda: session.in_flight == 2, within_s=0.3)  # sent before the slow one's reply
        assert slow.is_alive()
        slow.join(10)
        quick.join(10)
        assert got == {"slow": 1, "quick": 20} and order == ["slow", "quick"]
        assert session.in_flight == 0
    finally:
        local_backend.release(session)


def test_threads_waiting_for_their_reply_fail_when_the_session_breaks(local_backend):
    """A session that breaks with requests queued behind the one running wakes every waiting
    thread with a SandboxFailure (retried by the worker) instead of leaving it waiting."""
    import threading

    from rlcode.sandbox.base import SandboxFailure

    session = local_backend.open_session("python")
    errors = []

    def send(msg):
        try:
            session.request(msg, 30)
        except SandboxFailure as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(_batch(SLOW, i),)) for i in range(3)]
    for thread in threads:
        thread.start()
    assert _wait_for(lambda: session.in_flight == 3)
    local_backend.release(session)  # the runner is killed under them
    for thread in threads:
        thread.join(5)
    assert not any(thread.is_alive() for thread in threads)
    assert len(errors) == 3
