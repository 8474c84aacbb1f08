"""PPO with a value head and GAE, on transformers and TRL's pieces (TRL 1.x no longer ships ``PPOTrainer``).

Shaped like TRL's trainers (a config dataclass, ``PPOTrainer(model, reward_funcs, args, train_dataset)``,
``train()``, ``state.log_history``, ``save_model``) so a round loop can drive grpo, rloo and ppo alike.
One step (``state.global_step``) is one rollout and its PPO epochs:

1. sample ``num_generations`` completions for each of ``per_device_train_batch_size / num_generations``
   prompts with ``model.generate`` (left padding; a completion ends at its first EOS or stop string);
2. score them with the reward functions (TRL's signature; ``None`` masks a sequence out of the step);
3. per-token rewards: ``-kl_coef * (log p - log p_ref)`` on every token, the score added on the last;
4. GAE over the completion tokens with the value head's estimates (advantages whitened if asked);
5. ``ppo_epochs`` passes over the rollout in ``num_mini_batches`` AdamW updates each: clipped policy
   loss plus ``vf_coef`` times the clipped value loss, gradients clipped to ``max_grad_norm``.

The value head is one ``nn.Linear`` on the policy's last hidden state (a shared backbone: no second
model to hold or run, which matters on a CPU). It lives beside the policy, not in it, so
``trainer.model.save_pretrained`` writes a plain checkpoint; ``save_model`` also writes the head to
``value_head.pt``, and a trainer started from such a folder picks it up again (rounds resume warm).
"""

from __future__ import annotations

import asyncio
import copy
import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import nn
from transformers import (AutoModelForCausalLM, AutoTokenizer, GenerationConfig, PreTrainedModel, TrainerControl,
                          TrainerState, set_seed)
from transformers.trainer_utils import TrainOutput
from trl.trainer.utils import (disable_dropout_in_model, entropy_from_logits, get_callable_name, is_async_callable,
                               selective_log_softmax)

from rlcode.errors import UsageError

VALUE_HEAD_FILE = "value_head.pt"


class PPOConfigError(UsageError, ValueError):
    """A bad PPOConfig: exit status 2 for rlcode's CLI, a ValueError for code that expects TRL's."""


def _help(text: str, default: Any = None):
    return field(default=default, metadata={"help": text})


@dataclass
class PPOConfig:
    """Settings of a PPOTrainer. Defaults suit a tiny model on a CPU (fp32, a large learning rate)."""

    output_dir: str = field(metadata={"help": "where save_model writes by default"})
    learning_rate: float = _help("AdamW learning rate; 1e-4 suits a few-million-parameter model, use ~1e-6 for 1B+",
                                 1e-4)
    weight_decay: float = _help("AdamW weight decay", 0.0)
    per_device_train_batch_size: int = _help(
        "completions per step (as in TRL's GRPOConfig): a multiple of num_generations", 8)
    num_generations: int = _help("completions sampled per prompt; PPO needs no group, 1 is fine", 2)
    max_prompt_length: int | None = _help("keep at most this many prompt tokens (the last ones); None keeps all",
                                          None)
    max_completion_length: int = _help("new tokens per completion at most", 64)
    temperature: float = _help("sampling temperature; log-probs are taken at the same temperature", 1.0)
    top_p: float = _help("nucleus sampling", 1.0)
    top_k: int = _help("top-k sampling; 0 turns it off", 0)
    stop_strings: list[str] | None = _help("a completion also ends after any of these strings (e.g. '\\ndef')", None)
    missing_eos_penalty: float | None = _help(
        "subtracted from the score of a completion that hit max_completion_length without EOS or stop string", None)
    ppo_epochs: int = _help("passes over each rollout", 2)
    num_mini_batches: int = _help("AdamW updates per pass: the rollout is split into this many mini-batches", 1)
    gamma: float = _help("discount over completion tokens (1.0: none)", 1.0)
    lam: float = _help("GAE lambda: 1.0 is Monte-Carlo returns, 0.0 one-step TD", 0.95)
    cliprange: float = _help("PPO ratio clip epsilon for the policy loss", 0.2)
    cliprange_value: float = _help("how far a value prediction may move from the rollout's before it is clipped",
                                   0.2)
    vf_coef: float = _help("weight of the value loss in the total loss", 0.1)
    kl_coef: float = _help("per-token KL penalty against the starting policy; 0 loads no reference model", 0.05)
    whiten_rewards: bool = _help("whiten the per-token rewards (scale only) before GAE", False)
    # Off by default: when every sample of a rollout scores the same (common with pass/fail rewards and a
    # small batch), whitening blows the value head's small errors up to unit-size advantages, and a tiny
    # model then lost its rewarded completion (log p down 1.5 to 9 nats in a step) in 3 of 8 six-step runs
    # at lr 5e-4 and 1e-3; without whitening, 0 of 8 eight-step runs did.
    whiten_advantages: bool = _help(
        "whiten the advantages over the rollout's tokens, as TRL's PPO did; off, they keep the reward's scale",
        False)
    max_grad_norm: float = _help("clip the gradient norm of each update to this", 1.0)
    max_steps: int = _help("rollouts (steps) that train() runs, cycling the dataset", 10)
    shuffle_dataset: bool = _help("draw prompts in a seeded random order each pass over the dataset", True)
    reward_weights: list[float] | None = _help("one weight per reward function (default: all 1.0)", None)
    seed: int = _help("seeds the value head, sampling and prompt order", 0)
    logging_steps: int = _help("append to state.log_history (and call on_log) every this many steps", 1)
    use_cpu: bool = _help("train on the CPU even when CUDA is available", False)
    bf16: bool = _help("autocast forward passes to bfloat16 (weights and optimizer stay fp32)", False)
    gradient_checkpointing: bool = _help("recompute activations in the backward pass: less memory, more time", False)

    def __post_init__(self):
        def bad(name: str, why: str, fix: str):
            raise PPOConfigError(f"PPOConfig.{name}: {why}", hint=fix)

        for name in ("per_device_train_batch_size", "num_generations", "max_completion_length", "ppo_epochs",
                     "num_mini_batches", "max_steps", "logging_steps"):
            if getattr(self, name) < 1:
                bad(name, f"must be at least 1, got {getattr(self, name)}", f"set {name} = 1 or more")
        b, g = self.per_device_train_batch_size, self.num_generations
        if b % g:
            lo = max(g, b - b % g)
            bad("per_device_train_batch_size", f"{b} is not a multiple of num_generations ({g})",
                f"set per_device_train_batch_size = {lo} or {lo + g}, or change num_generations")
        if b % self.num_mini_batches:
            bad("num_mini_batches", f"{self.num_mini_batches} does not divide per_device_train_batch_size ({b})",
                f"use a divisor of {b} (e.g. num_mini_batches = 1)")
        for name in ("learning_rate", "temperature", "cliprange", "cliprange_value", "max_grad_norm"):
            if not getattr(self, name) > 0:
                bad(name, f"must be positive, got {getattr(self, name)}", f"set {name} > 0")
        if not 0 < self.top_p <= 1:
            bad("top_p", f"must be in (0, 1], got {self.top_p}", "set top_p = 1.0 to turn nucleus sampling off")
        for name in ("gamma", "lam"):
            if not 0 <= getattr(self, name) <= 1:
                bad(name, f"must be in [0, 1], got {getattr(self, name)}", f"set {name} between 0 and 1 (1.0 is usual)")
        for name in ("vf_coef", "kl_coef", "weight_decay", "top_k"):
            if getattr(self, name) < 0:
                bad(name, f"must not be negative, got {getattr(self, name)}", f"set {name} = 0 or more")
        if self.max_prompt_length is not None and self.max_prompt_length < 1:
            bad("max_prompt_length", "must be at least 1", "set it to 1 or more, or None to keep whole prompts")
        if isinstance(self.stop_strings, str):
            bad("stop_strings", "is a string, not a list of strings", f"set stop_strings = [{self.stop_strings!r}]")


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / mask.sum().clamp(min=1)


def masked_whiten(x: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True) -> torch.Tensor:
    """(x - mean) / std over the masked-in entries only; masked entries become 0.

    Population variance, not Bessel's: a rollout whose only surviving token is one must not give NaN."""
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    out = (x - mean) * torch.rsqrt(var + 1e-8)
    if not shift_mean:
        out = out + mean
    return out * mask


def compute_gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float,
                lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized advantage estimates and returns over [B, T] completion tokens.

    ``mask`` is 1 on a completion's tokens (its EOS included) and 0 on the padding after: a masked position
    gets advantage and return 0, and neither its reward nor its value leaks into earlier tokens (the last
    real token bootstraps from 0, the episode's end)."""
    mask = mask.to(rewards.dtype)
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        next_mask = mask[:, t + 1] if t + 1 < rewards.shape[1] else torch.zeros_like(running)
        next_value = values[:, t + 1] * next_mask if t + 1 < rewards.shape[1] else torch.zeros_like(running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = (delta + gamma * lam * next_mask * running) * mask[:, t]
        advantages[:, t] = running
    return advantages, (advantages + values) * mask


def ppo_losses(logprobs, old_logprobs, advantages, vpred, old_values, returns, mask, cliprange: float,
               cliprange_value: float) -> dict[str, torch.Tensor]:
    """Clipped policy and value losses, averaged over the tokens where ``mask`` is 1 (nothing else counts)."""
    ratio = torch.exp(logprobs - old_logprobs)
    pg = torch.max(-advantages * ratio, -advantages * ratio.clamp(1 - cliprange, 1 + cliprange))
    vclipped = old_values + (vpred - old_values).clamp(-cliprange_value, cliprange_value)
    v_unclipped, v_clipped = (vpred - returns) ** 2, (vclipped - returns) ** 2
    with torch.no_grad():
        stats = {"policy/clipfrac": masked_mean(((ratio - 1).abs() > cliprange).float(), mask),
                 "val/clipfrac": masked_mean((v_clipped > v_unclipped).float(), mask),
                 "policy/approxkl": 0.5 * masked_mean((logprobs - old_logprobs) ** 2, mask)}
    return {"policy": masked_mean(pg, mask), "value": 0.5 * masked_mean(torch.max(v_unclipped, v_clipped), mask),
            **stats}


@dataclass
class Rollout:
    """One step's samples as tensors: [N, P] prompt, [N, T] completion (mask 1 up to and with its last token)."""

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    completion_ids: torch.Tensor
    completion_mask: torch.Tensor
    scores: torch.Tensor  # [N], 0 where masked
    valid: torch.Tensor  # [N] 1.0 unless every reward function returned None
    ended: torch.Tensor  # [N] bool: EOS or a stop string before max_completion_length


class PPOTrainer:
    """PPO on a causal LM with a scalar value head. See the module docstring for one step's shape."""

    def __init__(self, model: str | PreTrainedModel, reward_funcs: Callable | Sequence[Callable], args: PPOConfig,
                 train_dataset, processing_class=None, callbacks: Sequence | None = None, peft_config=None):
        self.args = args
        set_seed(args.seed)
        self.device = torch.device("cuda" if torch.cuda.is_available() and not args.use_cpu else "cpu")
        source = model if isinstance(model, str) else None
        if source is not None:
            model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
        self.processing_class = processing_class or AutoTokenizer.from_pretrained(source or model.name_or_path)
        if self.processing_class.pad_token_id is None:
            self.processing_class.pad_token = self.processing_class.eos_token
        disable_dropout_in_model(model)  # dropout would make the rollout's and the update's log-probs disagree
        # With PEFT the reference is the same model with its adapters off: no second copy.
        self.ref_model = None
        if args.kl_coef > 0 and peft_config is None:
            self.ref_model = copy.deepcopy(model).eval().requires_grad_(False).to(self.device)
        if peft_config is not None:
            from peft import get_peft_model

            model = get_peft_model(model, peft_config)
        if args.gradient_checkpointing:
            model.gradient_checkpointing_enable()
            if peft_config is not None:  # frozen embeddings: checkpointed blocks would see no input needing grad
                model.enable_input_require_grads()
        self.model = model.to(self.device)
        hidden = model.get_output_embeddings().weight.shape[1]
        # Zero-initialised: V = 0 at first, so the first steps' value loss does not shake the shared backbone.
        self.value_head = nn.Linear(hidden, 1).to(self.device)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)
        if source is not None and (Path(source) / VALUE_HEAD_FILE).exists():
            self.value_head.load_state_dict(torch.load(Path(source) / VALUE_HEAD_FILE, map_location=self.device))
        params = [p for p in self.model.parameters() if p.requires_grad] + list(self.value_head.parameters())
        self.optimizer = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=args.weight_decay)

        self.reward_funcs = list(reward_funcs) if isinstance(reward_funcs, (list, tuple)) else [reward_funcs]
        self.reward_names = [get_callable_name(f) for f in self.reward_funcs]
        weights = args.reward_weights or [1.0] * len(self.reward_funcs)
        if len(weights) != len(self.reward_funcs):
            raise PPOConfigError(f"PPOConfig.reward_weights: {len(weights)} weights for {len(self.reward_funcs)} "
                                 "reward functions", hint="give one weight per reward function, or none")
        self.reward_weights = torch.tensor(weights, dtype=torch.float32)
        self.rows = [dict(r) for r in train_dataset]
        if not self.rows or any("prompt" not in r for r in self.rows):
            raise UsageError("PPOTrainer: train_dataset needs at least one row with a 'prompt' column")
        self.callbacks = list(callbacks or [])
        self._scoring: ThreadPoolExecutor | None = None  # one per train() call, shut down at its end
        self.state = TrainerState(max_steps=args.max_steps, logging_steps=args.logging_steps)
        self.control = TrainerControl()
        self._order: list[int] = []
        self._generator = torch.Generator().manual_seed(args.seed)
        self._epoch = 0

    # -- data ---------------------------------------------------------------------------------------------
    def _next_rows(self, n: int) -> list[dict]:
        """The next n prompts, cycling the dataset (a fresh seeded permutation on every pass)."""
        out = []
        while len(out) < n:
            if not self._order:
                self._order = (torch.randperm(len(self.rows), generator=self._generator).tolist()
                               if self.args.shuffle_dataset else list(range(len(self.rows))))
                self._epoch += 1
            out.append(self.rows[self._order.pop(0)])
        return out

    def _prompt_text(self, prompt) -> str:
        if isinstance(prompt, str):
            return prompt
        return self.processing_class.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)

    # -- rollout ------------------------------------------------------------------------------------------
    def _autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16) if self.args.bf16 else nullcontext()

    def _forward(self, model, rollout: Rollout, idx, with_value: bool):
        """Per-token log-probs (at the sampling temperature), values and logits of the completion tokens."""
        ids = torch.cat([rollout.prompt_ids[idx], rollout.completion_ids[idx]], 1)
        attention = torch.cat([rollout.prompt_mask[idx], rollout.completion_mask[idx]], 1)
        # Positions as generate() gave them under left padding; the default arange would shift every token.
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        width = rollout.completion_ids.shape[1]
        with self._autocast():
            out = model(input_ids=ids, attention_mask=attention, position_ids=positions, use_cache=False,
                        logits_to_keep=width + 1, output_hidden_states=with_value)
        logits = out.logits[:, :-1].float() / self.args.temperature
        logprobs = selective_log_softmax(logits, rollout.completion_ids[idx])
        values = None
        if with_value:
            values = self.value_head(out.hidden_states[-1][:, -(width + 1):-1].float()).squeeze(-1)
        return logprobs, values, logits

    def _completion_lengths(self, completion_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokens in each completion (through its first EOS or stop string) and whether it ended so."""
        n, width = completion_ids.shape
        is_eos = completion_ids == self.processing_class.eos_token_id
        lengths = torch.where(is_eos.any(1), is_eos.int().argmax(1) + 1, torch.full((n,), width, device=is_eos.device))
        ended = is_eos.any(1)
        for stop in self.args.stop_strings or []:
            for i in range(n):  # the shortest prefix whose text holds the stop string (monotone: bisect)
                row = completion_ids[i].tolist()
                if stop not in self.processing_class.decode(row[:lengths[i]], skip_special_tokens=True):
                    continue
                lo, hi = 1, int(lengths[i])
                while lo < hi:
                    mid = (lo + hi) // 2
                    if stop in self.processing_class.decode(row[:mid], skip_special_tokens=True):
                        hi = mid
                    else:
                        lo = mid + 1
                lengths[i], ended[i] = lo, True
        return lengths, ended

    def _score(self, rows: list[dict], completions: list, completion_ids: list[list[int]]) -> torch.Tensor:
        """[N, F] rewards, NaN where a function returned None."""
        prompts = [r["prompt"] for r in rows]
        columns = {k: [r.get(k) for r in rows] for k in rows[0] if k not in ("prompt", "completion", "completion_ids")}
        kwargs = dict(prompts=prompts, completions=completions, completion_ids=completion_ids,
                      trainer_state=self.state, **columns)
        out = torch.full((len(rows), len(self.reward_funcs)), math.nan)
        for j, (func, name) in enumerate(zip(self.reward_funcs, self.reward_names)):
            result = asyncio.run(func(**kwargs)) if is_async_callable(func) else func(**kwargs)
            if len(result) != len(rows):
                raise UsageError(f"reward function {name} returned {len(result)} rewards for {len(rows)} completions")
            out[:, j] = torch.tensor([math.nan if r is None else float(r) for r in result])
        return out

    @torch.no_grad()
    def _rollout(self, timings: dict) -> tuple[Rollout, Future]:
        args, tok = self.args, self.processing_class
        prompts = self._next_rows(args.per_device_train_batch_size // args.num_generations)
        rows = [r for r in prompts for _ in range(args.num_generations)]
        enc = tok([self._prompt_text(r["prompt"]) for r in rows], return_tensors="pt", padding=True,
                  padding_side="left", add_special_tokens=False)
        prompt_ids, prompt_mask = enc["input_ids"], enc["attention_mask"]
        if args.max_prompt_length is not None:
            prompt_ids, prompt_mask = prompt_ids[:, -args.max_prompt_length:], prompt_mask[:, -args.max_prompt_length:]
        prompt_ids, prompt_mask = prompt_ids.to(self.device), prompt_mask.to(self.device)
        config = GenerationConfig(do_sample=True, temperature=args.temperature, top_p=args.top_p, top_k=args.top_k,
                                  max_new_tokens=args.max_completion_length, pad_token_id=tok.pad_token_id,
                                  eos_token_id=tok.eos_token_id, stop_strings=args.stop_strings)
        self.model.eval()
        started = time.perf_counter()
        with self._autocast():
            out = self.model.generate(input_ids=prompt_ids, attention_mask=prompt_mask, generation_config=config,
                                      tokenizer=tok if args.stop_strings else None)
        timings["time/generate"] = time.perf_counter() - started
        completion_ids = out[:, prompt_ids.shape[1]:]
        lengths, ended = self._completion_lengths(completion_ids)
        width = max(int(lengths.max()), 1)
        completion_ids = completion_ids[:, :width]
        mask = (torch.arange(width, device=self.device)[None] < lengths[:, None].to(self.device)).long()
        completion_ids = completion_ids.masked_fill(mask == 0, tok.pad_token_id)
        id_lists = [row[:n].tolist() for row, n in zip(completion_ids, lengths)]
        texts = tok.batch_decode(id_lists, skip_special_tokens=True)
        completions = ([[{"role": "assistant", "content": t}] for t in texts] if not isinstance(rows[0]["prompt"], str)
                       else texts)

        def score() -> tuple[torch.Tensor, torch.Tensor, dict]:
            started = time.perf_counter()
            per_func = self._score(rows, completions, id_lists)
            timings["time/reward"] = time.perf_counter() - started
            valid = (~per_func.isnan().all(1)).float()
            scores = (per_func.nan_to_num(0.0) * self.reward_weights).sum(1)
            if args.missing_eos_penalty is not None:
                scores = scores - args.missing_eos_penalty * (~ended.cpu()).float()
            scores = scores * valid
            stats = {f"rewards/{name}/mean": per_func[:, j].nanmean().item()
                     for j, name in enumerate(self.reward_names) if not per_func[:, j].isnan().all()}
            stats["completions/mean_length"] = lengths.float().mean().item()
            return scores.to(self.device), valid.to(self.device), stats

        # Scoring runs while the step computes the rollout's old log-probs, values and reference
        # log-probs, which do not depend on the rewards: the sandboxes work while the model does.
        pending = self._scoring.submit(score)
        empty = torch.zeros(len(rows), device=self.device)
        return Rollout(prompt_ids, prompt_mask, completion_ids, mask, empty, empty.clone(), ended), pending

    # -- one step -----------------------------------------------------------------------------------------
    def _step(self) -> dict:
        args = self.args
        timings: dict = {}
        started = time.perf_counter()
        rollout, pending = self._rollout(timings)
        n = rollout.completion_ids.shape[0]
        every = torch.arange(n, device=self.device)
        with torch.no_grad():
            old_logprobs, old_values, _ = self._forward(self.model, rollout, every, with_value=True)
            ref_logprobs = None
            if args.kl_coef > 0:
                if self.ref_model is not None:
                    ref_logprobs = self._forward(self.ref_model, rollout, every, with_value=False)[0]
                else:
                    with self.model.disable_adapter():
                        ref_logprobs = self._forward(self.model, rollout, every, with_value=False)[0]
            waited = time.perf_counter()
            rollout.scores, rollout.valid, stats = pending.result()
            timings["time/reward_wait"] = time.perf_counter() - waited
            # Every loss and statistic below counts only the tokens of sequences that got a reward.
            mask = rollout.completion_mask.float() * rollout.valid[:, None]
            if ref_logprobs is not None:
                kl = (old_logprobs - ref_logprobs) * mask
            else:
                kl = torch.zeros_like(old_logprobs)
            old_values = old_values * mask
            rewards = -args.kl_coef * kl
            last = (rollout.completion_mask.sum(1) - 1).clamp(min=0)
            rewards[every, last] += rollout.scores
            rewards = rewards * mask
            if args.whiten_rewards:
                rewards = masked_whiten(rewards, mask, shift_mean=False)
            advantages, returns = compute_gae(rewards, old_values, mask, args.gamma, args.lam)
            if args.whiten_advantages:
                advantages = masked_whiten(advantages, mask)

        n_valid = int(rollout.valid.sum())
        totals: dict[str, list[float]] = {}
        if n_valid:  # a rollout whose rewards were all None teaches nothing: no update at all
            self.model.train()
            size = n // args.num_mini_batches
            for _ in range(args.ppo_epochs):
                order = torch.randperm(n, generator=self._generator)
                for start in range(0, n, size):
                    idx = order[start:start + size].to(self.device)
                    mb_mask = mask[idx]
                    if mb_mask.sum() == 0:
                        continue
                    logprobs, vpred, logits = self._forward(self.model, rollout, idx, with_value=True)
                    losses = ppo_losses(logprobs, old_logprobs[idx], advantages[idx], vpred, old_values[idx],
                                        returns[idx], mb_mask, args.cliprange, args.cliprange_value)
                    loss = losses["policy"] + args.vf_coef * losses["value"]
                    loss.backward()
                    nn.utils.clip_grad_norm_(list(self.model.parameters()) + list(self.value_head.parameters()),
                                             args.max_grad_norm)
                    self.optimizer.step()
                    self.optimizer.zero_grad(set_to_none=True)
                    with torch.no_grad():
                        losses["objective/entropy"] = masked_mean(entropy_from_logits(logits), mb_mask)
                        losses["loss"] = loss
                    for k, v in losses.items():
                        totals.setdefault(k, []).append(v.item())
            self.model.eval()
        log = {("loss/" + k if k in ("policy", "value") else k): sum(v) / len(v) for k, v in totals.items()}
        valid = rollout.valid.bool()
        if n_valid:
            log["objective/scores"] = rollout.scores[valid].mean().item()
            log["reward"] = log["objective/scores"]
            log["objective/kl"] = kl.sum(1)[valid].mean().item()
        log.update(stats, masked=n - n_valid)
        log["time/step"] = time.perf_counter() - started
        log.update(timings)
        return log

    # -- the loop -----------------------------------------------------------------------------------------
    def add_callback(self, callback) -> None:
        """A transformers ``TrainerCallback`` (instance): on_train_begin/step_begin/step_end/log/train_end."""
        self.callbacks.append(callback)

    def _event(self, name: str, **kwargs) -> None:
        for cb in self.callbacks:
            getattr(cb, name)(self.args, self.state, self.control, model=self.model,
                              processing_class=self.processing_class, optimizer=self.optimizer, **kwargs)

    def train(self) -> TrainOutput:
        """Run ``args.max_steps`` steps (rollout + PPO epochs each) from the current ``state.global_step``."""
        self._event("on_train_begin")
        losses = []
        # The scoring thread lives as long as this call: a round's trainer leaves no idle thread behind.
        with ThreadPoolExecutor(1, thread_name_prefix="rlcode-ppo-reward") as self._scoring:
            while self.state.global_step < self.args.max_steps and not self.control.should_training_stop:
                self._event("on_step_begin")
                log = self._step()
                self.state.global_step += 1
                self.state.epoch = self._epoch
                if "loss" in log:
                    losses.append(log["loss"])
                self._event("on_step_end")
                if self.state.global_step % self.args.logging_steps == 0:
                    log["step"] = self.state.global_step
                    self.state.log_history.append(log)
                    self._event("on_log", logs=log)
        self._scoring = None
        self._event("on_train_end")
        mean_loss = sum(losses) / len(losses) if losses else 0.0
        return TrainOutput(self.state.global_step, mean_loss, {"train_loss": mean_loss})

    def save_model(self, output_dir: str | None = None) -> None:
        """The policy and tokenizer (``from_pretrained``-loadable) plus the value head in value_head.pt."""
        path = Path(output_dir or self.args.output_dir)
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(path)
        self.processing_class.save_pretrained(path)
        torch.save(self.value_head.state_dict(), path / VALUE_HEAD_FILE)
