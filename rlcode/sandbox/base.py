"""What every sandbox backend provides, and the framed channel to a runner.

A *backend* (docker, local) opens *sessions*; a session is one warm runner (a container, or a
host process) owned by one worker at a time. The host talks to the runner with ``request``;
anything that goes wrong below the candidate (a dead container, a broken frame, a runner that
stops answering) raises ``SandboxFailure`` so the caller can replace the session and retry.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from rlcode.registry import Registry
from rlcode.sandbox import runner as proto


class SandboxFailure(Exception):
    """The infrastructure failed, not the candidate: retried, then reported as sandbox_error."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


class Session(Protocol):
    language: str

    def request(self, msg: dict, timeout: float) -> dict: ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str
    isolation: str  # one line saying what isolation is in force

    def open_session(self, language: str, on_launch: Callable[[], None] | None = None) -> Session:
        """A warm session; ``on_launch`` is called once the host has sent everything the start
        needs and only waits (for the daemon, the runner): see ``ThreadExecutor.prestart``."""

    def doctor(self) -> list[Check]: ...

    def close(self) -> None: ...


BACKENDS: Registry[type] = Registry("sandbox backend")


class FramedSession:
    """A session over a byte stream; subclasses provide ``_send`` and ``_recv``."""

    language: str = ""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.broken = False
        # Held for a sequence of requests that belong together (one candidate's files, compile and
        # runs); reentrant, and taken by ``request`` itself while it sends, so frames never
        # interleave and nobody sends inside another's sequence.
        self.txn = threading.RLock()
        # Requests are pipelined (``request``): the runner answers in order, and each thread
        # reads its own reply when the replies before it have been read.
        self._order = threading.Condition()
        self._sent = 0  # requests sent
        self._read = 0  # replies read (or given up on)

    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _recv(self, deadline: float) -> bytes:
        """At least one byte of the runner's stdout, or raise SandboxFailure."""
        raise NotImplementedError

    def _take(self, n: int, deadline: float) -> bytes:
        while len(self._buf) < n:
            self._buf.extend(self._recv(deadline))
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def request(self, msg: dict, timeout: float) -> dict:
        """Send ``msg``; return the runner's reply, waiting at most ``timeout`` once the runner is
        on it.

        Pipelined: a thread sends as soon as no other thread holds ``txn`` (not when the last
        request has been answered), so the runner finds the next request waiting when it
        finishes one, instead of idling while the host takes in a reply and a thread gets the
        GIL to send the next (0.3-0.4 ms per candidate, about a tenth of a container's time on
        the HumanEval mix). The runner answers in order; each thread reads its reply in turn."""
        data = proto.frame(msg)
        with self.txn:
            if self.broken:
                raise SandboxFailure("session is broken")
            with self._channel():
                self._send(data)
            with self._order:
                seq = self._sent
                self._sent += 1
        return self._reply(seq, msg, timeout)

    def _break(self) -> None:
        """Mark the session broken, waking every thread waiting for its turn to read (it raises)."""
        self.broken = True
        with self._order:
            self._order.notify_all()

    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered."""
        with self._order:
            return self._sent - self._read

    def _reply(self, seq: int, msg: dict, timeout: float) -> dict:
        with self._order:
            while self._read != seq and not self.broken:
                self._order.wait()
        try:
            if self.broken:
                raise SandboxFailure("session is broken")
            # The runner starts on this request when it has answered the ones before: the wait
            # for those does not count against this one's time.
            reply = self._receive(time.monotonic() + timeout)
        finally:
            with self._order:
                self._read += 1
                self._order.notify_all()
        if not isinstance(reply, dict) or not reply.get("ok"):
            raise SandboxFailure(f"runner refused {msg.get('op')}: {reply.get('error') if isinstance(reply, dict) else reply}")
        return reply

    @contextlib.contextmanager
    def _channel(self):
        """Any failure on the channel breaks the session and is a SandboxFailure."""
        try:
            yield
        except (OSError, EOFError, proto.ProtocolError) as exc:
            self._break()
            raise SandboxFailure(f"runner channel failed: {exc}") from exc
        except SandboxFailure:
            self._break()
            raise

    def _receive(self, deadline: float):
        """The runner's next frame, decoded."""
        with self._channel():
            (size,) = struct.unpack(">I", self._take(4, deadline))
            if size > proto.MAX_MESSAGE:
                raise SandboxFailure(f"runner sent a {size}-byte frame")
            return proto.parse_body(self._take(size, deadline))



def wait_readable(fd: int | socket.socket, deadline: float, what: str) -> None:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SandboxFailure(f"{what} did not answer in time")
        try:
            ready, _, _ = select.select([fd], [], [], remaining)
        except InterruptedError:
            continue
        if ready:
            return


def read_some(fd: int, deadline: float, what: str) -> bytes:
    wait_readable(fd, deadline, what)
    data = os.read(fd, 1 << 20)
    if not data:
        raise SandboxFailure(f"{what} closed its channel")
    return data
