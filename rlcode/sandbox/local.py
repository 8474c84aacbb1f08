"""The local backend: the same runner as a host subprocess, for machines without Docker.

It is weaker than Docker and says so. Where the host allows (root, util-linux ``unshare``), the
runner is PID 1 of fresh PID, network, IPC and mount namespaces, so candidates have no network
and everything they start dies with them; run as root, candidates drop to uid 65534. Elsewhere
only rlimits and process groups apply.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import warnings

from rlcode.sandbox import runner as runner_module
from rlcode.sandbox.base import BACKENDS, Check, FramedSession, SandboxFailure, read_some

RUNNER_FLAGS: tuple[str, ...] = ()  # extra runner flags (tests: --no-zygote)
UNSHARE = ("unshare", "--fork", "--pid", "--mount-proc", "--net", "--ipc", "--kill-child")


@functools.lru_cache(maxsize=1)
def namespaces_available() -> bool:
    exe = shutil.which("unshare")
    if not exe:
        return False
    try:
        done = subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the scorer dies, so no runner outlives it."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


class LocalSession(FramedSession):
    def __init__(self, language: str, use_namespaces: bool, on_launch=None):
        super().__init__()
        self.language = language
        self.workdir = tempfile.mkdtemp(prefix="rlcode-local-")
        if os.getuid() == 0:
            os.chown(self.workdir, 65534, 65534)
        argv = [sys.executable, "-I", "-B", "-S", runner_module.__file__, self.workdir, *RUNNER_FLAGS]
        if use_namespaces:
            argv = [*UNSHARE, *argv]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
                                     preexec_fn=_die_with_parent)
        if on_launch is not None:
            on_launch()
        self.info = self.request({"op": "ping"}, timeout=30)

    def _send(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise SandboxFailure(f"local runner is gone: {exc}") from exc

    def _recv(self, deadline: float) -> bytes:
        return read_some(self.proc.stdout.fileno(), deadline, "the local runner")

    def close(self) -> None:
        self._break()
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)


class LocalBackend:
    name = "local"

    def __init__(self, settings):
        self.settings = settings
        self.use_namespaces = namespaces_available()
        self.isolation = (
            "local: rlimits + fresh PID/network/IPC/mount namespaces"
            + (", candidates as uid 65534" if os.getuid() == 0 else ", candidates as your own user")
            if self.use_namespaces else
            "local: rlimits and process groups only: candidates can reach the network and read your files"
        )
        warnings.warn(f"the local backend is NOT a security boundary ({self.isolation}); use --backend docker "
                      "for untrusted code", RuntimeWarning, stacklevel=2)
        self._sessions: set[LocalSession] = set()
        self._lock = threading.Lock()

    def toolchain_id(self, language: str) -> str:
        """The host toolchain's version line (and this Python's), for cache keys."""
        from rlcode.languages import get_language

        argv = get_language(language).version
        try:
            out = subprocess.run(list(argv), capture_output=True, text=True, timeout=30) if argv else None
            version = ((out.stdout or out.stderr).strip().splitlines() or [""])[0] if out else ""
        except (OSError, subprocess.TimeoutExpired):
            version = "unknown"
        return f"local:{sys.version.split()[0]}:{version}:{runner_module.PROTOCOL_VERSION}"

    def open_session(self, language: str, on_launch=None) -> LocalSession:
        session = LocalSession(language, self.use_namespaces, on_launch)
        with self._lock:
            self._sessions.add(session)
        return session

    def release(self, session: LocalSession) -> None:
        session.close()
        with self._lock:
            self._sessions.discard(session)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions), set()
        for s in sessions:
            s.close()

    def doctor(self) -> list[Check]:
        return [
            Check("namespaces", self.use_namespaces,
                  "PID/network/IPC/mount namespaces via unshare" if self.use_namespaces
                  else "unshare unavailable: no network or process isolation"),
            Check("privilege drop", os.getuid() == 0,
                  "candidates run as uid 65534" if os.getuid() == 0 else "candidates run as your user"),
            Check("isolation", False, self.isolation),
        ]


BACKENDS.register("local", LocalBackend)
