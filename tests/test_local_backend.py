"""The local backend: the same runner on the host, weaker isolation, same verdicts."""

import os

import pytest

from rlcode.records import Verdict
from rlcode.sandbox.local import namespaces_available
from tests.test_attacks_docker import FORGERIES, HONEST, LIMIT_CASES, run


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
    probe = f"""
        import os
        def add(a, b):
            pids = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())]
            return a + b if not pids and os.getuid() == {uid} else (pids, os.getuid())
    """
    assert run(local_worker, probe).verdict is Verdict.PASSED
