"""Workers and the executor interface.

A ``Worker`` owns warm sandbox sessions (one per language it has used) and is used by one
thread at a time. An executor (``ThreadExecutor`` here; a Ray executor can follow with the same
``imap``) runs a function over jobs with one worker per parallel slot, yielding results as they
finish. A session that fails below the candidate is replaced and the job retried; after
``retries`` failures the job's result is a ``sandbox_error``.
"""

from __future__ import annotations

import queue
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
    def __init__(self, backend, retries: int):
        self.backend = backend
        self.retries = retries
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
        ex = LanguageExecutor(self.backend.open_session(language), get_language(language))
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


class ThreadExecutor:
    """One thread and one Worker per slot. Stops cleanly on Ctrl-C (the caller's KeyboardInterrupt)."""

    def __init__(self, workers: int, make_worker: Callable[[], Worker]):
        self.workers = workers
        self.make_worker = make_worker

    def imap(self, jobs: Iterable[J], fn: Callable[[Worker, J], R]) -> Iterator[tuple[J, R]]:
        todo: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()
        stop = threading.Event()
        count = 0
        for job in jobs:
            todo.put(job)
            count += 1

        def loop() -> None:
            worker = None
            try:
                worker = self.make_worker()
                while not stop.is_set():
                    try:
                        job = todo.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        done.put((job, fn(worker, job), None))
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller
                        done.put((job, None, exc))
                        return
            except BaseException as exc:  # noqa: BLE001 - worker could not start
                done.put((None, None, exc))
            finally:
                if worker is not None:
                    worker.close()
                done.put(_FINISHED)

        threads = [threading.Thread(target=loop, daemon=True, name=f"rlcode-worker-{i}")
                   for i in range(min(self.workers, max(count, 1)))]
        for t in threads:
            t.start()
        finished = 0
        try:
            while finished < len(threads):
                item = done.get()
                if item is _FINISHED:
                    finished += 1
                    continue
                job, result, exc = item
                if exc is not None:
                    raise exc
                yield job, result
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)


_FINISHED = object()

EXECUTORS: Registry[type] = Registry("executor")
EXECUTORS.register("threads", ThreadExecutor)
