"""The PPO-family algorithms behind one registry; each builds a trainer with TRL's surface
(``train()``, ``state.log_history``, ``model``), so the round loop treats them alike.

``grpo`` and ``rloo`` are TRL's trainers; ``ppo`` is rlcode's compact PPO with a value head
(``rlcode.train.ppo``: TRL 1.x no longer ships one). All three take the same reward function, the
same dataset (a ``prompt`` column and ``task_id``) and the same precision, LoRA and
checkpointing settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rlcode.registry import Registry
from rlcode.train.config import TrainSettings


@dataclass
class RoundSetup:
    """What every algorithm needs for one round."""

    model: Any               # the policy (a PreTrainedModel, or a PeftModel after the first LoRA round)
    tokenizer: Any
    reward: Callable
    dataset: Any             # datasets.Dataset
    cfg: TrainSettings
    output_dir: str
    learning_rate: float
    seed: int
    device: str              # "cpu" or "cuda"
    precision: str           # resolved: bf16, fp16 or fp32
    report_to: list[str]
    callbacks: list


ALGORITHMS: Registry[Callable[[RoundSetup], Any]] = Registry("training algorithm")


def peft_config(cfg: TrainSettings, model: Any):
    """A LoRA config for the first round; None when LoRA is off or the model has adapters already."""
    if not cfg.lora:
        return None
    from peft import LoraConfig, PeftModel

    if isinstance(model, PeftModel):
        return None
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=cfg.lora_target_modules, task_type="CAUSAL_LM")


def _common(s: RoundSetup) -> dict:
    """TrainingArguments shared by TRL's trainers, with defaults that work on a CPU."""
    cfg = s.cfg
    return dict(
        output_dir=s.output_dir, use_cpu=s.device == "cpu", bf16=s.precision == "bf16", fp16=s.precision == "fp16",
        learning_rate=s.learning_rate, per_device_train_batch_size=cfg.batch_size,
        num_generations=cfg.num_generations, max_completion_length=cfg.max_completion_length,
        temperature=cfg.temperature, top_p=cfg.top_p, beta=cfg.beta, max_steps=cfg.steps_per_round,
        logging_steps=1, save_strategy="no", report_to=s.report_to,
        disable_tqdm=True, seed=s.seed,
        shuffle_dataset=False,  # the round's prompts are already drawn (replay, curriculum)
        use_vllm=cfg.use_vllm and _vllm_available(), vllm_mode="colocate",
        # TRL turns checkpointing on by default (it slows a small model for no gain); transformers 5 names
        # it activation_checkpointing and warns about the old name.
        activation_checkpointing=cfg.gradient_checkpointing, gradient_checkpointing=None,
    )


def _vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return True


def _grpo(s: RoundSetup):
    from trl import GRPOConfig, GRPOTrainer

    extra = {"loss_type": s.cfg.loss_type} if s.cfg.loss_type else {}
    args = GRPOConfig(**_common(s), **extra)
    return GRPOTrainer(model=s.model, reward_funcs=[s.reward], args=args, train_dataset=s.dataset,
                       processing_class=s.tokenizer, peft_config=peft_config(s.cfg, s.model), callbacks=s.callbacks)


def _rloo(s: RoundSetup):
    from trl import RLOOConfig, RLOOTrainer

    args = RLOOConfig(**_common(s))
    return RLOOTrainer(model=s.model, reward_funcs=[s.reward], args=args, train_dataset=s.dataset,
                       processing_class=s.tokenizer, peft_config=peft_config(s.cfg, s.model), callbacks=s.callbacks)


def _ppo(s: RoundSetup):
    from rlcode.train.ppo import PPOConfig, PPOTrainer

    cfg = s.cfg
    args = PPOConfig(output_dir=s.output_dir, learning_rate=s.learning_rate,
                     per_device_train_batch_size=cfg.batch_size,  # completions per step, as in TRL
                     num_generations=cfg.num_generations, max_completion_length=cfg.max_completion_length,
                     temperature=cfg.temperature, top_p=cfg.top_p, ppo_epochs=cfg.ppo_epochs, vf_coef=cfg.vf_coef,
                     kl_coef=cfg.kl_coef, max_steps=cfg.steps_per_round, seed=s.seed)
    return PPOTrainer(model=s.model, reward_funcs=[s.reward], args=args, train_dataset=s.dataset,
                      processing_class=s.tokenizer, callbacks=s.callbacks, peft_config=peft_config(cfg, s.model))


ALGORITHMS.register("grpo", _grpo)
ALGORITHMS.register("rloo", _rloo)
ALGORITHMS.register("ppo", _ppo)
