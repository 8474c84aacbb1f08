"""The Docker backend: one warm, hardened container per worker and language.

The container's PID 1 is the runner. The host talks to it over a Unix socket: the host listens
in a fresh directory bind-mounted read-only into the container, the runner connects at start, the
host checks that the peer is the container's own PID 1 (SO_PEERCRED) and removes the socket file
before any candidate runs. Frames then pass between the two processes directly instead of
through the Docker daemon and its shim. Where the runner cannot connect (a remote daemon, a
security module refusing the mount), both ends use the attach stream instead (stdin in,
multiplexed stdout/stderr out); the runner says which in its first frame. Containers carry
labels so ``rlcode sandbox prune`` can find ones a killed run left behind.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import tempfile
import threading
import time
import uuid
from pathlib import Path

from rlcode.errors import SandboxUnavailable
from rlcode.languages import get_language
from rlcode.sandbox.base import BACKENDS, Check, FramedSession, SandboxFailure, wait_readable
from rlcode.sandbox.images import ensure_image, image_tag

LABEL = "rlcode.sandbox"
OWNER_LABEL = "rlcode.owner"
SANDBOX_UID = "10001:10001"
CHANNEL_DIR = "/run/rlcode"  # where the host's channel directory appears in the container
RUNNER_CHANNEL = f"{CHANNEL_DIR}/chan"  # the socket the runner connects to
CHANNEL_PREFIX = "rlcode-chan-"  # host-side channel directories: rlcode-chan-<owner pid>-<random>


def docker_client(timeout: int = 120):
    import docker
    import docker.errors

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except (docker.errors.DockerException, OSError) as exc:
        raise SandboxUnavailable(f"no Docker engine answers ({exc.__class__.__name__})",
                                 hint="start it (dockerd &) or use --backend local") from None


class DockerSession(FramedSession):
    def __init__(self, client, image: str, language: str, container_memory_mb: int, pids: int, cpus: float,
                 tmpfs_mb: int, on_launch=None):
        from docker.types import Mount

        super().__init__()
        self.language = language
        self.stderr_tail = bytearray()
        self.direct: socket.socket | None = None
        self.sock = self.container = self._sockio = None
        self._chan_dir = tempfile.mkdtemp(prefix=f"{CHANNEL_PREFIX}{os.getpid()}-")
        os.chmod(self._chan_dir, 0o755)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        chan = os.path.join(self._chan_dir, "chan")
        listener.bind(chan)
        os.chmod(chan, 0o666)  # the runner's uid must be able to connect
        listener.listen(1)
        try:
            self._create(client, image, language, container_memory_mb, pids, cpus, tmpfs_mb, Mount, on_launch)
            self._connect(listener, chan)
        except BaseException:
            listener.close()
            self.close()
            raise
        listener.close()

    def _create(self, client, image, language, container_memory_mb, pids, cpus, tmpfs_mb, Mount, on_launch) -> None:
        # The low-level API: the high-level ``containers.create`` inspects the new container once
        # more, a daemon round trip on every run's critical path that gives nothing used here.
        api = client.api
        host_config = api.create_host_config(
            mounts=[Mount(target=CHANNEL_DIR, source=self._chan_dir, type="bind", read_only=True)],
            auto_remove=True,  # the daemon removes it once the runner exits (see ``close``)
            network_mode="none",
            read_only=True,
            tmpfs={"/tmp": f"rw,nosuid,nodev,exec,size={tmpfs_mb}m,mode=1777"},
            shm_size=16 << 20,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=pids,
            mem_limit=f"{container_memory_mb}m",
            memswap_limit=f"{container_memory_mb}m",
            nano_cpus=int(cpus * 1e9),
            ulimits=[],
            init=False,
        )
        created = api.create_container(
            image,
            command=["/tmp", "--wipe-shm", f"--channel={RUNNER_CHANNEL}"],
            name=f"rlcode-{language}-{uuid.uuid4().hex[:10]}",
            stdin_open=True,
            network_disabled=True,  # no libnetwork hook: runc would re-exec the whole daemon per start
            user=SANDBOX_UID,
            environment={},
            labels={LABEL: "1", OWNER_LABEL: str(os.getpid()), "rlcode.language": language},
            hostname="sandbox",
            host_config=host_config,
        )
        self.container = client.containers.prepare_model({"Id": created["Id"]})
        sock = self.container.attach_socket(params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        self.sock = getattr(sock, "_sock", sock)
        self._sockio = sock
        self._raw = bytearray()
        if on_launch is not None:  # all that is left is the daemon's work (``ThreadExecutor.prestart``)
            on_launch()
        self.container.start()

    def _connect(self, listener: socket.socket, chan: str) -> None:
        """Take the runner's connection if it makes one; either way read its first frame."""
        deadline = time.monotonic() + 30
        while self.direct is None and time.monotonic() < deadline:
            ready, _, _ = select.select([listener, self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if listener in ready:
                conn, _ = listener.accept()
                if self._peer_is_runner(conn):
                    self.direct = conn
                else:  # anyone else on this machine who found the socket first
                    conn.close()
            elif self.sock in ready:
                break  # the runner fell back to its stdout
        os.unlink(chan)
        hello = self._receive(deadline)
        if not isinstance(hello, dict) or not hello.get("hello"):
            raise SandboxFailure(f"the sandbox runner did not say hello: {str(hello)[:200]}")
        self.channel = hello.get("channel")
        self.info = self.request({"op": "ping"}, timeout=30)

    def _peer_is_runner(self, conn: socket.socket) -> bool:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid = struct.unpack("3i", creds)[0]
        if _is_pid1_of(pid, self.container.id):
            return True
        self.container.reload()  # where /proc cannot tell (another layout): ask the daemon
        return pid == self.container.attrs["State"]["Pid"]

    def _send(self, data: bytes) -> None:
        (self.direct or self.sock).sendall(data)

    def _recv(self, deadline: float) -> bytes:
        if self.direct is None:
            return self._recv_attached(deadline)
        wait_readable(self.direct, deadline, "the sandbox container")
        data = self.direct.recv(1 << 20)
        if not data:
            self._collect_stderr()
            raise SandboxFailure(f"the sandbox container closed its channel "
                                 f"({self.stderr_tail[-300:].decode(errors='replace')})")
        return data

    def _collect_stderr(self) -> None:
        """What the runner printed before it died (its stderr comes over the attach stream)."""
        try:
            while select.select([self.sock], [], [], 0.2)[0]:
                data = self.sock.recv(1 << 16)
                if not data:
                    break
                self._raw.extend(data)
        except (OSError, ValueError):
            pass
        while self._demux() is not None:
            pass

    def _demux(self) -> bytes | None:
        """Docker's attach stream frames (8-byte header: stream, 0, 0, 0, size): stderr goes to
        ``stderr_tail``; returns the next stdout payload, or None when no whole frame is left."""
        while len(self._raw) >= 8:
            stream, size = self._raw[0], struct.unpack(">I", self._raw[4:8])[0]
            if len(self._raw) < 8 + size:
                break
            payload = bytes(self._raw[8 : 8 + size])
            del self._raw[: 8 + size]
            if stream == 1:
                if payload:
                    return payload
            else:
                self.stderr_tail.extend(payload)
                del self.stderr_tail[:-4096]
        return None

    def _recv_attached(self, deadline: float) -> bytes:
        while True:
            payload = self._demux()
            if payload is not None:
                return payload
            wait_readable(self.sock, deadline, "the sandbox container")
            data = self.sock.recv(1 << 20)
            if not data:
                raise SandboxFailure(f"the sandbox container closed its stream ({self.stderr_tail[-300:].decode(errors='replace')})")
            self._raw.extend(data)

    def close(self) -> None:
        """End the container. A healthy runner with no request in flight, on the direct channel,
        exits when that channel closes, and the daemon then removes its container (auto_remove)
        without this process waiting the ~80 ms that takes; any other container is killed and
        removed here."""
        idle = self.direct is not None and not self.broken and self.txn.acquire(blocking=False)
        if idle and self.in_flight:  # nobody sending, but a pipelined request is still running
            self.txn.release()
            idle = False
        self._break()
        for sock in (self.direct, self._sockio, self.sock):
            try:
                if sock is not None:
                    sock.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        try:
            if self.container is not None and not idle:
                self.container.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone (auto_remove), or the daemon is
            pass
        finally:
            if idle:
                self.txn.release()
        shutil.rmtree(self._chan_dir, ignore_errors=True)


class DockerBackend:
    name = "docker"
    isolation = ("docker: network none, read-only root, tmpfs /tmp (nosuid,nodev), all capabilities dropped, "
                 "no-new-privileges, pids/memory/CPU limits, uid 10001, empty environment")

    def __init__(self, settings):
        self.settings = settings
        self.client = docker_client()
        self._images: dict[str, str] = {}
        self._sessions: set[DockerSession] = set()
        self._lock = threading.Lock()

    def _image(self, language: str) -> tuple[str, str]:
        """The language's image tag (built first if missing) and content id, asked once."""
        with self._lock:
            if language not in self._images:
                import docker.errors

                lang = get_language(language)
                tag = image_tag(lang)
                try:
                    image = self.client.images.get(tag)
                except docker.errors.ImageNotFound:  # built now (ensure_image), then asked once more
                    image = self.client.images.get(ensure_image(self.client, lang, log=self.settings.log))
                self._images[language] = (tag, image.id)
            return self._images[language]

    def image_for(self, language: str) -> str:
        return self._image(language)[0]

    def toolchain_id(self, language: str) -> str:
        """The image's content id: changes whenever the toolchain or the runner changes."""
        return self._image(language)[1]

    def open_session(self, language: str, on_launch=None) -> DockerSession:
        s = self.settings
        lang = get_language(language)
        memory = max(s.memory_mb * lang.memory_factor, lang.compile_memory_mb) * 2 + 128
        try:
            session = DockerSession(self.client, self.image_for(language), language, int(memory), s.pids, s.cpus,
                                    s.tmpfs_mb, on_launch)
        except SandboxUnavailable:
            raise
        except Exception as exc:  # docker SDK errors, socket errors
            raise SandboxFailure(f"could not start a {language} container: {exc}") from exc
        with self._lock:
            self._sessions.add(session)
        return session

    def release(self, session: DockerSession) -> None:
        session.close()
        with self._lock:
            self._sessions.discard(session)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions), set()
        for session in sessions:
            session.close()

    def doctor(self) -> list[Check]:
        info = self.client.info()
        version = self.client.version()
        checks = [Check("engine", True, f"Docker {version.get('Version')} (API {version.get('ApiVersion')}), "
                                         f"cgroup v{info.get('CgroupVersion', '?')}, {info.get('Driver')}"),
                  Check("isolation", True, self.isolation)]
        for w in info.get("Warnings") or []:
            checks.append(Check("engine warning", False, w))
        return checks


def _is_pid1_of(pid: int, container_id: str) -> bool:
    """Whether host process ``pid`` is PID 1 of its PID namespace (the last ``NSpid`` field) and
    sits in the container's own cgroup (whose path names the full container id): what the
    daemon's ``State.Pid`` says, read from /proc without a round trip to the daemon. False
    whenever either cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            nspid = next((line.split()[1:] for line in f if line.startswith(b"NSpid:")), None)
        with open(f"/proc/{pid}/cgroup", "rb") as f:
            cgroups = f.read()
    except OSError:
        return False
    return bool(nspid) and len(nspid) > 1 and nspid[-1] == b"1" and container_id.encode() in cgroups


def stale_containers(client) -> list[str]:
    """Ids of containers left by rlcode processes that are gone. (The low-level listing: the
    high-level one fetches each container again, and an idle one may be removed meanwhile.)"""
    out = []
    for c in client.api.containers(all=True, filters={"label": LABEL}):
        owner = (c.get("Labels") or {}).get(OWNER_LABEL, "")
        if not (owner.isdigit() and _pid_alive(int(owner))):
            out.append(c["Id"])
    return out


def remove_container(client, container_id: str) -> bool:
    """Kill and remove it; False if it was already gone (removed by the daemon meanwhile)."""
    import docker.errors

    try:
        client.api.remove_container(container_id, force=True)
        return True
    except docker.errors.NotFound:
        return False


def stale_channel_dirs() -> list[Path]:
    """Channel directories left in the temp dir by rlcode processes that are gone (a killed run)."""
    out = []
    for path in Path(tempfile.gettempdir()).glob(f"{CHANNEL_PREFIX}*-*"):
        owner = path.name[len(CHANNEL_PREFIX):].split("-", 1)[0]
        if path.is_dir() and owner.isdigit() and not _pid_alive(int(owner)):
            out.append(path)
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


BACKENDS.register("docker", DockerBackend)

__all__ = ["DockerBackend", "DockerSession", "docker_client", "remove_container", "stale_channel_dirs",
           "stale_containers"]
