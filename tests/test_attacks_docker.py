"""Hostile candidates against real Docker sandboxes: limits, escapes and forged passes.

Each test runs a real container; the candidate code is what a hostile model would write.
"""

from __future__ import annotations

import os
import textwrap
import threading
import time

import pytest

from rlcode.records import Verdict
from tests.conftest import ADD_TEST, FAST, containers_gone, make_task

pytestmark = pytest.mark.docker

ADD = make_task(ADD_TEST, entry_point="add")
HONEST = "def add(a, b):\n    return a + b\n"


def run(worker, code, task=ADD, limits=FAST):
    return worker.run(task, textwrap.dedent(code), "python", limits)


def test_honest_candidate_passes_and_wrong_one_fails(docker_worker):
    assert run(docker_worker, HONEST).verdict is Verdict.PASSED
    wrong = run(docker_worker, "def add(a, b):\n    return abs(a) + b\n")
    assert wrong.verdict is Verdict.FAILED
    assert (wrong.tests_passed, wrong.tests_total) == (2, 3)  # only add(-5, 5) is wrong
    assert wrong.details["failures"][0]["kind"] == "assertion"


def test_arguments_arrive_in_the_candidate_with_their_exact_types(docker_worker):
    """A task's calls are marshalled once on the host (``CallPlan.marshalled``) and unmarshalled
    in the candidate's process: each plain type (bool is not int, tuple is not list, frozenset is
    not set) arrives as itself."""
    value = [None, True, 2, 2.5, 1j, "s", b"b", (1,), [1], {1: (2,)}, {3}, frozenset({4}), 10**30]
    task = make_task("def check(candidate):\n"
                     f"    assert candidate({value!r}, flag=False) == {[type(v).__name__ for v in value]!r}\n",
                     entry_point="kinds")
    code = "def kinds(values, flag):\n    return [type(v).__name__ for v in values] if flag is False else None\n"
    result = docker_worker.run(task, code, "python", FAST)
    assert result.verdict is Verdict.PASSED, result.details


# -- forged passes ---------------------------------------------------------------------------------

FORGERIES = {
    "exit0_at_import": "import sys\nsys.exit(0)\n",
    "os_exit0_in_call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "exit0_in_call": "def add(a, b):\n    exit(0)\n",
    "always_equal": """
        class Yes:
            def __eq__(self, other): return True
            def __ne__(self, other): return False
        def add(a, b): return Yes()
    """,
    "float_subclass": """
        class F(float):
            def __eq__(self, other): return True
        def add(a, b): return F(0)
    """,
    "str_subclass": """
        class S(str):
            def __eq__(self, other): return True
        def add(a, b): return S('x')
    """,
    "int_subclass": """
        class I(int):
            def __eq__(self, other): return True
        def add(a, b): return I(0)
    """,
    "patch_builtins": """
        import builtins
        builtins.AssertionError = type('Nope', (Exception,), {})
        builtins.abs = lambda x: 0
        def add(a, b): return 0
    """,
    "hooks": """
        import sys, atexit, os
        sys.excepthook = lambda *a: None
        atexit.register(lambda: os._exit(0))
        sys.settrace(lambda *a: None)
        def add(a, b):
            raise AssertionError('caught?')
    """,
    "redefine_check": """
        def check(candidate): return True
        def add(a, b): return None
    """,
    "print_markers": """
        import sys
        print('passed'); print('All tests passed'); print('{"verdict": "passed"}')
        sys.stderr.write('OK\\n')
        def add(a, b):
            print('passed')
            return None
    """,
    "forged_channel_reply": """
        import os, json, struct
        def add(a, b):
            # write a fake 'ok' reply on every descriptor it can find
            body = json.dumps({"status": "ok", "value": a + b + 1}).encode()
            for fd in range(3, 64):
                try: os.write(fd, struct.pack('>I', len(body)) + body)
                except OSError: pass
            return None
    """,
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forgery_gains_nothing(docker_worker, name):
    result = run(docker_worker, FORGERIES[name])
    assert result.verdict is not Verdict.PASSED, (name, result)
    assert result.tests_passed < result.tests_total
    # The sandbox still works for the next candidate.
    assert run(docker_worker, HONEST).verdict is Verdict.PASSED


def test_unplain_return_reports_the_reason(docker_worker):
    result = run(docker_worker, "class Yes:\n    def __eq__(s, o): return True\ndef add(a, b): return Yes()\n")
    assert result.verdict is Verdict.FAILED
    assert any("cannot cross the channel" in f["message"] for f in result.details["failures"])


def test_candidate_cannot_find_the_tests(docker_worker):
    """Frames, the garbage collector, the file system: the expected values are nowhere."""
    marker = "918274"  # an expected value of ADD_TEST, never sent to the sandbox
    code = f"""
        import gc, os, sys
        def add(a, b):
            hits = []
            f = sys._getframe()
            while f:
                hits += [k for k in f.f_globals if 'check' in k]
                f = f.f_back
            for o in gc.get_objects():
                try:
                    if isinstance(o, str) and '{marker}' in o and 'add' not in o: hits.append('gc')
                    if type(o).__name__ == 'function' and o.__name__ == 'check': hits.append('gc-check')
                except Exception: pass
            for root, dirs, files in (w for top in ('/tmp', '/opt', '/etc', '/home', '/root', '/var', '/run', '/srv',
                                                    '/mnt', '/dev/shm', '/usr/local') for w in os.walk(top)):
                for name in files:
                    try:
                        with open(os.path.join(root, name), 'rb') as fh:
                            if b'{marker}' in fh.read(2_000_000): hits.append(os.path.join(root, name))
                    except Exception: pass
            for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
                # The runner (1) and the zygote: neither memory nor environment may be read.
                try:
                    hits.append(open(f'/proc/{{pid}}/environ').read() or f'environ {{pid}}')
                except Exception: pass
                try:
                    hits.append(open(f'/proc/{{pid}}/mem', 'rb').read(1) and f'mem {{pid}}')
                except Exception: pass
            print('HITS', hits)
            return hits
    """
    result = run(docker_worker, code, limits=FAST.__class__(time_s=3.0, memory_mb=256, output_kb=256, file_mb=4))
    assert result.verdict is Verdict.FAILED
    assert "HITS []" in result.details.get("stdout", ""), result.details


# -- limits ------------------------------------------------------------------------------------------

LIMIT_CASES = {
    "infinite_loop": ("def add(a, b):\n    while True: pass\n", {Verdict.TIMEOUT}),
    "sleep": ("import time\ndef add(a, b):\n    time.sleep(60)\n", {Verdict.TIMEOUT}),
    "sigterm_ignored": ("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                        "def add(a, b):\n    time.sleep(60)\n", {Verdict.TIMEOUT}),
    "memory_bomb": ("def add(a, b):\n    x = []\n    while True: x.append(bytearray(10**7))\n",
                    {Verdict.MEMORY_EXCEEDED}),
    "stdout_flood": ("def add(a, b):\n    while True: print('x' * 10000)\n", {Verdict.OUTPUT_EXCEEDED}),
    "stderr_flood": ("import sys\ndef add(a, b):\n    while True: sys.stderr.write('y' * 10000)\n",
                     {Verdict.OUTPUT_EXCEEDED}),
    "disk_fill_one_file": ("def add(a, b):\n    with open('big', 'wb') as f:\n"
                           "        while True: f.write(b'z' * 10**6)\n", {Verdict.OUTPUT_EXCEEDED}),
    "disk_fill_many_files": ("def add(a, b):\n    i = 0\n    while True:\n"
                             "        open(f'f{i}', 'wb').write(b'z' * 3 * 10**6); i += 1\n",
                             {Verdict.RUNTIME_ERROR, Verdict.OUTPUT_EXCEEDED}),
    # It closes its control socket (every descriptor above stderr) and runs on: still a timeout,
    # not a crash, and the runner is not held past the deadline.
    "control_socket_closed_loop": ("import os\ndef add(a, b):\n    os.closerange(3, 1 << 16)\n    while True: pass\n",
                                   {Verdict.TIMEOUT}),
    "control_socket_closed_sleep": ("import os, time\ndef add(a, b):\n    os.closerange(3, 1 << 16)\n"
                                    "    time.sleep(60)\n", {Verdict.TIMEOUT}),
    "deep_recursion": ("import sys\nsys.setrecursionlimit(10**7)\ndef add(a, b):\n    return add(a, b) + 1\n",
                       {Verdict.RUNTIME_ERROR, Verdict.MEMORY_EXCEEDED, Verdict.TIMEOUT}),
    "fork_bomb": ("import os\ndef add(a, b):\n    while True:\n        try: os.fork()\n        except OSError: pass\n",
                  {Verdict.TIMEOUT, Verdict.RUNTIME_ERROR, Verdict.MEMORY_EXCEEDED}),
    "thread_bomb": ("import threading, time\ndef add(a, b):\n    while True:\n"
                    "        threading.Thread(target=time.sleep, args=(100,)).start()\n",
                    {Verdict.TIMEOUT, Verdict.RUNTIME_ERROR, Verdict.MEMORY_EXCEEDED}),
}


def test_a_live_call_whose_candidate_closes_its_control_socket_times_out(docker_worker):
    """The live path (a check whose next argument is an earlier result cannot be batched): a
    candidate that closes its control socket during a call and sleeps on is awaited to the wall
    deadline and reported as a timeout, not left holding the runner until the host gives up."""
    task = make_task("def check(candidate):\n    r = candidate(1, 2)\n    assert candidate(r, 1) == 4\n",
                     entry_point="add")
    code = "import os, time\ndef add(a, b):\n    os.closerange(3, 1 << 16)\n    time.sleep(60)\n"
    started = time.monotonic()
    result = run(docker_worker, code, task=task)
    assert result.verdict is Verdict.TIMEOUT, result.details
    assert result.details["calls"] == "live" and result.details["limit"] == "wall_time", result.details
    assert time.monotonic() - started < 15


# For probes (prepended to a candidate): the zygotes, and every process but the runner (PID 1), the
# zygote and the caller itself, which must be none between candidates.
PROCESSES = """
    import os
    def zygotes():
        return [int(p) for p in os.listdir('/proc') if p.isdigit()
                and open(f'/proc/{p}/comm').read() == 'rlcode-zygote\\n']
    def others():
        return [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())
                and open(f'/proc/{p}/comm').read() != 'rlcode-zygote\\n']
"""


@pytest.mark.parametrize("name", sorted(LIMIT_CASES))
def test_limit_is_enforced_and_reported(docker_worker, name):
    code, allowed = LIMIT_CASES[name]
    started = time.monotonic()
    result = run(docker_worker, code)
    assert result.verdict in allowed, (name, result.verdict, result.details)
    assert time.monotonic() - started < 15
    assert result.details.get("wall_s", 0) < FAST.time_s * 2 + 2
    # Nothing survives: the same container serves the next candidate, with no process or file left.
    probe = run(docker_worker, PROCESSES + """
    def add(a, b):
        pids, left = others(), os.listdir('/tmp') + os.listdir('/dev/shm')
        return a + b if not pids and not left else (pids, left)
    """)
    assert probe.verdict is Verdict.PASSED, probe.details


def test_compile_warnings_reach_the_candidates_stderr(docker_worker):
    """The runner compiles candidates (cheaper for the child); what compiling prints still shows."""
    result = run(docker_worker, "def add(a, b):\n    if a is 1:\n        pass\n    return a + b\n")
    assert result.verdict is Verdict.PASSED
    assert "SyntaxWarning" in result.details.get("stderr", ""), result.details


@pytest.mark.parametrize("bomb", ["x = " + "1+" * 100000 + "1", "x = " + "-" * 100000 + "1",
                                  "x = " + "(" * 5000 + ")" * 5000, "x = a" + ".b" * 60000])
def test_compile_bombs_are_compile_errors_not_sandbox_errors(docker_worker, bomb):
    """The runner compiles Python candidates itself: pathological nesting must end as the
    candidate's compile_error (CPython raises), and the runner must go on serving."""
    result = run(docker_worker, bomb + "\ndef add(a, b):\n    return a + b\n")
    assert result.verdict is Verdict.COMPILE_ERROR, result.details
    assert run(docker_worker, HONEST).verdict is Verdict.PASSED


def test_large_candidates_compile_in_their_own_process(docker_worker):
    from rlcode.sandbox.runner import COMPILE_IN_RUNNER_MAX

    padding = "X = " + repr("a" * COMPILE_IN_RUNNER_MAX) + "\n"
    assert run(docker_worker, padding + "def add(a, b):\n    return a + b\n").verdict is Verdict.PASSED
    broken = run(docker_worker, padding + "def add(a, b):\n    return a +\n")
    assert broken.verdict is Verdict.COMPILE_ERROR
    assert "SyntaxError" in broken.details["error"]
    assert "cpu_s" in broken.details  # a process compiled it, and its usage is reported
    small = run(docker_worker, "def add(a, b):\n    return a +\n")
    assert small.verdict is Verdict.COMPILE_ERROR and "cpu_s" not in small.details  # the runner did: no process


def test_stdin_read_does_not_hang(docker_worker):
    result = run(docker_worker, "import sys\ndef add(a, b):\n    sys.stdin.read()\n    return a + b\n")
    assert result.verdict is Verdict.PASSED


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGALRM"])
def test_signalling_the_runner_cannot_turn_a_failure_into_sandbox_error(docker_worker, signal_name):
    """A failing candidate that could kill the runner would get sandbox_error (no reward) instead
    of its zero: the runner, PID 1 of the container, must ignore every signal a candidate can send."""
    attack = f"""
    import os, signal, time
    def add(a, b):
        os.kill(1, signal.{signal_name})
        time.sleep(0.05)
        return a - b
    """
    result = run(docker_worker, attack)
    assert result.verdict is Verdict.FAILED, result.details
    assert run(docker_worker, HONEST).verdict is Verdict.PASSED


@pytest.mark.parametrize("payload", ["deep", "garbage", "huge_header"])
def test_forged_frames_on_the_control_socket_only_fail_the_candidate(docker_worker, payload):
    """The candidate can write its own frames on the control socket it answers on. Whatever it
    writes (nesting deep enough to break a JSON parser, bytes that are not JSON, a frame larger
    than allowed) must fail it, never break the runner into a sandbox_error (which has no reward)."""
    attack = f"""
    import os, struct
    def add(a, b):
        fds = [int(fd) for fd in os.listdir('/proc/self/fd') if int(fd) > 2]
        body = {{'deep': b'[' * 200000, 'garbage': b'\\xff\\xfe not json', 'huge_header': b''}}['{payload}']
        head = struct.pack('>I', 0x7fffffff if '{payload}' == 'huge_header' else len(body))
        for fd in fds:
            try:
                os.write(fd, head + body)
            except OSError:
                pass
        return a + b
    """
    result = run(docker_worker, attack)
    assert result.verdict in (Verdict.FAILED, Verdict.RUNTIME_ERROR), result.details
    assert run(docker_worker, HONEST).verdict is Verdict.PASSED


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSTOP", "SIGTERM"])
def test_candidate_signalling_the_zygote_only_costs_itself(docker_worker, signal_name):
    """The zygote clones every candidate and shares their uid: a candidate may kill or stop it.
    The runner then replaces it (or continues it), and the next candidates run as before."""
    attack = PROCESSES + f"""
    import signal
    def add(a, b):
        for pid in zygotes():
            os.kill(pid, signal.{signal_name})
        return a + b
    """
    assert run(docker_worker, attack).verdict is Verdict.PASSED  # its own answer is still right
    for _ in range(3):
        probe = PROCESSES + """
    def add(a, b):
        z = zygotes()
        state = open(f'/proc/{z[0]}/stat').read().rsplit(')', 1)[1].split()[0] if z else '?'
        return a + b if len(z) == 1 and state in 'SR' else (z, state)
    """
        assert run(docker_worker, probe).verdict is Verdict.PASSED


def test_candidates_are_cloned_from_a_lean_zygote(docker_worker):
    """Every module in the zygote makes each candidate's fork and exit dearer: what only the runner
    uses (or few candidates import) is not loaded there, what candidates commonly import is, and
    the builtins an interpreter's site module adds are there, as in any interpreter."""
    probe = """
    import sys
    def add(a, b):
        absent = [m for m in ('shutil', 'base64', 'platform', 'hashlib', 'dataclasses', 'decimal')
                  if m in sys.modules]
        present = [m for m in ('typing', 're', 'collections', 'itertools') if m in sys.modules]
        return a + b if not absent and len(present) == 4 and callable(exit) else (absent, present)
    """
    result = run(docker_worker, probe)
    assert result.verdict is Verdict.PASSED, result.details


def test_zygote_clones_from_its_c_loop(docker_worker):
    """After each clone the zygote's pages are shared with the child, so each page it writes costs
    it a copy-on-write fault. Its C loop (zygote.c, built into the image) writes a few pages per
    candidate; the Python loop it replaces wrote some fifty."""
    probe = PROCESSES + """
    def add(a, b):
        z = zygotes()
        raise RuntimeError(f"faults={open(f'/proc/{z[0]}/stat').read().rsplit(')', 1)[1].split()[7]}")
    """

    def zygote_faults() -> int:
        message = run(docker_worker, probe).details["failures"][0]["message"]
        return int(message.rsplit("faults=", 1)[1])

    before = zygote_faults()
    for _ in range(40):
        assert run(docker_worker, HONEST).verdict is Verdict.PASSED
    per_candidate = (zygote_faults() - before) / 41
    assert per_candidate < 15, per_candidate


def test_candidate_process_holds_only_its_own_descriptors_and_limits(docker_worker):
    """What the zygote's C code sets up in each child (zygote.c: become, set_limits): a session of
    its own, stdin/stdout/stderr and its control socket and nothing else (not the zygote's socket,
    not another candidate's pipes), and the limits it was given."""
    probe = """
    import os, resource
    def add(a, b):
        fds = [int(fd) for fd in os.listdir('/proc/self/fd')]  # (the listing holds one itself)
        limits = [resource.getrlimit(r) for r in (resource.RLIMIT_CPU, resource.RLIMIT_FSIZE,
                                                  resource.RLIMIT_CORE)]
        state = (len(fds), os.getsid(0) == os.getpid(), limits)
        return a + b if state == (5, True, [(1, 2), (4 << 20, 4 << 20), (0, 0)]) else state
    """
    result = run(docker_worker, probe)
    assert result.verdict is Verdict.PASSED, result.details


def test_orphaned_daemon_is_killed(docker_worker):
    daemon = """
        import os, time
        def add(a, b):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    while True:
                        open('/tmp/alive', 'w').write(str(time.time())); time.sleep(0.05)
                os._exit(0)
            time.sleep(0.2)
            return a + b
    """
    assert run(docker_worker, daemon).verdict is Verdict.PASSED
    probe = PROCESSES + """
    import time
    def add(a, b):
        time.sleep(0.3)
        pids = others()
        return a + b if not pids and not os.path.exists('/tmp/alive') else pids
    """
    assert run(docker_worker, probe).verdict is Verdict.PASSED


def test_network_is_absent(docker_worker):
    code = """
        import socket
        def add(a, b):
            names = [n for _, n in socket.if_nameindex()]
            routes = open('/proc/net/route').read().splitlines()[1:]
            try:
                socket.getaddrinfo('deb.debian.org', 80)
                resolved = True
            except OSError:
                resolved = False
            return a + b if names == ['lo'] and not routes and not resolved else (names, routes, resolved)
    """
    assert run(docker_worker, code).verdict is Verdict.PASSED


def test_host_files_untouched_and_invisible(docker_worker, tmp_path):
    secret = tmp_path / "host-secret.txt"
    secret.write_text("do not read")
    code = f"""
        import os
        def add(a, b):
            wrote = []
            for path in ('/etc/passwd', '/opt/rlcode/runner.py', '/usr/bin/python3', '/root/x', '/x'):
                try:
                    open(path, 'a').write('pwned'); wrote.append(path)
                except OSError: pass
            seen = os.path.exists({str(secret)!r})
            uid = os.getuid()
            caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]
            nnp = [l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0].split()[1]
            return a + b if not wrote and not seen and uid != 0 and int(caps, 16) == 0 and nnp == '1' else (wrote, seen, uid, caps, nnp)
    """
    assert run(docker_worker, code).verdict is Verdict.PASSED
    assert secret.read_text() == "do not read"


def test_host_environment_not_visible(docker_worker, monkeypatch):
    monkeypatch.setenv("RLCODE_TEST_SECRET", "hunter2")
    code = """
        import os
        def add(a, b):
            env = dict(os.environ)
            return a + b if 'hunter2' not in repr(env) and set(env) <= {'PATH', 'LANG', 'LC_ALL', 'HOME', 'TMPDIR', 'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED'} else env
    """
    assert run(docker_worker, code).verdict is Verdict.PASSED


def test_killed_container_is_replaced_and_retried(docker_worker):
    assert run(docker_worker, HONEST).verdict is Verdict.PASSED
    session = next(iter(docker_worker._sessions.values())).session
    session.container.kill()
    result = run(docker_worker, HONEST)
    assert result.verdict is Verdict.PASSED
    assert docker_worker.replaced == 1


def test_repeated_infrastructure_failure_is_sandbox_error(docker_backend):
    from rlcode.reward.composite import CompositeReward
    from rlcode.scoring.pool import Worker
    from rlcode.settings import RewardSettings

    from tests.conftest import KillingBackend

    worker = Worker(KillingBackend(docker_backend), retries=2)
    result = worker.run(ADD, HONEST, "python", FAST)
    worker.close()
    assert result.verdict is Verdict.SANDBOX_ERROR
    assert result.details["attempts"] == 3
    reward, parts = CompositeReward.from_settings(RewardSettings())(ADD, None, result)
    assert reward is None and parts["runtime"] is None


def test_containers_are_removed_on_close(docker_backend):
    """An idle container ends when its channel closes and the daemon removes it; one whose
    runner is mid-request (here: held by another thread) is killed and removed at once."""
    import docker

    from rlcode.scoring.pool import Worker

    worker = Worker(docker_backend, retries=0)
    run(worker, HONEST)
    container_id = next(iter(worker._sessions.values())).session.container.id
    worker.close()
    assert containers_gone({"id": container_id})

    busy = docker_backend.open_session("python")
    held = threading.Event()
    threading.Thread(target=lambda: (busy.txn.acquire(), held.set()), daemon=True).start()
    held.wait(5)
    docker_backend.release(busy)
    assert not docker.from_env().api.containers(all=True, filters={"id": busy.container.id})


def test_frames_bypass_the_daemon_on_a_socket_only_the_runner_holds(docker_worker):
    """The direct channel: a read-only bind mount whose socket file is gone before any candidate
    runs, so a candidate finds nothing there to connect to."""
    probe = """
        import os
        def add(a, b):
            return a + b if os.listdir('/run/rlcode') == [] else os.listdir('/run/rlcode')
    """
    assert run(docker_worker, probe).verdict is Verdict.PASSED
    session = next(iter(docker_worker._sessions.values())).session
    assert session.channel == "socket"
    session.container.reload()
    mount = [m for m in session.container.attrs["Mounts"] if m["Destination"] == "/run/rlcode"][0]
    assert mount["RW"] is False
    # The peer check reads /proc, not the daemon: PID 1 of its namespace, in this container's cgroup.
    from rlcode.sandbox.docker import _is_pid1_of

    runner_pid = session.container.attrs["State"]["Pid"]
    assert _is_pid1_of(runner_pid, session.container.id)
    assert not _is_pid1_of(runner_pid, "0" * 64)  # PID 1, but of another container
    assert not _is_pid1_of(os.getpid(), session.container.id)


def test_channel_falls_back_to_the_attach_stream(docker_backend, monkeypatch):
    """Where the runner cannot reach the socket (a remote daemon, a security module), both ends
    use the attach stream, and candidates are scored the same."""
    import rlcode.sandbox.docker as docker_mod
    from rlcode.scoring.pool import Worker

    monkeypatch.setattr(docker_mod, "RUNNER_CHANNEL", "/nonexistent/chan")
    worker = Worker(docker_backend, retries=0)
    try:
        assert run(worker, HONEST).verdict is Verdict.PASSED
        assert run(worker, "def add(a, b):\n    return a - b\n").verdict is Verdict.FAILED
        assert next(iter(worker._sessions.values())).session.channel == "stdio"
    finally:
        worker.close()


def test_a_stranger_connecting_first_is_not_taken_for_the_runner():
    """Anyone on the host may find the listening socket: its peer must be the container's PID 1."""
    import socket

    from rlcode.sandbox.docker import DockerSession

    class Container:  # only what the check reads: its id, and its init pid as docker inspect gives it
        id = "f" * 64
        attrs = {"State": {"Pid": os.getpid() + 1}}

        def reload(self):
            pass

    session = DockerSession.__new__(DockerSession)
    session.container = Container()
    ours, theirs = socket.socketpair()
    try:
        assert session._peer_is_runner(ours) is False  # the peer is this test process
        Container.attrs["State"]["Pid"] = os.getpid()
        assert session._peer_is_runner(ours) is True
    finally:
        ours.close()
        theirs.close()


def test_container_is_hardened(docker_worker):
    run(docker_worker, HONEST)
    container = next(iter(docker_worker._sessions.values())).session.container
    container.reload()
    attrs = container.attrs
    host = attrs["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["PidsLimit"] and host["Memory"] and host["Memory"] == host["MemorySwap"]
    assert "nosuid" in host["Tmpfs"]["/tmp"] and "nodev" in host["Tmpfs"]["/tmp"]
    assert attrs["Config"]["User"] == "10001:10001"
    assert os.getpid() == int(attrs["Config"]["Labels"]["rlcode.owner"])


def test_checks_that_feed_results_back_fall_back_to_live_calls(docker_worker):
    """Recording cannot know the second call's argument; the replay notices and goes live."""
    task = make_task("""
def check(candidate):
    x = candidate(3)
    assert candidate(x) == 12
    assert candidate([1]) == [1, 1]
""", entry_point="double")
    calls = "import os\ndef double(v):\n    print('call', v)\n    return v * 2\n"
    result = run(docker_worker, calls, task=task)
    assert result.verdict is Verdict.PASSED, result.details
    assert (result.tests_passed, result.tests_total) == (2, 2)
    # Live calls: the candidate saw exactly the check's calls, in order.
    assert result.details["stdout"].split("\n")[:3] == ["call 3", "call 6", "call [1]"]
    wrong = run(docker_worker, "def double(v):\n    return v * 3 if isinstance(v, int) else v * 2\n", task=task)
    assert wrong.verdict is Verdict.FAILED and wrong.tests_passed == 1


def test_random_inputs_are_replayed_identically(docker_worker):
    task = make_task("""
import random
def check(candidate):
    for _ in range(50):
        a, b = random.randint(0, 10**6), random.randint(0, 10**6)
        assert candidate(a, b) == a + b
""", entry_point="add")
    assert run(docker_worker, HONEST, task=task).verdict is Verdict.PASSED
    assert run(docker_worker, "def add(a, b):\n    return a + b + (a > 900000)\n", task=task).verdict is Verdict.FAILED


def test_exit_with_a_daemon_holding_the_channel_is_quick(docker_worker):
    """The candidate forks a child that keeps the control socket open, then exits: no wait for the wall limit."""
    code = """
        import os, time
        def add(a, b):
            if os.fork() == 0:
                time.sleep(100)
            os._exit(0)
    """
    started = time.monotonic()
    result = run(docker_worker, code)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert time.monotonic() - started < FAST.time_s * 2 + 1
