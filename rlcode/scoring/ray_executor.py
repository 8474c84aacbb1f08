"""The Ray executor: candidates run on Ray actors, each a warm sandbox on its own node.

``RayExecutor`` has ``ThreadExecutor``'s interface (``prestart``, ``imap``, ``map``, ``close``).
The host-side half of a job (cache, static analysis, reward, the row) stays in the calling
process; only the sandbox half (``Worker.run``) crosses to an actor. Every actor builds its own
backend and Worker on its node, so it uses that node's Docker engine and images, and keeps its
containers warm across calls like a Worker does. ``sandbox.workers`` actors are created, spread
over the nodes, each reserving ``sandbox.cpus`` of its node's CPUs.

A dead actor (its node lost, its process killed) is infrastructure, never the candidate's
failure: the candidates it held are run again on a live actor, a replacement is asked for (it
joins once Ray can place it), and only after ``sandbox.retries`` such losses for one candidate
does its row become a ``sandbox_error``. Each job's one result comes back through the caller, so
no row is lost or written twice.

Ray is imported only when this executor is chosen (``pip install 'rlcode[ray]'``).
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import threading
import time
from typing import Callable, Iterable, Iterator, TypeVar

from rlcode.errors import UsageError
from rlcode.records import ExecutionResult, Limits, Task, Verdict
from rlcode.scoring.pool import EXECUTORS, Worker

J = TypeVar("J")
R = TypeVar("R")

READY_WAIT_S = 120.0  # the longest a job waits for any actor to be up (first start, or all lost)


def import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError("the ray executor needs Ray, which is not installed",
                         hint="pip install 'rlcode[ray]'") from None
    return ray


class SandboxActor:
    """Runs on a Ray worker: one rlcode Worker over the node's own backend (Docker engine)."""

    def __init__(self, settings):
        from rlcode.sandbox import open_backend

        self.backend = open_backend(settings)
        self.worker = Worker(self.backend, settings.sandbox.retries)

    def ready(self) -> dict:
        import ray

        return {"pid": os.getpid(), "node_id": ray.get_runtime_context().get_node_id()}

    def warm(self, languages: list[str]) -> None:
        self.worker.warm(languages)

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        return self.worker.run(task, code, language, limits)

    def close(self) -> None:
        self.worker.close()
        self.backend.close()


class RemoteWorker:
    """What the Scorer's jobs see as their Worker: ``run`` goes to the least busy live actor and,
    if that actor dies, to another."""

    def __init__(self, executor: "RayExecutor"):
        self._executor = executor

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        return self._executor.run(task, code, language, limits)


class RayExecutor:
    """``workers`` Ray actors (warm sandboxes), each served ``threads_per_worker`` jobs at a time."""

    def __init__(self, settings, threads_per_worker: int = 2):
        self.ray = ray = import_ray()
        s = settings.sandbox
        self.workers = s.workers
        self.retries = s.retries
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=s.address, logging_level=logging.ERROR, log_to_driver=False,
                     configure_logging=True)
        self._settings = settings.model_copy()
        self._settings._log = None  # the CLI's log callback stays here
        self._actor_class = ray.remote(SandboxActor).options(
            num_cpus=s.cpus, max_concurrency=threads_per_worker, scheduling_strategy="SPREAD")
        self._lock = threading.Condition()
        self._live: dict[object, int] = {}  # actor -> jobs in flight on it
        self._pending: dict[object, object] = {}  # ready() ref -> actor, not up yet
        self._languages: list[str] = []
        self._warmed: list[object] = []
        self.lost = 0  # actors that died
        self.rerun = 0  # jobs run again after their actor died
        for _ in range(self.workers):
            self._start_actor()
        self._worker = RemoteWorker(self)
        self._pool = concurrent.futures.ThreadPoolExecutor(self.workers * threads_per_worker,
                                                           thread_name_prefix="rlcode-ray")

    # -- actors ------------------------------------------------------------------------------------------
    def _start_actor(self) -> None:
        actor = self._actor_class.remote(self._settings)
        self._pending[actor.ready.remote()] = actor

    def _promote(self, timeout: float) -> None:
        """Move actors that have come up from pending to live (called with the lock held)."""
        if not self._pending:
            return
        done, _ = self.ray.wait(list(self._pending), num_returns=len(self._pending), timeout=timeout)
        for ref in done:
            actor = self._pending.pop(ref)
            try:
                self.ray.get(ref)
            except Exception:  # noqa: BLE001 - could not start there: ask for another
                self.lost += 1
                self._start_actor()
                continue
            self._live[actor] = 0
            if self._languages:
                self._warmed.append(actor.warm.remote(self._languages))

    def _acquire(self):
        deadline = time.monotonic() + READY_WAIT_S
        with self._lock:
            while True:
                self._promote(0)
                if self._live:
                    actor = min(self._live, key=self._live.get)
                    self._live[actor] += 1
                    return actor
                if time.monotonic() > deadline:
                    return None
                # None up yet: wait for the first (outside the lock would let every thread wait; one is enough)
                self._promote(min(1.0, max(0.0, deadline - time.monotonic())))

    def _release(self, actor, dead: bool) -> None:
        with self._lock:
            if actor not in self._live:
                return  # another job on it saw it die first
            if dead:
                del self._live[actor]
                self.lost += 1
                try:
                    self.ray.kill(actor, no_restart=True)
                except Exception:  # noqa: BLE001 - already gone
                    pass
                self._start_actor()  # joins once Ray can place it (a node rejoins, the autoscaler adds one)
            else:
                self._live[actor] -= 1

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        from ray.exceptions import RayActorError

        errors = []
        for attempt in range(self.retries + 1):
            actor = self._acquire()
            if actor is None:
                errors.append(f"no Ray actor came up within {READY_WAIT_S:.0f} s")
                break
            try:
                result = self.ray.get(actor.run.remote(task, code, language, limits))
            except RayActorError as exc:  # the actor (or its node) is gone: infrastructure
                self._release(actor, dead=True)
                errors.append(f"ray actor lost: {type(exc).__name__}")
                with self._lock:
                    self.rerun += 1
                continue
            self._release(actor, dead=False)
            if attempt:
                result.details["ray_attempts"] = attempt + 1
            return result
        return ExecutionResult(Verdict.SANDBOX_ERROR, 0, 0, {"sandbox_errors": errors[-3:],
                                                            "attempts": len(errors)})

    # -- the executor interface ----------------------------------------------------------------------------
    def prestart(self, languages: list[str]) -> None:
        """Open each actor's sessions as soon as it is up (in the background)."""
        with self._lock:
            self._languages = list(dict.fromkeys(self._languages + languages))
            for actor in self._live:
                self._warmed.append(actor.warm.remote(languages))
            self._promote(0)

    def imap(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> Iterator[tuple[J, R]]:
        futures = {self._pool.submit(fn, self._worker, job): job for job in jobs}
        try:
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def map(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> list[R]:
        futures = [self._pool.submit(fn, self._worker, job) for job in jobs]
        try:
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            live, pending = list(self._live), list(self._pending.values())
            self._live, self._pending = {}, {}
        closing = [actor.close.remote() for actor in live]
        try:
            self.ray.wait(closing, num_returns=len(closing), timeout=30)  # containers removed on their nodes
        except Exception:  # noqa: BLE001 - a node gone meanwhile: nothing left there to close
            pass
        for actor in live + pending:
            try:
                self.ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001
                pass
        if self._owns_ray:
            self.ray.shutdown()


EXECUTORS.register("ray", RayExecutor)
