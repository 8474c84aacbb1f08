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
import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, TypeVar

from rlcode.errors import UsageError
from rlcode.records import ExecutionResult, Limits, Task, Verdict
from rlcode.scoring.pool import ThreadExecutor, Worker

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

    def ready(self) -> None:
        """Returns once the actor is placed and its backend open."""

    def warm(self, languages: list[str]) -> None:
        self.worker.warm(languages)

    def run_batch(self, batch: list[tuple]) -> list[ExecutionResult]:
        return [self.worker.run(*args) for args in batch]

    def close(self) -> None:
        self.worker.close()
        self.backend.close()


class RemoteWorker:
    """What the Scorer's jobs see as their Worker: ``run`` waits for a lane to send the candidate
    to its actor (and, if that actor dies, for another's)."""

    def __init__(self, executor: "RayExecutor"):
        self._executor = executor

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        return self._executor.run(task, code, language, limits)

    def close(self) -> None:
        """Nothing to close here: ``RayExecutor.close`` closes the actors."""


@dataclass
class _Request:
    args: tuple  # (task, code, language, limits)
    done: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    errors: list[str] = field(default_factory=list)

    def resolve(self, result: ExecutionResult) -> None:
        """Set the result, unless it is set already (its caller gave up waiting for an actor)."""
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            self.done.set_result(result)


def _sandbox_error(errors: list[str]) -> ExecutionResult:
    return ExecutionResult(Verdict.SANDBOX_ERROR, 0, 0, {"sandbox_errors": errors[-3:], "attempts": len(errors)})


class RayExecutor:
    """``workers`` Ray actors (warm sandboxes), each served by ``lanes_per_worker`` lanes.

    A lane is a thread here that takes up to ``batch`` waiting candidates at a time and sends
    them to its actor in one call: one Ray round trip per batch rather than per candidate (each
    costs a millisecond or more of CPU on both sides, as much as the candidate's own run). Two
    lanes per actor keep it busy while a batch's results travel back, as two threads per
    Worker do in ``ThreadExecutor``."""

    def __init__(self, settings, lanes_per_worker: int = 2, batch: int = 8):
        self.ray = ray = import_ray()
        s = settings.sandbox
        self.workers = s.workers
        self.retries = s.retries
        self.batch = batch
        self.lanes_per_worker = lanes_per_worker
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=s.address, logging_level=logging.ERROR, log_to_driver=False)
        self._settings = settings.model_copy()
        self._settings._log = None  # the CLI's log callback stays here
        self._actor_class = ray.remote(SandboxActor).options(
            num_cpus=s.cpus, max_concurrency=lanes_per_worker, scheduling_strategy="SPREAD")
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._actors: dict[object, bool] = {}  # actor -> up (False: still being placed or started)
        self._lanes: list[threading.Thread] = []
        self._languages: list[str] = []
        self._closed = False
        self._none_up_since = time.monotonic()
        self.lost = 0  # actors that died
        self.rerun = 0  # candidates sent again after their actor died
        for _ in range(self.workers):
            self._start_actor()
        # The host-side halves of jobs run in these threads, enough to fill every lane's batch; each
        # sees the one RemoteWorker. ThreadExecutor's imap and map, so both executors yield alike.
        remote = RemoteWorker(self)
        self._callers = ThreadExecutor(1, lambda: remote, threads_per_worker=self.workers * lanes_per_worker * batch)

    # -- actors and lanes ------------------------------------------------------------------------------------
    def _start_actor(self) -> None:
        actor = self._actor_class.remote(self._settings)
        with self._lock:
            self._actors[actor] = False
        for _ in range(self.lanes_per_worker):
            lane = threading.Thread(target=self._lane, args=(actor,), name="rlcode-ray-lane", daemon=True)
            lane.start()
            self._lanes.append(lane)

    def _lane(self, actor) -> None:
        """Wait for the actor to be up, then send it batches until it dies or the executor closes."""
        try:
            self.ray.get(actor.ready.remote())
        except Exception:  # noqa: BLE001 - could not start (or killed by close): its other lanes see it too
            self._lost(actor)
            return
        with self._lock:
            if self._closed or actor not in self._actors:
                return
            if not self._actors[actor]:  # the actor's first lane to see it up
                self._actors[actor] = True
                if self._languages:
                    actor.warm.remote(self._languages)
        while (batch := self._next_batch()) is not None:
            try:
                results = self.ray.get(actor.run_batch.remote([r.args for r in batch]))
            except Exception as exc:  # noqa: BLE001 - the actor (or its node) is gone: infrastructure
                self._lost(actor)
                for request in batch:
                    self._again(request, f"ray actor lost: {type(exc).__name__}")
                return
            for request, result in zip(batch, results):
                if request.errors:
                    result.details["ray_attempts"] = len(request.errors) + 1
                request.resolve(result)

    def _next_batch(self) -> list[_Request] | None:
        """A fair share of what waits (a short queue is spread over every lane, not one batch), up
        to ``batch``; requests whose callers gave up are dropped. None once the executor closes."""
        batch: list[_Request] = []
        while not batch:
            first = self._queue.get()
            if first is None:  # closing
                self._queue.put(None)  # for the next lane
                return None
            if first.done.done():
                continue
            batch = [first]
        limit = min(self.batch, 1 + self._queue.qsize() // (self.workers * self.lanes_per_worker))
        while len(batch) < limit:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._queue.put(None)
                break
            if not more.done.done():
                batch.append(more)
        return batch

    def _lost(self, actor) -> None:
        with self._lock:
            if self._closed or actor not in self._actors:
                return  # another lane of it saw it die first
            del self._actors[actor]
            self.lost += 1
        try:
            self.ray.kill(actor, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self._start_actor()  # joins once Ray can place it (a node rejoins, the autoscaler adds one)

    def _again(self, request: _Request, error: str) -> None:
        """Send a lost actor's candidate to another, or, after ``retries`` losses, give it up."""
        request.errors.append(error)
        if len(request.errors) > self.retries:
            request.resolve(_sandbox_error(request.errors))
            return
        with self._lock:
            self.rerun += 1
        self._queue.put(request)

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        request = _Request((task, code, language, limits))
        self._queue.put(request)
        while True:
            try:
                return request.done.result(timeout=1.0)
            except concurrent.futures.TimeoutError:
                pass
            with self._lock:  # every actor lost and none placed again for a long while: give up
                if any(self._actors.values()):
                    self._none_up_since = time.monotonic()
                elif time.monotonic() - self._none_up_since > READY_WAIT_S:
                    request.resolve(_sandbox_error([*request.errors, f"no Ray actor up for {READY_WAIT_S:.0f} s"]))

    # -- the executor interface ----------------------------------------------------------------------------
    def prestart(self, languages: list[str]) -> None:
        """Open each actor's sessions as soon as it is up (in the background)."""
        with self._lock:
            self._languages = list(dict.fromkeys(self._languages + languages))
            for actor, up in self._actors.items():
                if up:
                    actor.warm.remote(languages)

    def imap(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> Iterator[tuple[J, R]]:
        return self._callers.imap(jobs, fn)

    def map(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> list[R]:
        return self._callers.map(jobs, fn)

    def close(self) -> None:
        self._callers.close()
        self._queue.put(None)  # the lanes stop after their batch in flight
        with self._lock:
            self._closed = True
            actors, self._actors = dict(self._actors), {}
        closing = [actor.close.remote() for actor, up in actors.items() if up]
        try:
            self.ray.wait(closing, num_returns=len(closing), timeout=30)  # containers removed on their nodes
        except Exception:  # noqa: BLE001 - a node gone meanwhile: nothing left there to close
            pass
        for actor in actors:
            try:
                self.ray.kill(actor, no_restart=True)  # also ends lanes waiting for one never placed
            except Exception:  # noqa: BLE001
                pass
        for lane in self._lanes:
            lane.join(timeout=10)
        if self._owns_ray:
            self.ray.shutdown()
