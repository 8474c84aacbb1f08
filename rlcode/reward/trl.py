"""rlcode's reward as a TRL reward function: ``GRPOTrainer(reward_funcs=[RewardFunction(...)])``.

The call signature is TRL's: ``(prompts, completions, **dataset_columns) -> list[float | None]``.
Each completion is scored exactly like an ``rlcode score`` candidate of its row's task (appended
to the task prompt unless it defines the entry point itself; fences stripped) through a
persistent pool of warm sandboxes, opened on first use. ``None`` marks a row the sandbox could not
score (``sandbox_error``): TRL turns it into NaN and leaves it out of the advantage.

The task of a row comes from its ``task_id`` column and the ``tasks`` given here, or, with
``tasks=None``, from the row's own columns (``test``/``entry_point``, ``fn_tests`` or
``io_tests``, as in a tasks file). The function pickles without its pool (the copy reopens one),
so it crosses process boundaries as TRL and accelerate expect.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from rlcode.errors import InputError
from rlcode.languages import language_names
from rlcode.records import Candidate, Task
from rlcode.settings import Settings, load_settings
from rlcode.tasks import load_tasks, parse_task

_TASK_COLUMNS = ("task_id", "language", "prompt", "entry_point", "test", "fn_tests", "io_tests", "checker",
                 "canonical_solution", "limits")


def completion_text(completion: Any) -> str:
    """A plain string, or the last assistant message of a conversational completion."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        for message in reversed(completion):
            if isinstance(message, dict) and message.get("role", "assistant") == "assistant":
                content = message.get("content", "")
                if isinstance(content, list):  # content parts
                    return "".join(p.get("text", "") for p in content if isinstance(p, dict))
                return str(content)
        raise ValueError("a conversational completion holds no assistant message")
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    raise TypeError(f"cannot read a completion of type {type(completion).__name__}")


class RewardFunction:
    """Picklable callable with TRL's reward-function signature, scoring through rlcode sandboxes."""

    def __init__(self, tasks: str | dict[str, Task] | None = "humaneval", *, config: str | None = None,
                 backend: str | None = None, workers: int | None = None, name: str = "rlcode_reward",
                 settings: Settings | None = None, executor: str | None = None, address: str | None = None):
        self.__name__ = name
        self._tasks_spec = tasks
        self._settings_spec = (config, {"sandbox": {"backend": backend, "workers": workers, "executor": executor,
                                                    "address": address}})
        self._settings = settings
        self._tasks: dict[str, Task] | None = tasks if isinstance(tasks, dict) else None
        self._scorer = None
        self._lock = threading.Lock()
        # The ScoredRows of the latest call (verdicts and breakdowns, for logging). Concurrent async
        # calls overwrite each other's: use ``score`` for rows tied to a call.
        self.last_rows: list = []

    # -- pickling: the pool stays behind ---------------------------------------------------------------
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.update(_scorer=None, _lock=None, last_rows=[])
        if self._settings is not None:  # without the CLI's log callback, which may not pickle
            state["_settings"] = self._settings.model_copy()
            state["_settings"]._log = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _scorer_for_call(self):
        with self._lock:
            if self._scorer is None:
                from rlcode.scoring.scorer import Scorer

                settings = self._settings or load_settings(*self._settings_spec)
                self._settings = settings
                self._scorer = Scorer(settings)
            if self._tasks is None and self._tasks_spec is not None:
                self._tasks = load_tasks(self._tasks_spec, language_names())
            return self._scorer

    def _task(self, i: int, columns: dict[str, list], prompts: list | None) -> Task:
        task_id = columns["task_id"][i] if "task_id" in columns else None
        if self._tasks is not None:
            if task_id is None:
                raise InputError("<dataset>", i + 1, "task_id", "missing: the dataset needs a task_id column",
                                 hint="add task_id, or pass tasks=None and give the task fields as columns")
            try:
                return self._tasks[str(task_id)]
            except KeyError:
                raise InputError("<dataset>", i + 1, "task_id", f"unknown task_id {task_id!r}") from None
        row = {k: columns[k][i] for k in _TASK_COLUMNS if k in columns and columns[k][i] is not None}
        row.setdefault("task_id", f"row-{i}")
        if "prompt" not in row and prompts is not None and isinstance(prompts[i], str):
            row["prompt"] = prompts[i]  # TRL passes the dataset's prompt column as ``prompts``
        return parse_task("<dataset>", i + 1, row, language_names())

    def score(self, prompts: list | None, completions: list, **columns) -> list:
        """The ScoredRows for one batch (``__call__`` returns their rewards)."""
        scorer = self._scorer_for_call()
        columns = {k: v for k, v in columns.items() if isinstance(v, list) and len(v) == len(completions)}
        pairs = []
        for i, completion in enumerate(completions):
            task = self._task(i, columns, prompts)
            text = completion_text(completion)
            language = columns.get("language", [None] * len(completions))[i]
            cand = Candidate(task.task_id, str(i), {"completion": text}, completion=text,
                             language=language if language != task.language else None)
            pairs.append((i, task, cand))
        rows = scorer.map(scorer.jobs(pairs))
        self.last_rows = rows
        return rows

    def __call__(self, prompts: list | None = None, completions: list | None = None, **kwargs) -> list[float | None]:
        if completions is None:
            raise TypeError("RewardFunction needs completions=")
        return [row.reward for row in self.score(prompts, completions, **kwargs)]

    def close(self) -> None:
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None

    def __enter__(self) -> "RewardFunction":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncRewardFunction(RewardFunction):
    """The same, awaitable: TRL gathers async reward functions concurrently with each other."""

    async def __call__(self, prompts: list | None = None, completions: list | None = None,
                       **kwargs) -> list[float | None]:
        sync_call = super().__call__
        return await asyncio.to_thread(sync_call, prompts, completions, **kwargs)
