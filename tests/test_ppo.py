"""rlcode's PPO trainer (rlcode/train/ppo.py): GAE against a hand computation, the losses' masking, the
config's refusals, and real training of a tiny local model with a pure-Python reward (no Docker).

The tiny model is taught two completions of one prompt, `` + b`` and `` - b``, so it samples both;
the reward pays 1.0 for exactly `` + b``. A few PPO steps must move the weights and make the rewarded
completion more likely, and a reward function that answers None must leave the weights exactly as they
were (a masked sequence contributes nothing).
"""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM, TrainerCallback

from rlcode.train.ppo import (VALUE_HEAD_FILE, PPOConfig, PPOConfigError, PPOTrainer, compute_gae, masked_whiten,
                              ppo_losses)
from tests.tiny_model import build_tiny_model, one_thread

PROMPT = "def add(a, b):\n    return a"
RIGHT, WRONG = " + b\n", " - b\n"


# -- GAE ----------------------------------------------------------------------------------------------------

def test_compute_gae_matches_hand_computation():
    gamma, lam = 0.9, 0.5  # gamma * lam = 0.45
    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.1, 2.0, 5.0]])
    values = torch.tensor([[0.5, 0.2, 0.4], [0.3, 1.0, 7.0]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])  # row 1's last token is padding: its 5.0 and 7.0 must not leak
    advantages, returns = compute_gae(rewards, values, mask, gamma, lam)

    # Row 0: delta_t = r_t + gamma * V_{t+1} - V_t, with V_3 = 0; A_t = delta_t + gamma * lam * A_{t+1}.
    a02 = 1.0 + 0.9 * 0.0 - 0.4                # 0.6
    a01 = (0.0 + 0.9 * 0.4 - 0.2) + 0.45 * a02  # 0.16 + 0.27 = 0.43
    a00 = (0.0 + 0.9 * 0.2 - 0.5) + 0.45 * a01  # -0.32 + 0.1935 = -0.1265
    # Row 1: the last real token (t=1) bootstraps from 0, not from the padding's value 7.0.
    a11 = 2.0 + 0.9 * 0.0 - 1.0                # 1.0
    a10 = (0.1 + 0.9 * 1.0 - 0.3) + 0.45 * a11  # 0.7 + 0.45 = 1.15
    expected_adv = torch.tensor([[a00, a01, a02], [a10, a11, 0.0]])
    expected_ret = torch.tensor([[a00 + 0.5, a01 + 0.2, a02 + 0.4], [a10 + 0.3, a11 + 1.0, 0.0]])
    torch.testing.assert_close(advantages, expected_adv)
    torch.testing.assert_close(returns, expected_ret)
    torch.testing.assert_close(expected_adv[0], torch.tensor([-0.1265, 0.43, 0.6]))  # the arithmetic above


def test_gae_with_gamma_and_lambda_one_is_reward_to_go_minus_value():
    rewards = torch.tensor([[1.0, 2.0, 3.0, 0.0]])
    values = torch.tensor([[0.5, 0.5, 0.5, 9.0]])
    advantages, returns = compute_gae(rewards, values, torch.tensor([[1, 1, 1, 0]]), 1.0, 1.0)
    torch.testing.assert_close(returns, torch.tensor([[6.0, 5.0, 3.0, 0.0]]))
    torch.testing.assert_close(advantages, torch.tensor([[5.5, 4.5, 2.5, 0.0]]))


# -- masking in the losses and the whitening ----------------------------------------------------------------

def test_a_masked_sequence_contributes_nothing_to_the_losses():
    torch.manual_seed(0)
    shape = (3, 4)
    logprobs = torch.randn(shape, requires_grad=True)
    vpred = torch.randn(shape, requires_grad=True)
    old, adv, old_v, ret = (torch.randn(shape) for _ in range(4))
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]]).float()
    mask[1] = 0  # sequence 1 got a None reward
    losses = ppo_losses(logprobs, old, adv, vpred, old_v, ret, mask, 0.2, 0.2)
    (losses["policy"] + losses["value"]).backward()
    assert logprobs.grad[1].abs().sum() == 0 and vpred.grad[1].abs().sum() == 0
    assert logprobs.grad[0, :3].abs().sum() > 0

    # Whatever the masked sequence holds, the losses are the same.
    wild = [t.clone().detach() for t in (old, adv, old_v, ret)]
    for t in wild:
        t[1] = 1e6
    again = ppo_losses(logprobs.detach(), *wild[:2], vpred.detach(), *wild[2:], mask, 0.2, 0.2)
    for key in ("policy", "value", "val/clipfrac"):
        torch.testing.assert_close(again[key], losses[key].detach())


def test_whitening_ignores_masked_entries():
    x = torch.tensor([[1.0, 2.0, 3.0], [100.0, -50.0, 7.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    out = masked_whiten(x, mask)
    std = (2.0 / 3.0) ** 0.5  # population std of 1, 2, 3
    torch.testing.assert_close(out, torch.tensor([[-1 / std, 0.0, 1 / std], [0.0, 0.0, 0.0]]), atol=1e-4, rtol=0)


# -- the config's refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, field, fix", [
    ({"per_device_train_batch_size": 6, "num_generations": 4}, "per_device_train_batch_size", "= 4 or 8"),
    ({"per_device_train_batch_size": 8, "num_mini_batches": 3}, "num_mini_batches", "divisor of 8"),
    ({"cliprange": 0.0}, "cliprange", "cliprange > 0"),
    ({"gamma": 1.5}, "gamma", "between 0 and 1"),
    ({"top_p": 0.0}, "top_p", "top_p = 1.0"),
    ({"kl_coef": -0.1}, "kl_coef", "kl_coef = 0 or more"),
    ({"ppo_epochs": 0}, "ppo_epochs", "ppo_epochs = 1 or more"),
    ({"stop_strings": "\ndef"}, "stop_strings", "['\\ndef']"),
])
def test_config_rejects_bad_values_and_says_what_to_change(tmp_path, bad, field, fix):
    with pytest.raises(PPOConfigError) as caught:
        PPOConfig(output_dir=str(tmp_path), **bad)
    assert caught.value.message.startswith(f"PPOConfig.{field}:")
    assert fix in caught.value.hint
    assert isinstance(caught.value, ValueError) and caught.value.exit_code == 2


# -- training a tiny model ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    with one_thread():
        return build_tiny_model(tmp_path_factory.mktemp("ppo") / "tiny", pairs=[(PROMPT, RIGHT), (PROMPT, WRONG)],
                                steps=120)


def sequence_logprob(model, tokenizer, completion_ids: list[int]) -> float:
    """log p(completion_ids | PROMPT), summed over the completion's tokens."""
    p = tokenizer(PROMPT, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([p + completion_ids])).logits[0, len(p) - 1:-1].float()
    return logits.log_softmax(-1).gather(1, torch.tensor(completion_ids)[:, None]).sum().item()


def canonical_ids(tokenizer, completion: str) -> list[int]:
    """The completion as the tiny model was taught it: tokenized apart from the prompt, closed by <eos>."""
    return tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]


def make_config(tmp_path, **overrides) -> PPOConfig:
    settings = dict(output_dir=str(tmp_path / "out"), per_device_train_batch_size=8, num_generations=8,
                    max_completion_length=10, ppo_epochs=2, num_mini_batches=2, learning_rate=1e-3, max_steps=3,
                    use_cpu=True, seed=0)
    return PPOConfig(**{**settings, **overrides})


def snapshot(module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.train
def test_ppo_makes_the_rewarded_completion_more_likely(tmp_path, tiny):
    calls = []

    def right_reward(prompts, completions, **kwargs):
        calls.append({"prompts": prompts, "completions": completions, **kwargs})
        return [1.0 if c == RIGHT else 0.0 for c in completions]

    class Events(TrainerCallback):  # what a round loop's metrics writer hooks into
        def __init__(self):
            self.seen = []

        def on_step_end(self, args, state, control, **kwargs):
            self.seen.append(("step_end", state.global_step))

        def on_log(self, args, state, control, logs=None, **kwargs):
            self.seen.append(("log", logs["step"]))

    dataset = [{"prompt": PROMPT, "task_id": "add"}]
    events = Events()
    trainer = PPOTrainer(str(tiny), right_reward, make_config(tmp_path), dataset, callbacks=[events])
    tokenizer = trainer.processing_class
    before, head_before = snapshot(trainer.model), snapshot(trainer.value_head)
    with one_thread():
        result = trainer.train()

    assert result.global_step == trainer.state.global_step == 3
    assert events.seen == [(kind, step) for step in (1, 2, 3) for kind in ("step_end", "log")]
    # The reward function was called as TRL calls one: prompts, completions, the dataset's columns and ids.
    assert len(calls) == 3
    first = calls[0]
    assert first["prompts"] == [PROMPT] * 8 and first["task_id"] == ["add"] * 8
    assert first["trainer_state"] is trainer.state
    assert [tokenizer.decode(ids, skip_special_tokens=True) for ids in first["completion_ids"]] == first["completions"]
    rewarded = {tuple(ids) for c, ids in zip(first["completions"], first["completion_ids"]) if c == RIGHT}
    assert rewarded and len(rewarded) < 8, first["completions"]  # right and wrong samples: a learning signal

    history = trainer.state.log_history
    assert [h["step"] for h in history] == [1, 2, 3]
    for h, call in zip(history, calls):
        for key in ("loss/policy", "loss/value", "objective/kl", "objective/entropy", "val/clipfrac"):
            assert torch.isfinite(torch.tensor(h[key])), (key, h)
        assert h["masked"] == 0
        assert h["objective/scores"] == pytest.approx(call["completions"].count(RIGHT) / 8)
    assert history[0]["objective/kl"] == pytest.approx(0.0, abs=1e-5)  # the first rollout's policy is the reference

    after = snapshot(trainer.model)
    assert [k for k in before if not torch.equal(before[k], after[k])], "no parameter changed"
    assert not torch.equal(head_before["weight"], trainer.value_head.weight.detach()), "the value head did not learn"
    # Each token sequence the reward paid for in the first rollout became more likely, and so did the text as
    # the model was taught it; the unpaid alternative became less likely.
    gains = {}
    for name, ids in [*(("sampled", list(r)) for r in rewarded), ("right", canonical_ids(tokenizer, RIGHT)),
                      ("wrong", canonical_ids(tokenizer, WRONG))]:
        trainer.model.load_state_dict(before)
        old = sequence_logprob(trainer.model, tokenizer, ids)
        trainer.model.load_state_dict(after)
        gains.setdefault(name, []).append(sequence_logprob(trainer.model, tokenizer, ids) - old)
    assert min(gains["sampled"]) > 0.05 and gains["right"][0] > 0.05 and gains["wrong"][0] < -0.05, gains

    # save_model gives a from_pretrained checkpoint (same policy) and the value head for the next round.
    trainer.save_model(str(tmp_path / "ckpt"))
    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path / "ckpt")
    right_ids = canonical_ids(tokenizer, RIGHT)
    assert sequence_logprob(reloaded, tokenizer, right_ids) == pytest.approx(
        sequence_logprob(trainer.model, tokenizer, right_ids), abs=1e-4)
    assert (tmp_path / "ckpt" / VALUE_HEAD_FILE).exists()
    resumed = PPOTrainer(str(tmp_path / "ckpt"), right_reward, make_config(tmp_path, kl_coef=0.0), dataset)
    assert torch.equal(resumed.value_head.weight, trainer.value_head.weight) and resumed.ref_model is None


@pytest.mark.train
def test_none_rewards_are_masked(tmp_path, tiny):
    dataset = [{"prompt": PROMPT}]

    def no_opinion(prompts, completions, **kwargs):
        return [None] * len(completions)

    trainer = PPOTrainer(str(tiny), no_opinion, make_config(tmp_path, max_steps=2), dataset)
    before, head_before = snapshot(trainer.model), snapshot(trainer.value_head)
    with one_thread():
        trainer.train()
    assert trainer.state.global_step == 2
    assert [h["masked"] for h in trainer.state.log_history] == [8, 8]
    assert all("loss/policy" not in h and "objective/scores" not in h for h in trainer.state.log_history)
    assert all(torch.equal(v, trainer.model.state_dict()[k]) for k, v in before.items()), "a masked step trained"
    assert torch.equal(head_before["weight"], trainer.value_head.weight.detach())

    # Mixed: only the None rows are masked; the scored ones still train.
    seen = []

    def plus_or_none(prompts, completions, **kwargs):
        seen.append(completions)
        return [1.0 if "+" in c else None for c in completions]

    mixed = PPOTrainer(str(tiny), plus_or_none, make_config(tmp_path, max_steps=1, kl_coef=0.0,
                                                           whiten_advantages=True), dataset)
    with one_thread():
        mixed.train()
    log = mixed.state.log_history[0]
    assert log["masked"] == sum("+" not in c for c in seen[0])
    if log["masked"] < 8:
        assert log["objective/scores"] == 1.0  # the mean over the scored rows alone


@pytest.mark.train
def test_stop_strings_chat_prompts_and_async_rewards(tmp_path, tiny):
    """A completion ends at the token that completes a stop string; a conversational prompt goes through the
    chat template and its completions reach the reward as assistant messages; an async reward is awaited."""
    seen = []

    async def async_reward(prompts, completions, completion_ids, **kwargs):
        seen.append((prompts, completions, completion_ids))
        return [1.0 if c[0]["content"].startswith(" +") else 0.0 for c in completions]

    chat = [{"role": "user", "content": PROMPT}]
    config = make_config(tmp_path, max_steps=1, stop_strings=[" b"], max_completion_length=8)
    trainer = PPOTrainer(str(tiny), async_reward, config, [{"prompt": chat}])
    with one_thread():
        trainer.train()
    tokenizer = trainer.processing_class
    (prompts, completions, ids), = seen
    assert prompts == [chat] * 8
    stopped = 0
    for message, row in zip(completions, ids):
        assert message[0]["role"] == "assistant" and tokenizer.decode(row, skip_special_tokens=True) == message[0]["content"]
        if " b" in message[0]["content"]:  # it ended on the token that completed " b", not later
            stopped += 1
            assert " b" not in tokenizer.decode(row[:-1], skip_special_tokens=True), message
            assert tokenizer.eos_token_id not in row
    assert stopped, completions  # the taught answers both contain " b"
    assert trainer.state.log_history[0]["completions/mean_length"] == pytest.approx(sum(map(len, ids)) / 8)
