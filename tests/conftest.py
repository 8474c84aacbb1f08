"""Shared fixtures: real sandboxes (Docker, local) and small task builders."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rlcode.records import Limits, Task
from rlcode.sandbox import open_backend
from rlcode.scoring.pool import Worker
from rlcode.settings import load_settings

FAST = Limits(time_s=1.0, memory_mb=256, output_kb=256, file_mb=4)


def make_task(test: str, entry_point: str = "f", prompt: str = "", **kw) -> Task:
    return Task(task_id=kw.pop("task_id", "t/0"), prompt=prompt, entry_point=entry_point, test=test, **kw)


ADD_TEST = """
def check(candidate):
    assert candidate(1, 2) == 3
    assert candidate(-5, 5) == 0
    assert candidate(918273, 1) == 918274
"""


def containers_gone(filters: dict, within_s: float = 10.0) -> bool:
    """Whether no container matches ``filters`` within ``within_s``: an idle container is removed by
    the daemon once its runner exits (``DockerSession.close``), a moment after the caller returns."""
    import docker

    api = docker.from_env().api
    deadline = time.monotonic() + within_s
    while api.containers(all=True, filters=filters):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class KillingBackend:
    """A real Docker backend whose containers are killed as soon as they start: every request fails
    as infrastructure (``SandboxFailure``), so a worker ends with ``sandbox_error``."""

    def __init__(self, backend):
        self.backend = backend

    def open_session(self, language, on_launch=None):
        session = self.backend.open_session(language, on_launch)
        session.container.kill()
        return session

    def release(self, session):
        self.backend.release(session)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _backend(name: str):
    settings = load_settings(None, {"sandbox": {"backend": name}})
    return open_backend(settings)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Each test gets its own result cache: no test is served another's results."""
    monkeypatch.setenv("RLCODE_SANDBOX__CACHE_PATH", str(tmp_path / "rlcode-cache.sqlite"))


@pytest.fixture(scope="session")
def docker_backend():
    backend = _backend("docker")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def local_backend():
    backend = _backend("local")
    yield backend
    backend.close()


@pytest.fixture()
def docker_worker(docker_backend):
    worker = Worker(docker_backend, retries=2)
    yield worker
    worker.close()


@pytest.fixture()
def local_worker(local_backend):
    worker = Worker(local_backend, retries=2)
    yield worker
    worker.close()
