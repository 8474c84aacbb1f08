"""Which tasks a round trains on: a curriculum stage's tasks, drawn by replay priority.

A GRPO group whose completions all get the same reward has zero advantage: it costs a step and
teaches nothing. So tasks the policy always solves or never solves are drawn rarely (never not at
all: the policy changes), and tasks with a success rate near one half, or whose rewards vary
most within a group, often. Unseen tasks get the highest priority.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from rlcode.jsonl import write_text_atomic
from rlcode.records import Task
from rlcode.train.config import TrainSettings

_EMA = 0.5  # weight of the newest group in a task's running success rate and spread


@dataclass
class TaskStats:
    success: float = 0.0   # running mean reward (rewards are in [0, 1])
    spread: float = 0.0    # running within-group standard deviation of rewards
    groups: int = 0

    def update(self, rewards: list[float]) -> None:
        mean = sum(rewards) / len(rewards)
        std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards))
        if self.groups == 0:
            self.success, self.spread = mean, std
        else:
            self.success = (1 - _EMA) * self.success + _EMA * mean
            self.spread = (1 - _EMA) * self.spread + _EMA * std
        self.groups += 1


class TaskSampler:
    def __init__(self, tasks: list[Task], cfg: TrainSettings):
        self.tasks = tasks
        self.cfg = cfg
        self.stats: dict[str, TaskStats] = {}

    # -- curriculum ------------------------------------------------------------------------------------
    def stage_tasks(self, round_no: int) -> list[Task]:
        """The tasks of the curriculum stage that round ``round_no`` (1-based) falls in."""
        stage, start = None, 1
        for s in self.cfg.curriculum:
            stage = s
            if round_no < start + s.rounds:
                break
            start += s.rounds
        if stage is None:
            return self.tasks
        chosen = [t for t in self.tasks
                  if (stage.languages is None or t.language in stage.languages)
                  and (stage.max_difficulty is None or t.difficulty is None or t.difficulty <= stage.max_difficulty)]
        return chosen or self.tasks

    # -- replay ------------------------------------------------------------------------------------------
    def priority(self, task_id: str) -> float:
        if not self.cfg.replay:
            return 1.0
        s = self.stats.get(task_id)
        if s is None or s.groups == 0:
            return 1.0
        # 4p(1-p) is 1 at p = 1/2 and 0 at p in {0, 1}; a spread of 0.5 is the most a [0, 1] reward has.
        return max(self.cfg.replay_floor, 4 * s.success * (1 - s.success), min(1.0, 2 * s.spread))

    def draw(self, round_no: int, k: int) -> list[Task]:
        """``k`` prompts for the round: weighted sampling without replacement (Efraimidis-Spirakis),
        cycling through the stage when it holds fewer than ``k`` tasks."""
        pool = self.stage_tasks(round_no)
        rng = random.Random(f"{self.cfg.seed}:{round_no}")
        out: list[Task] = []
        while len(out) < k:
            keyed = sorted(pool, key=lambda t: -rng.random() ** (1.0 / self.priority(t.task_id)))
            out += keyed[:k - len(out)]
        return out

    def update(self, task_id: str, rewards: list[float | None]) -> None:
        rewards = [r for r in rewards if r is not None]  # masked rows say nothing about the task
        if rewards:
            self.stats.setdefault(task_id, TaskStats()).update(rewards)

    # -- persistence (a resumed run keeps its priorities) ---------------------------------------------
    def save(self, path: Path) -> None:
        data = {t: [s.success, s.spread, s.groups] for t, s in self.stats.items()}
        write_text_atomic(path, json.dumps(data))

    def load(self, path: Path) -> None:
        if path.exists():
            self.stats = {t: TaskStats(*v) for t, v in json.loads(path.read_text()).items()}
