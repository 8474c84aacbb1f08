"""The Docker backend: one warm, hardened container per worker and language.

The container's PID 1 is the runner; the host talks to it through the attach stream (stdin in,
multiplexed stdout/stderr out). Containers carry labels so ``rlcode sandbox prune`` can find
ones a killed run left behind.
"""

from __future__ import annotations

import os
import struct
import threading
import uuid

from rlcode.errors import SandboxUnavailable
from rlcode.languages import get_language
from rlcode.sandbox.base import BACKENDS, Check, FramedSession, SandboxFailure, wait_readable
from rlcode.sandbox.images import ensure_image

LABEL = "rlcode.sandbox"
OWNER_LABEL = "rlcode.owner"
SANDBOX_UID = "10001:10001"


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
                 tmpfs_mb: int):
        super().__init__()
        self.language = language
        self.stderr_tail = bytearray()
        self.container = client.containers.create(
            image,
            command=["/tmp", "--wipe-shm"],
            name=f"rlcode-{language}-{uuid.uuid4().hex[:10]}",
            stdin_open=True,
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
            user=SANDBOX_UID,
            environment={},
            ulimits=[],
            labels={LABEL: "1", OWNER_LABEL: str(os.getpid()), "rlcode.language": language},
            hostname="sandbox",
            init=False,
        )
        try:
            sock = self.container.attach_socket(params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            self.sock = getattr(sock, "_sock", sock)
            self._sockio = sock
            self.container.start()
            self._raw = bytearray()
            self.info = self.request({"op": "ping"}, timeout=30)
        except BaseException:
            self.close()
            raise

    def _send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _recv(self, deadline: float) -> bytes:
        """Demultiplex Docker's stream frames: 8-byte header (stream, 0, 0, 0, size)."""
        while True:
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
            wait_readable(self.sock, deadline, "the sandbox container")
            data = self.sock.recv(1 << 20)
            if not data:
                raise SandboxFailure(f"the sandbox container closed its stream ({self.stderr_tail[-300:].decode(errors='replace')})")
            self._raw.extend(data)

    def close(self) -> None:
        self.broken = True
        try:
            self.sock.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001
            pass


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

    def image_for(self, language: str) -> str:
        with self._lock:
            if language not in self._images:
                self._images[language] = ensure_image(self.client, get_language(language), log=self.settings.log)
            return self._images[language]

    def toolchain_id(self, language: str) -> str:
        """The image's content id: changes whenever the toolchain or the runner changes."""
        return self.client.images.get(self.image_for(language)).id

    def open_session(self, language: str) -> DockerSession:
        s = self.settings
        lang = get_language(language)
        memory = max(s.memory_mb * lang.memory_factor, lang.compile_memory_mb) * 2 + 128
        try:
            session = DockerSession(self.client, self.image_for(language), language, int(memory), s.pids, s.cpus,
                                    s.tmpfs_mb)
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


def stale_containers(client) -> list:
    """Containers left by rlcode processes that are gone."""
    out = []
    for c in client.containers.list(all=True, filters={"label": LABEL}):
        owner = c.labels.get(OWNER_LABEL, "")
        alive = owner.isdigit() and _pid_alive(int(owner))
        if not alive:
            out.append(c)
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

__all__ = ["DockerBackend", "DockerSession", "docker_client", "stale_containers"]
