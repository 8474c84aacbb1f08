"""Workers and the executor interface.

A ``Worker`` owns warm sandbox sessions (one per language it has used) and is used by one
thread at a time. An executor (``ThreadExecutor`` here; a Ray executor can follow with the same
``imap``) runs a function over jobs with one worker per parallel slot, yielding results as they
finish. A session that fails below the candidate is replaced and the job retried; after
``retries`` failures the job's result is a ``sandbox_error``.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import OrderedDict
from typing import Callable, Iterable, Iterator, Protocol, TypeVar

from rlcode.languages import get_language
from rlcode.records import ExecutionResult, Limits, Task, Verdict
from rlcode.registry import Registry
from rlcode.sandbox.base import SandboxFailure
from rlcode.scoring.execute import Executor as LanguageExecutor

J = TypeVar("J")
R = TypeVar("R")

MAX_LANGUAGES_PER_WORKER = 2


class SessionsFailed(SandboxFailure):
    """Every attempt of ``Worker.with_session`` failed below the candidate; ``errors`` says why."""

    def __init__(self, errors: list[str]):
        super().__init__(errors[-1] if errors else "no attempt")
        self.errors = errors


class Worker:
    """Warm sessions (one per language in use) behind one lock; shareable by a few threads.

    A session's requests are pipelined (``FramedSession.request``): a Python check job sends its
    one batch request as soon as no other thread is sending, so the runner finds it waiting when it
    finishes the one before, and a second thread's candidate runs in the container while the
    first replays its check. Jobs that need several requests hold ``session.txn`` for all of them."""

    def __init__(self, backend, retries: int, cache=None):
        self.backend = backend
        self.retries = retries
        self.cache = cache  # compiled-artifact cache (rlcode.cache.Cache), or None
        self._sessions: OrderedDict[str, LanguageExecutor] = OrderedDict()
        self._lock = threading.RLock()
        self.replaced = 0

    def _executor(self, language: str, on_launch: Callable[[], None] | None = None) -> LanguageExecutor:
        with self._lock:
            ex = self._sessions.get(language)
            if ex is not None and not getattr(ex.session, "broken", False):
                self._sessions.move_to_end(language)
                return ex
            if ex is not None:
                self._drop(language, ex)
            while len(self._sessions) >= MAX_LANGUAGES_PER_WORKER:
                self._drop(next(iter(self._sessions)))
            artifacts = (self.cache, self.backend.toolchain_id(language)) if self.cache is not None else None
            ex = LanguageExecutor(self.backend.open_session(language, on_launch), get_language(language), artifacts)
            self._sessions[language] = ex
            return ex

    def _drop(self, language: str, only: LanguageExecutor | None = None) -> bool:
        """Release the language's session (only if it is still ``only``, when given)."""
        with self._lock:
            ex = self._sessions.get(language)
            if ex is None or (only is not None and ex is not only):
                return False
            del self._sessions[language]
        self.backend.release(ex.session)
        return True

    def warm(self, languages: Iterable[str], launched: threading.Event | None = None) -> None:
        """Open sessions before the first job needs them; ``launched`` is set once the first has
        been launched (or could not be). Failures are left for that job, which retries and
        reports them."""
        try:
            for i, language in enumerate(list(dict.fromkeys(languages))[:MAX_LANGUAGES_PER_WORKER]):
                try:
                    self._executor(language, launched.set if launched is not None and i == 0 else None)
                except Exception:  # noqa: BLE001 - the first job opens it again and reports why not
                    return
        finally:
            if launched is not None:
                launched.set()

    def with_session(self, language: str, fn: Callable[[LanguageExecutor], R]) -> R:
        """``fn`` on the language's warm session; a session that fails below the candidate is
        replaced and ``fn`` tried again, ``retries`` times, then ``SessionsFailed`` is raised."""
        errors = []
        for _attempt in range(self.retries + 1):
            ex = None
            try:
                ex = self._executor(language)
                return fn(ex)
            except SandboxFailure as exc:
                errors.append(str(exc))
                if ex is not None and self._drop(language, ex):
                    self.replaced += 1
        raise SessionsFailed(errors)

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        try:
            return self.with_session(language, lambda ex: ex.run(task, code, limits))
        except SessionsFailed as exc:
            return ExecutionResult(Verdict.SANDBOX_ERROR, 0, 0, {"sandbox_errors": exc.errors[-3:],
                                                                "attempts": self.retries + 1})

    def close(self) -> None:
        for language in list(self._sessions):
            self._drop(language)


class ParallelExecutor(Protocol):
    workers: int

    def prestart(self, languages: list[str]) -> None: ...

    def imap(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> Iterator[tuple[J, R]]: ...

    def map(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> list[R]: ...

    def close(self) -> None: ...


class ThreadExecutor:
    """A persistent pool: ``workers`` warm Workers (containers), each served by
    ``threads_per_worker`` threads, reused across calls.

    Two threads per container keep it busy: while one thread does the host-side half of a job
    (replaying a check, the reward, writing the row), the other's candidate runs. ``imap`` yields
    (job, result) as they finish; ``map`` returns results in order. Workers live until ``close``,
    so a trainer calling the reward function every step pays for container start once."""

    def __init__(self, workers: int, make_worker: Callable[[], Worker], threads_per_worker: int = 2):
        self.workers = workers
        self.make_worker = make_worker
        self._pool = concurrent.futures.ThreadPoolExecutor(workers * threads_per_worker,
                                                           thread_name_prefix="rlcode-worker")
        self._local = threading.local()
        self._slots: list[Worker | None] = [None] * workers
        self._next = 0
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        self._warming: list[threading.Thread] = []

    def _worker(self) -> Worker:
        """The calling thread's Worker: threads are spread evenly over ``workers`` Workers."""
        worker = getattr(self._local, "worker", None)
        if worker is None:
            with self._lock:
                slot = self._next % len(self._slots)
                self._next += 1
                if self._slots[slot] is None:
                    self._slots[slot] = self.make_worker()
                    self._all.append(self._slots[slot])
                worker = self._local.worker = self._slots[slot]
        return worker

    LAUNCH_WAIT_S = 0.5

    def prestart(self, languages: list[str]) -> None:
        """Create every Worker now and open its sessions in the background, so that starting the
        containers overlaps what the caller does next (programs, static analysis, judges).

        Returns once every worker has launched its first session (its start is then the
        daemon's work) or after ``LAUNCH_WAIT_S``: the host's part of a start (the SDK's
        requests) needs the GIL, and the caller's next steps (compiling judges) hold it for
        milliseconds at a time, which had delayed the start requests by 40-120 ms."""
        launched = []
        with self._lock:
            for slot, worker in enumerate(self._slots):
                if worker is None:
                    worker = self._slots[slot] = self.make_worker()
                    self._all.append(worker)
                    event = threading.Event()
                    launched.append(event)
                    thread = threading.Thread(target=worker.warm, args=(languages, event), name="rlcode-warm",
                                              daemon=True)
                    thread.start()
                    self._warming.append(thread)
        deadline = time.monotonic() + self.LAUNCH_WAIT_S
        for event in launched:
            event.wait(max(0.0, deadline - time.monotonic()))

    def imap(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> Iterator[tuple[J, R]]:
        futures = {self._pool.submit(lambda j=job: fn(self._worker(), j)): job for job in jobs}
        try:
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()  # on Ctrl-C or an error: started jobs finish, queued ones never start

    def map(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> list[R]:
        futures = [self._pool.submit(lambda j=job: fn(self._worker(), j)) for job in jobs]
        try:
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for thread in self._warming:  # a session still opening is closed with its worker below
            thread.join()
        with self._lock:
            workers, self._all = self._all, []
        closing = [threading.Thread(target=worker.close, name="rlcode-close") for worker in workers]
        for thread in closing:  # removing a container takes the daemon tens of milliseconds: all at once
            thread.start()
        for thread in closing:
            thread.join()


EXECUTORS: Registry[type] = Registry("executor")
EXECUTORS.register("threads", ThreadExecutor)
