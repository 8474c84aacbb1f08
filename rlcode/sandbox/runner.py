"""The runner: the one rlcode process that lives inside a sandbox.

It is copied into every sandbox image and started as the container's PID 1 (or, for the local
backend, as a host subprocess). It speaks a framed JSON protocol on its stdin/stdout with the
trusted host process and, for each candidate, forks children that run under resource limits.

It never sees tests or expected values: the host sends inputs (function arguments, stdin bytes)
and receives outputs as plain data. Everything a candidate starts is killed and every file it
wrote is removed when the host says ``end``.

This file is stdlib-only and importable on the host, which uses the same framing and the same
plain-data codec (``encode``/``decode``), so both ends agree by construction.
"""

from __future__ import annotations

import binascii
import errno
import gc
import json
import marshal
import math
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import warnings

PROTOCOL_VERSION = 3
MAX_MESSAGE = 64 * 1024 * 1024
MAX_DEPTH = 64
_HEADER = struct.Struct(">I")

# ---------------------------------------------------------------------------------------------
# Framing


class ProtocolError(Exception):
    """The peer sent something that is not a valid frame."""


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        try:
            b = os.read(fd, min(n, 1 << 20))
        except InterruptedError:
            continue
        if not b:
            raise EOFError("channel closed")
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[n:]


_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=True)  # built once, inherited by children


def frame(obj) -> bytes:
    body = _ENCODER.encode(obj).encode()
    return _HEADER.pack(len(body)) + body


def parse_body(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting a candidate can forge
        raise ProtocolError(f"bad frame: {exc}") from None


def read_msg(fd: int):
    (size,) = _HEADER.unpack(read_exact(fd, 4))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"frame of {size} bytes is over the limit")
    return parse_body(read_exact(fd, size))


def write_msg(fd: int, obj) -> None:
    write_all(fd, frame(obj))


# ---------------------------------------------------------------------------------------------
# Plain-data codec. Only these exact types cross the channel: None, bool, int, float, complex,
# str, bytes, list, tuple, dict, set, frozenset. Subclasses are refused (a float subclass could
# lie about equality), so the trusted side only ever compares objects it built itself.

PLAIN_TYPES = "None, bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset"


class NotPlainData(TypeError):
    """A value that cannot cross the channel."""


def encode(obj, depth: int = 0):
    if depth > MAX_DEPTH:
        raise NotPlainData(f"value nested deeper than {MAX_DEPTH} levels")
    t = type(obj)
    if obj is None or t is bool or t is str:
        return obj
    if t is int:
        return obj if -(2**53) < obj < 2**53 else {"$": "int", "v": str(obj)}
    if t is float:
        if math.isfinite(obj):
            return obj
        return {"$": "float", "v": repr(obj)}
    if t is list:
        return [encode(x, depth + 1) for x in obj]
    if t is tuple or t is set or t is frozenset:
        items = list(obj)
        if t is not tuple:
            try:
                items.sort()
            except TypeError:
                items.sort(key=repr)
        return {"$": t.__name__, "v": [encode(x, depth + 1) for x in items]}
    if t is dict:
        return {"$": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in obj.items()]}
    if t is bytes:
        return {"$": "bytes", "v": binascii.b2a_base64(obj, newline=False).decode()}
    if t is complex:
        return {"$": "complex", "v": [repr(obj.real), repr(obj.imag)]}
    raise NotPlainData(f"a value of type {t.__module__}.{t.__qualname__} cannot cross the channel "
                       f"(allowed: {PLAIN_TYPES})")


def decode(data, depth: int = 0):
    """Rebuild plain data on the trusted side. Rejects anything the encoder cannot produce."""
    if depth > MAX_DEPTH + 1:
        raise NotPlainData("value nested too deeply")
    t = type(data)
    if data is None or t is bool or t is int or t is float or t is str:
        return data
    if t is list:
        return [decode(x, depth + 1) for x in data]
    if t is not dict or set(data) != {"$", "v"}:
        raise NotPlainData(f"malformed value on the channel: {str(data)[:80]}")
    tag, v = data["$"], data["v"]
    if tag == "int" and type(v) is str:
        return int(v)
    if tag == "float" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag in ("tuple", "set", "frozenset") and type(v) is list:
        items = [decode(x, depth + 1) for x in v]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict" and type(v) is list:
        out = {}
        for pair in v:
            if type(pair) is not list or len(pair) != 2:
                raise NotPlainData("malformed dict on the channel")
            out[decode(pair[0], depth + 1)] = decode(pair[1], depth + 1)
        return out
    if tag == "bytes" and type(v) is str:
        try:
            return binascii.a2b_base64(v, strict_mode=True)
        except binascii.Error as exc:
            raise NotPlainData(f"malformed bytes on the channel: {exc}") from None
    if tag == "complex" and type(v) is list and len(v) == 2:
        return complex(float(v[0]), float(v[1]))
    raise NotPlainData(f"unknown value tag {tag!r} on the channel")


# ---------------------------------------------------------------------------------------------
# Limits and child processes

DEFAULT_LIMITS = {
    "time_s": 3.0,  # CPU seconds for the candidate
    "wall_s": 6.0,  # wall-clock seconds for the whole candidate
    "memory_mb": 512,  # address space (or resident size where address space is meaningless)
    "output_bytes": 1 << 20,  # stdout + stderr together
    "file_bytes": 16 << 20,  # largest file the candidate may write
    "open_files": 256,
    "address_space": True,  # False for runtimes that reserve huge virtual ranges (JVM, Go)
    "data_limit": False,  # where address_space is False: bound private writable memory (RLIMIT_DATA) instead
}

SAFE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}

KEEP_OUTPUT = 64 * 1024  # bytes of stdout/stderr kept for the report


def rlimits(limits: dict) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) for a candidate's limits: worked out by the runner, so a child only
    applies them (``_set_limits``)."""
    cpu = max(1, math.ceil(limits["time_s"]))
    out = [(resource.RLIMIT_CPU, cpu, cpu + 1)]
    mem = int(limits["memory_mb"]) << 20
    if limits.get("address_space", True):
        out.append((resource.RLIMIT_AS, mem, mem))
    elif limits.get("data_limit"):
        out.append((resource.RLIMIT_DATA, mem, mem))
    fsize, nofile = int(limits["file_bytes"]), int(limits["open_files"])
    return out + [(resource.RLIMIT_FSIZE, fsize, fsize), (resource.RLIMIT_CORE, 0, 0),
                  (resource.RLIMIT_NOFILE, nofile, nofile)]


def _set_limits(triples: list[tuple[int, int, int]]) -> None:
    if _NATIVE is not None:
        _NATIVE.set_limits(triples)
        return
    for which, soft, hard in triples:
        resource.setrlimit(which, (soft, hard))


def _prepare_process(workdir: str, drop_to: int | None) -> None:
    """What every candidate process needs and that does not change between candidates: done
    once in the zygote (and inherited by every process it clones), or per child without one."""
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        os.write(fd, b"1000")
        os.close(fd)
    except OSError:
        pass
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    if drop_to is not None:
        os.setgroups([])
        os.setgid(drop_to)
        os.setuid(drop_to)
    os.chdir(workdir)


_NATIVE = None  # the zygote's compiled module (zygote.c), inherited by its clones


def _become_candidate(keep_fds, out_w: int, err_w: int, stdin_fd: int, limits: list | None) -> None:
    """In the new child: its own session, its pipes, its limits. Exits 70 on failure."""
    try:
        native = _NATIVE is not None and len(keep_fds) <= 1
        if not (native and _NATIVE.become(out_w, err_w, stdin_fd, keep_fds[0] if keep_fds else -1)):
            os.setsid()
            os.dup2(stdin_fd, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            keep = sorted({0, 1, 2, *keep_fds})
            lo = 3
            for fd in keep[3:] + [1 << 16]:
                if fd > lo:
                    os.closerange(lo, fd)
                lo = fd + 1
        if limits is not None:  # a spare sets its limits when its candidate arrives
            _set_limits(limits)
    except BaseException as exc:  # noqa: BLE001 - report anything and leave
        os.write(2, f"rlcode runner: child set-up failed: {exc!r}\n".encode())
        os._exit(70)


def safe_environ(workdir: str) -> dict:
    """The whole environment a candidate sees (the runner sets it as its own at start)."""
    return {**SAFE_ENV, "HOME": workdir, "TMPDIR": workdir}


def send_marshal(fd: int, obj) -> None:
    """Runner to child frames: marshal, which the child decodes with far fewer page faults than
    JSON (each page a forked child touches is a copy-on-write fault). Only the trusted runner
    writes these; what the child sends back is JSON, parsed with the codec above."""
    body = marshal.dumps(obj)
    write_all(fd, _HEADER.pack(len(body)) + body)


def read_marshal(fd: int):
    (size,) = _HEADER.unpack(read_exact(fd, 4))
    return marshal.loads(read_exact(fd, size))


class Child:
    """One candidate process and its pipes, watched until it ends or a limit is hit."""

    def __init__(self, pid: int, out_r: int, err_r: int, limits: dict, ctl: socket.socket | None):
        self.pid = pid
        self.limits = limits
        self.ctl = ctl
        self.start = time.monotonic()
        self.deadline = self.start + float(limits["wall_s"])
        self.pipes = {out_r, err_r}  # still open
        self.kept = {out_r: bytearray(), err_r: bytearray()}  # excerpts for the report
        self.stdout_all = bytearray()  # stdout up to the output limit, for I/O comparison
        self.out_fd, self.err_fd = out_r, err_r
        self.total_output = 0
        self.limit_hit: str | None = None
        self.ended_by_host = False
        self.exit_status: int | None = None
        self.rusage = None
        self.wall = 0.0
        self.ctl_buf = bytearray()  # control-socket bytes read ahead: one read can hold several frames

    # -- watching ------------------------------------------------------------------------------
    def _drain(self, fd: int, stop_when_empty: bool = False) -> bool:
        try:
            data = os.read(fd, 1 << 16)
        except (BlockingIOError, InterruptedError):
            return not stop_when_empty
        if not data:
            os.close(fd)
            self.pipes.discard(fd)
            return False
        self.total_output += len(data)
        buf = self.kept[fd]
        if len(buf) < KEEP_OUTPUT:
            buf.extend(data[: KEEP_OUTPUT - len(buf)])
        if fd == self.out_fd:
            self.stdout_all.extend(data[: max(0, self.limits["output_bytes"] - len(self.stdout_all))])
        if self.total_output > self.limits["output_bytes"]:
            self.kill("output")
        return True

    def _split_frames(self, frames: list[bytes], needed: int) -> None:
        """Move whole frames (their bodies) from ``ctl_buf`` to ``frames``, up to ``needed`` in
        all, in one pass over the buffer. Raises ProtocolError for a frame over the limit."""
        buf, pos, header = self.ctl_buf, 0, _HEADER.size
        while len(frames) < needed and len(buf) - pos >= header:
            (size,) = _HEADER.unpack_from(buf, pos)
            if size > MAX_MESSAGE:
                raise ProtocolError(f"frame of {size} bytes is over the limit")
            if len(buf) - pos - header < size:
                break
            frames.append(bytes(buf[pos + header:pos + header + size]))
            pos += header + size
        if pos:
            del buf[:pos]

    def _ctl_lost(self) -> None:
        self.ctl.close()
        self.ctl = None
        self._await_end()

    def _await_end(self) -> None:
        """Wait for the child to end on its own, up to its wall-time deadline (then kill it): how
        it ended is what its report says (a candidate that closes its control socket and runs on
        must not hold the runner)."""
        while self.exit_status is None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.kill("wall_time")
                self.reap(block=True)
                return
            self.reap(block=False)
            if self.exit_status is None:
                time.sleep(min(remaining, 0.002))

    def watch(self, until_ctl_message: bool, raw: bool = False):
        """Pump output until the child sends on its control socket (or exits, or a limit hits).

        Returns the control message (decoded, or its raw JSON body with ``raw``), or None if the
        child is gone or sent something that is not a frame."""
        while True:
            if until_ctl_message and self.ctl is not None:
                got: list[bytes] = []
                try:
                    self._split_frames(got, 1)
                    if got:
                        return got[0] if raw else parse_body(got[0])
                except ProtocolError:
                    self._ctl_lost()
                    return None
            if self.exit_status is not None and not self.pipes:
                return None
            fds = list(self.pipes)
            if until_ctl_message and self.ctl is not None:
                fds.append(self.ctl.fileno())
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.kill("wall_time")
                remaining = 0.5
            if not fds:
                self.reap(block=True)
                return None
            try:
                ready, _, _ = select.select(fds, [], [], min(remaining, 0.5))
            except InterruptedError:
                continue
            if not ready:
                self.reap(block=False)
                if self.exit_status is not None:
                    # The child is gone; grandchildren may hold its pipes (or its control socket)
                    # open: stop waiting for them.
                    return None
                continue
            for fd in ready:
                if self.ctl is not None and fd == self.ctl.fileno():
                    try:
                        data = os.read(fd, 1 << 16)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        self._ctl_lost()
                        return None
                    self.ctl_buf += data
                    continue
                self._drain(fd)

    def frames_until_exit(self, needed: int) -> list[bytes] | None:
        """Control frames (raw bodies) until ``needed`` have come or the child has ended, for a
        child that exits once it has written them all (``py_batch``). Sleeps on the child's end
        (a pidfd) and its output pipes, and reads the control socket every ``CTL_POLL_S``
        instead of waking for each frame: one wake-up for a whole quick candidate instead of
        one per call. No frame is taken after a limit is hit. None where pidfds are missing
        (the caller then ``watch``-es frame by frame)."""
        try:
            pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            return None
        frames: list[bytes] = []
        reading = True  # until the control socket closes: then only the child's end is awaited
        try:
            while self.exit_status is None and len(frames) < needed:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    self.kill("wall_time")
                    remaining = 0.5
                try:
                    ready, _, _ = select.select([*self.pipes, pidfd], [], [], min(remaining, CTL_POLL_S))
                except InterruptedError:
                    continue
                for fd in ready:
                    if fd == pidfd:
                        self.reap(block=False)
                    else:
                        self._drain(fd)
                if self.limit_hit is not None:
                    break
                # A closed socket is no end: the child may have closed it and run on (its own
                # end, a limit or the deadline, decides how the run is reported).
                reading = reading and self._take_frames(frames, needed)
            if self.limit_hit is None and reading:
                self._take_frames(frames, needed)  # what it wrote before it ended
        finally:
            os.close(pidfd)
        return frames

    def _take_frames(self, frames: list[bytes], needed: int) -> bool:
        """Read what the control socket holds now, without waiting, into whole frames (up to
        ``needed``). False once it is closed or carries something that is not a frame."""
        while True:
            try:
                self._split_frames(frames, needed)
            except ProtocolError:
                return False
            if len(frames) >= needed:
                return True
            try:
                data = self.ctl.recv(1 << 16, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                data = b""
            if not data:
                return False
            self.ctl_buf += data

    def kill(self, reason: str | None = None) -> None:
        if reason and self.limit_hit is None:
            self.limit_hit = reason
        for target in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass

    def reap(self, block: bool) -> None:
        if self.exit_status is not None:
            return
        try:
            pid, status, ru = os.wait4(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self.exit_status = -1
            return
        if pid:
            self.exit_status = status
            self.rusage = ru
            self.wall = time.monotonic() - self.start

    def finish(self, kill_others) -> dict:
        """Kill the child and everything it started, collect its status, usage and output."""
        if self.exit_status is None:
            self.ended_by_host = True
            self.kill()
            self.reap(block=True)
        kill_others()
        for fd in list(self.pipes):
            os.set_blocking(fd, False)
            try:
                while fd in self.pipes and self._drain(fd, stop_when_empty=True):
                    pass
            except OSError:
                pass
        for fd in list(self.pipes):
            os.close(fd)
        self.pipes.clear()
        if self.ctl is not None:
            self.ctl.close()
            self.ctl = None
        return self.report()

    def report(self) -> dict:
        status = self.exit_status or 0
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) and not self.ended_by_host else None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        ru = self.rusage
        cpu = (ru.ru_utime + ru.ru_stime) if ru else 0.0
        limit = self.limit_hit
        if limit is None and (sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= self.limits["time_s"])):
            limit = "cpu_time"
        elif limit is None and sig == signal.SIGXFSZ:
            limit = "file_size"
        elif limit is None and sig == signal.SIGKILL and not self.ended_by_host:
            limit = "memory"  # killed by nobody we know of: the kernel's OOM killer
        return {
            "exit_code": code,
            "signal": signal.Signals(sig).name if sig else None,
            "limit": limit,
            "wall_s": round(self.wall or time.monotonic() - self.start, 6),
            "cpu_s": round(cpu, 6),
            "peak_kb": ru.ru_maxrss if ru else 0,
            "output_bytes": self.total_output,
            "stderr": self._text(self.err_fd),
            "stdout_excerpt": self._text(self.out_fd),
        }

    def _text(self, fd: int) -> str:
        return bytes(self.kept.get(fd, b""))[:KEEP_OUTPUT].decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# The Python function child: loads the candidate module, then answers calls with plain data.


def _flush() -> None:
    # The host kills the child when it is done: what the candidate printed must be out by then.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the candidate may have replaced the stream
            pass


CTL_POLL_S = 0.005  # how often a batch's control socket is read while the child runs (``frames_until_exit``)
COMPILE_IN_RUNNER_MAX = 256 * 1024  # characters of source; larger candidates compile in their own process


def compile_candidate(code: str, filename: str):
    """Compile a Python candidate in the runner: (code object, compile-time warnings text).

    Compiling runs none of the candidate's code, and CPython's compiler refuses pathological
    nesting with an exception; the size cap bounds its time. The child then only unmarshals the
    code object, which touches far fewer pages than compiling (each one a copy-on-write fault).
    Raises what ``compile`` raises for a program that does not compile."""
    with warnings.catch_warnings(record=True) as caught:
        compiled = compile(code, filename, "exec")
    text = "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, "") for w in caught)
    return compiled, text


def _python_spare(ctl_fd: int) -> None:
    """A child forked ahead of time: waits for its candidate, then becomes ``_python_child``."""
    try:
        msg = read_marshal(ctl_fd)
    except EOFError:
        os._exit(0)
    _set_limits(msg["rlimits"])
    _python_child(ctl_fd, msg)


def _python_child(ctl_fd: int, msg: dict) -> None:
    ns = {"__name__": "__candidate__", "__builtins__": __builtins__}
    compiled = msg.get("compiled")
    if compiled is None:  # too large for the runner to compile: compile here, under the limits
        try:
            compiled = compile(msg["code"], msg.get("filename", "candidate.py"), "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            write_msg(ctl_fd, {"status": "compile_error", "error": _describe(exc)})
            os._exit(0)
    elif msg.get("warnings"):
        os.write(2, msg["warnings"].encode(errors="replace"))  # what compiling here would have printed
    try:
        exec(compiled, ns)  # noqa: S102 - this is the sandboxed candidate
    except MemoryError:
        write_msg(ctl_fd, {"status": "memory", "error": "MemoryError while loading"})
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - the candidate may raise anything
        write_msg(ctl_fd, {"status": "exception", "error": _describe(exc)})
        os._exit(0)
    _flush()
    write_all(ctl_fd, _READY)
    while True:
        if "batch" not in msg:  # (a load message carries the batch of calls that follows it)
            try:
                msg = read_marshal(ctl_fd)
            except EOFError:
                os._exit(0)
        batched = "batch" in msg
        calls = msg.pop("batch") if batched else [[msg["args"], msg.get("kwargs")]]
        if type(calls) is bytes:  # the host's marshalled calls (``op_py_batch``)
            calls = marshal.loads(calls)
        for args, kwargs in calls:
            reply = _answer(ns.get(msg["fn"]), msg["fn"], args, kwargs)
            _flush()
            try:
                write_msg(ctl_fd, reply)
            except (ValueError, OverflowError, MemoryError) as exc:
                write_msg(ctl_fd, {"status": "unplain", "error": f"result could not be sent: {exc!r}"})
        if batched:  # nothing follows a batch: ending here is what the runner waits for
            os._exit(0)


def _decoded_call(args, kwargs) -> tuple[list, dict]:
    """A call's arguments as the host encoded them, rebuilt here in the runner: the child gets
    them by marshal (which keeps every plain type exactly) instead of running ``decode`` itself,
    code it would run for the first time, writing pages (the host is trusted; what a candidate
    sends back is never unmarshalled)."""
    args, kwargs = decode(args), decode(kwargs or {"$": "dict", "v": []})
    if type(args) is not list or type(kwargs) is not dict or any(type(k) is not str for k in kwargs):
        raise NotPlainData("malformed call arguments")
    return args, kwargs


_READY = frame({"status": "ready"})
_READY_BODY = _READY[_HEADER.size:]


def _answer(fn, name: str, args: list, kwargs: dict) -> dict:
    """Call the candidate's function with arguments the runner decoded (``_decoded_call``) and
    sent by marshal, and encode what it returns as plain data."""
    if not callable(fn):
        return {"status": "exception", "error": f"NameError: {name!r} is not defined"}
    try:
        value = fn(*args, **kwargs)
        return {"status": "ok", "value": encode(value)}
    except NotPlainData as exc:
        return {"status": "unplain", "error": str(exc)}
    except MemoryError:
        return {"status": "memory", "error": "MemoryError"}
    except BaseException as exc:  # noqa: BLE001 - the candidate may raise anything
        return {"status": "exception", "error": _describe(exc)}


def _describe(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.lineno:
        text += f" (line {exc.lineno})"
    return text[:2000]


# ---------------------------------------------------------------------------------------------
# The zygote: where candidate processes come from.
#
# Forking a process copies its page tables and write-protects every page; each page either side
# then writes costs a page fault (and a copy), and the child's exit unmaps them all again. So the
# cost of a fresh process per candidate grows with the memory of whatever it is forked from. When
# the runner forked candidates itself, every candidate paid for the runner's memory and for the
# pages it touched while serving. So the runner starts a *zygote*: a fresh interpreter (exec'd,
# not forked, so it holds none of the runner's memory) that imports only what candidates need,
# does the set-up every candidate shares once, and then clones each candidate process with
# CLONE_PARENT: the runner stays the candidates' parent (it reaps them and reads their usage) while
# its own memory is never shared with a candidate. The zygote does next to nothing between clones,
# so it touches few pages. Where clone(CLONE_PARENT) is unavailable the runner forks candidates.

CLONE_PARENT = 0x00008000
_SYS_CLONE = {"x86_64": 56, "aarch64": 220}  # the raw syscall; glibc has no CLONE_PARENT fork


def _clone_parent():
    """A function doing clone(CLONE_PARENT | SIGCHLD) like fork(), or None where unsupported."""
    nr = _SYS_CLONE.get(os.uname().machine)
    if nr is None:
        return None
    try:
        import ctypes

        syscall = ctypes.PyDLL(None, use_errno=True).syscall  # PyDLL: the GIL stays held
    except (OSError, AttributeError, ImportError):
        return None
    syscall.restype = ctypes.c_long
    args = (ctypes.c_long(nr), ctypes.c_ulong(CLONE_PARENT | signal.SIGCHLD), None, None, None, None)

    def clone() -> int:
        pid = syscall(*args)
        if pid < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return pid

    return clone


ZYGOTE_NAME = b"rlcode-zygote"  # its /proc/PID/comm, so tools (and tests) can tell it from a leftover


def _prctl():
    """libc's prctl, or None where ctypes cannot reach it."""
    try:
        import ctypes

        return ctypes.CDLL(None).prctl
    except (OSError, AttributeError, ImportError):
        return None


def _process_namer():
    """A function setting this process's name (/proc/PID/comm), made once: ctypes is slow to set up."""
    prctl = _prctl()
    if prctl is None:
        return lambda _name: None
    return lambda name: prctl(15, name[:15], 0, 0, 0)  # PR_SET_NAME = 15


def zygote_main(sock_fd: int, workdir: str, drop_to: int | None) -> None:
    """The zygote process (started by ``Zygote.start``): for each request on its socket, clone a child
    that runs ``Runner._child_main`` and answer its pid (-1 where clone is refused). Never returns."""
    global _NATIVE
    compiled = _NATIVE = _compiled_loop()  # (which also keeps ctypes out of this process)
    (compiled.undumpable if compiled else _undumpable)()  # exec made it dumpable again; clones inherit it
    with open("/proc/self/comm", "rb") as f:
        own_name = f.read().strip()
    name = compiled.set_name if compiled else _process_namer()
    name(ZYGOTE_NAME)
    serve = compiled.serve if compiled else _serve_in_python(name)
    os.environ.pop("LD_BIND_NOW", None)  # for the zygote's own loading only (see Zygote.start)
    _prepare_process(workdir, drop_to)
    _preload()
    gc.freeze()  # the cloned children's collections leave the inherited objects alone
    # Returns in each new child only, with the interpreter's own name back (as a forked child
    # has); the zygote's socket is closed with every other fd by _become_candidate.
    msg, fds = serve(sock_fd, own_name)
    if "random" in sys.modules:  # what fork's at-fork hook does; a raw clone runs none
        sys.modules["random"].seed()
    Runner._child_main(msg, fds)
    os._exit(0)


ZYGOTE_LIB = "zygote.so"  # zygote.c, compiled next to this file when the image is built


def _compiled_loop():
    """The ``zygote.c`` module (see there why), or None where it is not built or cannot load."""
    try:
        from importlib.util import module_from_spec, spec_from_file_location

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ZYGOTE_LIB)
        spec = spec_from_file_location("_rlzygote", path)
        module = module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    except (OSError, ImportError, AttributeError):
        return None


def _serve_in_python(name):
    """The same loop as ``zygote.c``, for where that is not built (the local backend)."""
    clone = _clone_parent()

    def serve(sock_fd: int, own_name: bytes) -> tuple[bytes, list[int]]:
        sock = socket.socket(fileno=sock_fd)
        while True:
            try:
                msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 8)
            except InterruptedError:
                continue
            if not msg:
                os._exit(0)  # the runner is gone
            try:
                pid = clone() if clone is not None else -1
            except OSError:
                pid = -1
            if pid == 0:
                name(own_name)
                return msg, fds
            for fd in fds:
                os.close(fd)
            sock.send(_PID.pack(pid))

    return serve


class Zygote:
    """The runner's end of the zygote: ``spawn`` sends the child's fds and what to run, and gets
    its pid back. A zygote that dies or stops answering (a candidate may signal it: same uid) is
    replaced; if none can be started, ``spawn`` returns None and the runner forks instead."""

    TIMEOUT_S = 2.0

    def __init__(self, workdir: str, drop_to: int | None, enabled: bool = True):
        self.workdir, self.drop_to = workdir, drop_to
        self.enabled = enabled
        self.pid: int | None = None
        self.sock: socket.socket | None = None

    def _argv(self, sock_fd: int) -> list[str]:
        # This file imported as a module, not run as a script: a module loads from its compiled
        # cache (made when the image is built), and compiling this file would leave the compiler's
        # memory in every candidate's process. The path entry goes before any candidate runs.
        folder, module = os.path.split(os.path.abspath(__file__))
        code = (f"import sys; sys.path.insert(0, {folder!r}); import {module[:-3]} as runner; del sys.path[0]; "
                f"runner.zygote_main({sock_fd}, {self.workdir!r}, {self.drop_to!r})")
        return [sys.executable, "-I", "-B", "-c", code]

    def start(self) -> bool:
        if not self.enabled:
            return False
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        keep = theirs.fileno()
        argv = self._argv(keep)
        pid = os.fork()
        if pid == 0:
            try:
                os.set_inheritable(keep, True)
                os.closerange(3, keep)  # the host channel and the runner's files are none of its business
                os.closerange(keep + 1, 1 << 16)
                # Every library symbol bound now, once: else each candidate binds what it calls
                # first (writing its own copy of the binding tables); the zygote then unsets it.
                os.execve(argv[0], argv, {**os.environ, "LD_BIND_NOW": "1"})
            finally:
                os._exit(127)
        theirs.close()
        self.pid, self.sock = pid, mine
        return True

    def spawn(self, request: bytes, fds: list[int]) -> int | None:
        for _attempt in range(2):
            if self.pid is None and not self.start():
                return None
            try:
                socket.send_fds(self.sock, [request], fds)
                ready, _, _ = select.select([self.sock], [], [], self.TIMEOUT_S)
                data = self.sock.recv(16) if ready else b""
            except OSError:
                data = b""
            pid = _PID.unpack(data)[0] if len(data) == _PID.size else None
            if pid is not None and pid > 0:
                return pid
            self.stop()
            if pid is not None:  # the zygote answered, but clone itself is refused here
                self.enabled = False
                return None
        self.enabled = False  # a fresh zygote died twice without answering: it cannot start here
        return None

    def stop(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        if self.sock is not None:
            self.sock.close()
        self.pid = self.sock = None

    def gone(self) -> None:
        """The runner reaped the zygote (a candidate killed it)."""
        self.pid = None
        self.stop()


_PID = struct.Struct(">i")
_SPARE = {"target": "python", "limits": None}  # a Python child made ahead of time (Runner._spawn)
_SPARE_REQUEST = marshal.dumps(_SPARE)


# ---------------------------------------------------------------------------------------------
# The runner proper


class Runner:
    def __init__(self, inp: int, out: int, workdir: str, pid1: bool, wipe_shm: bool = False, zygote: bool = True):
        self.inp, self.out = inp, out
        self.wipe_shm = wipe_shm
        self.workdir = workdir
        self.pid1 = pid1
        self.drop_to = 65534 if os.getuid() == 0 else None
        self.child: Child | None = None
        # A Python child forked ahead of time, so the fork is off the candidate's critical path.
        self.spare: Child | None = None
        self.python_used = False
        self.want_spare = False
        self.devnull = os.open(os.devnull, os.O_RDONLY)
        # --no-zygote: the runner forks candidates itself (what happens where clone is refused)
        self.zygote = Zygote(workdir, self.drop_to, enabled=zygote)
        self.zygote.start()  # now: it sets itself up while the host prepares the first candidate
        self.preloaded = False

    # -- spawning ------------------------------------------------------------------------------
    def _spawn(self, limits: dict | None, target, stdin_data: bytes = b"", with_ctl: bool = False,
               apply_limits: bool = True) -> Child:
        lim = dict(DEFAULT_LIMITS)
        lim.update(limits or {})
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        parent_sock = child_sock = None
        if with_ctl:
            parent_sock, child_sock = socket.socketpair()
        stdin_fd = self.devnull
        stdin_path = None
        if stdin_data:
            stdin_path = os.path.join(self.workdir, ".stdin")
            with open(stdin_path, "wb") as f:
                f.write(stdin_data)
            stdin_fd = os.open(stdin_path, os.O_RDONLY)
        fds = [out_w, err_w, stdin_fd] + ([child_sock.fileno()] if child_sock else [])
        if target == "python" and not apply_limits:
            request = _SPARE_REQUEST
        else:
            request = marshal.dumps({"target": target, "limits": rlimits(lim) if apply_limits else None})
        pid = self.zygote.spawn(request, fds)
        if pid is None:  # no zygote here: fork from the runner itself
            if not self.preloaded:
                if sys.flags.no_site:  # the runner starts without site (-S); candidates get what it adds
                    import site

                    site.main()
                _preload()
                self.preloaded = True
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                _prepare_process(self.workdir, self.drop_to)
                self._child_main(request, fds)
        os.close(out_w)
        os.close(err_w)
        if stdin_fd != self.devnull:
            os.close(stdin_fd)
            os.unlink(stdin_path)
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
        if child_sock is not None:
            child_sock.close()
        return Child(pid, out_r, err_r, lim, parent_sock)

    @staticmethod
    def _child_main(request: bytes, fds: list[int]) -> None:
        """In a new candidate process: set up, then become what the request says. Never returns."""
        try:
            # (Most requests are for a spare: known without unmarshalling, which costs pages.)
            req = _SPARE if request == _SPARE_REQUEST else marshal.loads(request)
            out_w, err_w, stdin_fd, *ctl = fds
            _become_candidate(ctl, out_w, err_w, stdin_fd, req["limits"])
            target = req["target"]
            if target == "python":
                _python_spare(ctl[0])
            else:
                try:
                    os.execvpe(target[0], target, os.environ)
                except OSError as exc:  # a missing program is not a clean exit
                    os.write(2, f"rlcode runner: cannot execute {target[0]}: {exc.strerror}\n".encode())
                    os._exit(127)
        finally:
            os._exit(0)

    # -- operations ----------------------------------------------------------------------------
    def op_ping(self, msg):
        return {"ok": True, "protocol": PROTOCOL_VERSION, "pid": os.getpid(), "uid": os.getuid(),
                "python": sys.version.split()[0]}

    def op_write(self, msg):
        for name, content in msg["files"].items():
            path = os.path.normpath(os.path.join(self.workdir, name))
            if not path.startswith(self.workdir + os.sep):
                return {"ok": False, "error": f"bad file name {name!r}"}
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = binascii.a2b_base64(content["b64"]) if isinstance(content, dict) else content.encode()
            with open(path, "wb") as f:
                f.write(data)
            if isinstance(content, dict) and content.get("mode"):
                os.chmod(path, int(content["mode"]))
        return {"ok": True}

    def op_read(self, msg):
        """Return files the host asked for (compiled artifacts for the host-side cache)."""
        out = {}
        for name in msg["files"]:
            path = os.path.normpath(os.path.join(self.workdir, name))
            if not path.startswith(self.workdir + os.sep) or not os.path.isfile(path):
                continue
            if os.path.getsize(path) <= int(msg.get("max_bytes", 64 << 20)):
                with open(path, "rb") as f:
                    out[name] = binascii.b2a_base64(f.read(), newline=False).decode()
        return {"ok": True, "files": out}

    def op_run(self, msg):
        """Run a program to completion (compile steps and I/O tests)."""
        argv = msg["argv"]
        stdin_data = binascii.a2b_base64(msg.get("stdin_b64", ""))

        child = self._spawn(msg.get("limits"), [str(a) for a in argv], stdin_data)
        child.watch(until_ctl_message=False)
        # Keep the work dir: a compile step's output is what the next run executes. ``end`` wipes it.
        report = child.finish(lambda: self._kill_everything(wipe=False))
        report["stdout_b64"] = binascii.b2a_base64(child.stdout_all, newline=False).decode()
        return {"ok": True, "report": report}

    def op_py_load(self, msg):
        """Give a Python candidate to a (spare) child; it loads the module and waits for calls."""
        early = self._load(msg)
        if early is not None:
            return early
        return self._loaded(self.child.watch(until_ctl_message=True, raw=True))

    def _load(self, msg, batch: list | bytes | None = None) -> dict | None:
        """Send a candidate to a (spare) child, which loads it (and, given ``batch``, makes the
        calls at once: see ``op_py_batch``); the reply to give when that cannot happen, or None."""
        if self.child is not None:
            self._end_child()
        self.python_used = True
        lim = dict(DEFAULT_LIMITS)
        lim.update(msg.get("limits") or {})
        load = {"filename": msg.get("filename", "candidate.py"), "rlimits": rlimits(lim)}
        if batch is not None:
            load["fn"], load["batch"] = msg["fn"], batch
        if len(msg["code"]) <= COMPILE_IN_RUNNER_MAX:
            try:
                load["compiled"], load["warnings"] = compile_candidate(msg["code"], load["filename"])
            except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
                return {"ok": True, "status": "compile_error", "error": _describe(exc)}
        else:
            load["code"] = msg["code"]
        child, self.spare = self.spare, None
        if child is not None:
            child.reap(block=False)
        if child is None or child.exit_status is not None or child.ctl is None:
            if child is not None:
                child.finish(lambda: None)
            child = self._spawn(None, "python", with_ctl=True, apply_limits=False)
        child.limits = lim
        child.start = time.monotonic()
        child.deadline = child.start + float(lim["wall_s"])
        self.child = child
        try:
            send_marshal(child.ctl.fileno(), load)
        except OSError:
            return {"ok": True, "status": "died", "report": self._end_child()}
        return None

    def _loaded(self, body: bytes | None) -> dict:
        """The reply to a load, from the child's first control frame (None: it sent none)."""
        if body == _READY_BODY:
            return {"ok": True, "status": "ready"}
        try:
            reply = parse_body(body) if body is not None else None
        except ProtocolError:
            reply = None
        if not isinstance(reply, dict):
            return {"ok": True, "status": "died", "report": self._end_child()}
        return {"ok": True, "status": reply.get("status"), "error": reply.get("error"), "report": self._end_child()}

    def op_py_call(self, msg):
        child = self.child
        if child is None or child.ctl is None:
            return {"ok": True, "status": "died", "report": self._end_child()}
        try:
            args, kwargs = _decoded_call(msg["args"], msg.get("kwargs"))
            send_marshal(child.ctl.fileno(), {"fn": msg["fn"], "args": args, "kwargs": kwargs})
        except OSError:
            return {"ok": True, "status": "died", "report": self._end_child()}
        reply = child.watch(until_ctl_message=True)
        if reply is None or child.limit_hit:
            return {"ok": True, "status": "died", "report": self._end_child()}
        return {"ok": True, **reply}

    def op_py_batch(self, msg):
        """Load a module, make every call, end: one round trip for a whole candidate.

        The calls come as ``calls`` (plain-data encoding, decoded here) or, from the host, as
        ``calls_marshal`` with ``n_calls``: base64 of ``marshal.dumps(calls, 2)``, made once per
        task and handed to the child as it is (marshal version 2 writes no shared references, so
        every argument arrives as a fresh object, as decoding makes them). ``results`` holds each
        call's reply as the child wrote it (JSON text, not parsed here). Replies stop at the
        first call the child does not survive; the report says why."""
        packed = msg.get("calls_marshal")
        if packed is not None:  # marshalled by the host (once per task): passed on without decoding
            calls, count = binascii.a2b_base64(packed), int(msg["n_calls"])
        else:
            calls = [_decoded_call(args, kwargs) for args, kwargs in msg["calls"]]
            count = len(calls)
        early = self._load(msg, batch=calls)  # one message to the child: the module and its calls
        if early is not None:
            return early
        child = self.child
        frames = child.frames_until_exit(count + 1)  # the child exits after its last reply
        if frames is None:  # no pidfds here: frame by frame
            frames = []
            while len(frames) <= count:
                body = child.watch(until_ctl_message=True, raw=True)
                if body is None or child.limit_hit:
                    break
                frames.append(body)
        loaded = self._loaded(frames[0] if frames else None)
        if loaded.get("status") != "ready":
            return loaded
        # Passed on unparsed: the host decodes each reply it uses (and refuses a malformed one).
        results = [body.decode("utf-8", "replace") for body in frames[1:]]
        return {"ok": True, "status": "ready", "results": results, "report": self._end_child()}

    def op_end(self, msg):
        return {"ok": True, "report": self._end_child()}

    # -- cleaning --------------------------------------------------------------------------------
    def _end_child(self, spare: bool = True):
        report = None
        if self.child is not None:
            report = self.child.finish(self._kill_everything)
            self.child = None
        else:
            self._kill_everything()
        self.want_spare = spare and self.python_used  # forked after the reply is sent
        return report

    def _kill_everything(self, wipe: bool = True) -> None:
        """Kill every process but this one, then (``wipe``) remove every file the candidate left."""
        if self.pid1 and self.zygote.pid is not None:
            self._kill_all_but_zygote()
        elif self.pid1:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._reap(until_none_left=self.pid1 and self.zygote.pid is None)  # after kill(-1): every process
        for root in (self.workdir, "/dev/shm" if self.wipe_shm else None):
            if wipe and root and os.path.isdir(root):
                _empty_dir(root)

    def _reap(self, until_none_left: bool = False) -> None:
        """Collect every child that has ended (noting the zygote's end); with ``until_none_left``,
        wait until no child is left at all."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == self.zygote.pid:
                self.zygote.gone()
            elif pid == 0:
                if not until_none_left:
                    return
                time.sleep(0.001)

    def _children_but(self, zygote: int | None) -> bool:
        """Whether the runner has a child other than the zygote (True where the kernel does not
        say). When it has none, no other process is left in the namespace: every process in it
        descends from the runner through a child of its own (orphans are re-parented to the
        runner, and the zygote has no children: it clones with CLONE_PARENT)."""
        try:  # (os-level calls: a buffered file object costs more than the read itself)
            fd = os.open(f"/proc/self/task/{os.getpid()}/children", os.O_RDONLY)
            try:
                pids = os.read(fd, 1 << 16).split()
            finally:
                os.close(fd)
        except OSError:
            return True
        return any(int(pid) != zygote for pid in pids)

    def _kill_all_but_zygote(self) -> None:
        """kill(-1) would take the zygote too: kill every process in the namespace but the runner
        and the zygote, by pid, until none is left (a process forking meanwhile is caught on the
        next pass). If that does not converge, fall back to kill(-1) and a new zygote."""
        me, zygote = os.getpid(), self.zygote.pid
        for attempt in range(100):
            if attempt == 0 and not self._children_but(zygote):
                break  # the usual case, told without listing /proc
            others = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in (me, zygote)]
            if not others:
                break
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self._reap()  # what died: our children, and orphans re-parented to us
            if attempt:
                time.sleep(0.001)
        else:
            self.zygote.stop()
            os.kill(-1, signal.SIGKILL)
            return
        if self.zygote.pid is not None:
            try:
                os.kill(zygote, signal.SIGCONT)  # a candidate may have stopped it
            except ProcessLookupError:
                pass

    def serve(self) -> int:
        handlers = {"ping": self.op_ping, "write": self.op_write, "read": self.op_read,
                    "run": self.op_run, "py_load": self.op_py_load, "py_call": self.op_py_call, "py_batch": self.op_py_batch,
                    "end": self.op_end}
        while True:
            try:
                msg = read_msg(self.inp)
            except EOFError:
                self._end_child(spare=False)
                return 0
            op = msg.get("op")
            handler = handlers.get(op)
            try:
                reply = handler(msg) if handler else {"ok": False, "error": f"unknown op {op!r}"}
            except Exception as exc:  # noqa: BLE001 - report, keep serving
                reply = {"ok": False, "error": f"runner failed on {op}: {exc!r}"}
                self._end_child(spare=False)
            write_msg(self.out, reply)
            if self.want_spare and self.spare is None and self.child is None:
                self.want_spare = False
                self.spare = self._spawn(None, "python", with_ctl=True, apply_limits=False)


def _empty_dir(root: str) -> None:
    import shutil  # here, not at the top: the zygote imports this file and stays small

    def onerror(func, path, _exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    try:
        entries = os.listdir(root)
    except OSError:
        return
    for name in entries:
        path = os.path.join(root, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, onerror=onerror)
            else:
                os.unlink(path)
        except OSError:
            onerror(os.unlink, path, None)


def _undumpable() -> None:
    """Forbid same-uid processes (candidates) from ptrace-ing us or opening /proc/1/fd/*."""
    prctl = _prctl()
    if prctl is not None:
        prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4


# Standard modules candidates commonly import, imported once in the zygote so that each candidate
# inherits them instead of importing them again (an import costs a small candidate more than its
# own work). typing brings most of the others with it. Each module also makes every candidate's
# process bigger, and so its fork and exit dearer, whether it imports the module or not: modules
# that few candidates use (hashlib, decimal, datetime, dataclasses, ...) are imported by those
# that do. The child gets a copy; whatever a candidate does to them dies with it.
PRELOAD = ("typing", "math", "re", "collections", "itertools", "functools", "operator", "heapq", "bisect",
           "string")


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _connect(path: str) -> int | None:
    """A connected Unix socket to the host (a direct channel, past the Docker daemon), or None."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock.detach()


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    channel = next((a.split("=", 1)[1] for a in argv if a.startswith("--channel=")), None)
    workdir = os.path.realpath(args[0] if args else "/tmp")
    os.makedirs(workdir, exist_ok=True)
    _undumpable()
    # The runner's own environment is the one every candidate sees: set once, inherited.
    os.environ.clear()
    os.environ.update(safe_environ(workdir))
    # Move the channel off fds 0/1 so no child inherits it by accident.
    inp, out = os.dup(0), os.dup(1)
    direct = _connect(channel) if channel else None
    if direct is not None:  # frames go over the socket; stdin/stdout stay with the daemon, unused
        inp = out = direct
    for fd in {inp, out}:
        os.set_inheritable(fd, False)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    # Candidates share the runner's uid. As PID 1 the runner gets only the signals it handles, so it
    # handles none: a candidate that could end it would turn its own failure into sandbox_error
    # (no reward). The host stops a runner with SIGKILL. Children get default dispositions back.
    for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    try:
        if channel:  # the runner speaks first, on whichever channel it got: the host waits on both
            write_msg(out, {"ok": True, "hello": PROTOCOL_VERSION, "channel": "socket" if direct is not None else "stdio"})
        return Runner(inp, out, workdir, pid1=os.getpid() == 1, wipe_shm="--wipe-shm" in argv,
                      zygote="--no-zygote" not in argv).serve()
    except (EOFError, OSError) as exc:
        if getattr(exc, "errno", None) not in (None, errno.EPIPE):
            raise
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
