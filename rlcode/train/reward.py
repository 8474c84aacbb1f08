"""The reward inside a training run: rlcode's scorer in process (one warm sandbox pool for the
whole run), with reward hygiene and the bookkeeping the round loop needs.

* ``sandbox_error`` rows get ``None``: TRL leaves them out of the advantage; they are counted as
  ``masked``, never scored 0 (an infrastructure failure is not the policy's).
* A pass whose code shows a reward-hacking pattern (``rlcode.reward.hygiene``) is counted as
  ``flagged`` and, by default, rewarded 0.
* Answers are cut at their prompt's stop sequences, as ``rlcode generate`` cuts them.
* Every group's rewards feed the replay sampler; the time spent inside the call is kept, so the
  benchmark can say how long the trainer waited for rewards.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from rlcode.generate.prompts import Prompt, cut_at_stop
from rlcode.records import Candidate, Task, Verdict
from rlcode.reward.hygiene import hacking_patterns
from rlcode.reward.trl import RewardFunction, completion_text


class TrainingReward(RewardFunction):
    def __init__(self, tasks: dict[str, Task], prompts: dict[str, Prompt], settings, flagged: str = "zero",
                 name: str = "rlcode_reward"):
        super().__init__(tasks, settings=settings, name=name)
        self.prompts = prompts
        self.flagged_action = flagged
        self.groups: dict[str, list[float | None]] = defaultdict(list)  # task -> rewards, this round
        self.counts: Counter = Counter()
        self.wait_s = 0.0
        self.calls = 0

    def begin_round(self) -> None:
        self.groups.clear()
        self.counts.clear()
        self.wait_s, self.calls = 0.0, 0

    def candidates(self, completions: list, task_ids: list) -> list[tuple[int, Task, Candidate]]:
        pairs = []
        for i, (completion, task_id) in enumerate(zip(completions, task_ids)):
            task = self._tasks[str(task_id)]
            prompt = self.prompts[task.task_id]
            # Cut where ``rlcode generate`` would have stopped: HumanEval's stops for a completion, the
            # closing fence for a base model's instruction prompt (TRL's sampler knows no stop strings).
            text = cut_at_stop(completion_text(completion), prompt.stop)
            if prompt.answer == "completion":
                cand = Candidate(task.task_id, str(i), {"completion": text}, completion=text)
            else:
                cand = Candidate(task.task_id, str(i), {"code": text}, code=text,
                                 language=prompt.language if prompt.language != task.language else None)
            pairs.append((i, task, cand))
        return pairs

    def __call__(self, prompts: list | None = None, completions: list | None = None, **columns) -> list[float | None]:
        started = time.perf_counter()
        scorer = self._scorer_for_call()
        pairs = self.candidates(completions or [], columns["task_id"])
        rows = scorer.map(scorer.jobs(pairs))
        self.last_rows = rows
        rewards: list[float | None] = []
        for (_, task, cand), row in zip(pairs, rows):
            reward = row.reward
            verdict = row.result.verdict
            self.counts["rows"] += 1
            if verdict is Verdict.SANDBOX_ERROR:
                self.counts["masked"] += 1
                reward = None
            elif verdict is Verdict.PASSED:
                self.counts["passed"] += 1
                code = (task.prompt + cand.completion) if cand.completion is not None else (cand.code or "")
                patterns = hacking_patterns(code, cand.language or task.language)
                if patterns:
                    self.counts["flagged"] += 1
                    row.result.details["flagged"] = patterns
                    if self.flagged_action == "zero":
                        reward = 0.0
            rewards.append(reward)
            self.groups[task.task_id].append(reward)
        self.wait_s += time.perf_counter() - started
        self.calls += 1
        return rewards

    def round_summary(self) -> dict:
        scored = [r for g in self.groups.values() for r in g if r is not None]
        rows = self.counts["rows"]
        return {"mean_reward": round(sum(scored) / len(scored), 6) if scored else None,
                "pass_rate": round(self.counts["passed"] / rows, 6) if rows else None,
                "masked": self.counts["masked"], "flagged": self.counts["flagged"], "completions": rows,
                "reward_wait_s": round(self.wait_s, 3)}
