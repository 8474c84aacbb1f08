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


class Worker:
    def __init__(self, backend, retries: int, cache=None):
        self.backend = backend
        self.retries = retries
        self.cache = cache  # compiled-artifact cache (rlcode.cache.Cache), or None
        self._sessions: OrderedDict[str, LanguageExecutor] = OrderedDict()
        self.replaced = 0

    def _executor(self, language: str) -> LanguageExecutor:
        ex = self._sessions.get(language)
        if ex is not None and not getattr(ex.session, "broken", False):
            self._sessions.move_to_end(language)
            return ex
        if ex is not None:
            self._drop(language)
        while len(self._sessions) >= MAX_LANGUAGES_PER_WORKER:
            self._drop(next(iter(self._sessions)))
        artifacts = (self.cache, self.backend.toolchain_id(language)) if self.cache is not None else None
        ex = LanguageExecutor(self.backend.open_session(language), get_language(language), artifacts)
        self._sessions[language] = ex
        return ex

    def _drop(self, language: str) -> None:
        ex = self._sessions.pop(language, None)
        if ex is not None:
            self.backend.release(ex.session)

    def run(self, task: Task, code: str, language: str, limits: Limits) -> ExecutionResult:
        errors = []
        for _attempt in range(self.retries + 1):
            try:
                return self._executor(language).run(task, code, limits)
            except SandboxFailure as exc:
                errors.append(str(exc))
                self._drop(language)
                self.replaced += 1
        return ExecutionResult(Verdict.SANDBOX_ERROR, 0, 0, {"sandbox_errors": errors[-3:],
                                                            "attempts": self.retries + 1})

    def close(self) -> None:
        for language in list(self._sessions):
            self._drop(language)


class ParallelExecutor(Protocol):
    workers: int

    def imap(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> Iterator[tuple[J, R]]: ...

    def map(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> list[R]: ...

    def close(self) -> None: ...


class ThreadExecutor:
    """A persistent pool: one thread and one warm Worker per slot, reused across calls.

    ``imap`` yields (job, result) as they finish; ``map`` returns results in order. Workers (and
    their containers) live until ``close``, so a trainer calling the reward function every step
    pays for container start once."""

    def __init__(self, workers: int, make_worker: Callable[[], Worker]):
        self.workers = workers
        self.make_worker = make_worker
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="rlcode-worker")
        self._local = threading.local()
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def _worker(self) -> Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._local.worker = self.make_worker()
            with self._lock:
                self._all.append(worker)
        return worker

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
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.close()


EXECUTORS: Registry[type] = Registry("executor")
EXECUTORS.register("threads", ThreadExecutor)
