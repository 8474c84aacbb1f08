"""Held-out evaluation of the live policy: sample with it (``rlcode.generate``'s hf backend, no
save and reload), score in the run's warm sandbox pool, and report pass@k and the reward."""

from __future__ import annotations

from collections import Counter, defaultdict

from rlcode.generate.hf import HFGenerator
from rlcode.generate.options import GenerateOptions
from rlcode.generate.prompts import Prompt
from rlcode.generate.run import sample_rows
from rlcode.metrics import pass_at_k
from rlcode.records import Candidate, Task, Verdict


def evaluate_policy(model, tokenizer, tasks: list[Task], prompts: dict[str, Prompt], scorer, *, n: int,
                    temperature: float, max_new_tokens: int, seed: int, batch_size: int = 32) -> dict:
    options = GenerateOptions(n=n, temperature=temperature, max_new_tokens=max_new_tokens, seed=seed,
                              batch_size=batch_size, top_p=1.0)
    generator = HFGenerator(model, options, tokenizer=tokenizer)
    work = [(t, k) for t in tasks for k in range(n)]
    rows = [row for batch in sample_rows(generator, work, prompts, "policy", options) for row in batch]
    pairs = []
    by_id = {t.task_id: t for t in tasks}
    for i, row in enumerate(rows):
        task = by_id[row["task_id"]]
        cand = Candidate(task.task_id, row["candidate_id"], row, completion=row.get("completion"),
                         code=row.get("code"), language=row.get("language"))
        pairs.append((i, task, cand))
    scored = scorer.map(scorer.jobs(pairs))
    per_task: dict[str, list[bool]] = defaultdict(list)
    verdicts: Counter = Counter()
    rewards = []
    for row in scored:
        verdicts[row.result.verdict.value] += 1
        if row.result.verdict is Verdict.SANDBOX_ERROR:
            continue
        per_task[row.candidate.task_id].append(row.result.verdict is Verdict.PASSED)
        if row.reward is not None:
            rewards.append(row.reward)
    out: dict = {}
    for k in sorted({1, n}):
        values = [pass_at_k(len(v), sum(v), k) for v in per_task.values() if len(v) >= k]
        out[f"pass@{k}"] = round(sum(values) / len(values), 6) if values else None
    out.update(mean_reward=round(sum(rewards) / len(rewards), 6) if rewards else None, tasks=len(tasks),
               samples=len(rows), verdicts=dict(verdicts))
    return out
