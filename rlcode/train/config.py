"""``[train]`` settings: one PPO-family run of rounds (DESIGN.md "Training runs").

Defaults are chosen to work on a CPU with a tiny model out of the box: TRL's own (bf16, a
learning rate of 1e-6) are right for billion-parameter models on GPUs and wrong there. ``auto``
values are resolved when the model is known (``resolve``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GRPO_LOSSES = ("grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo", "luspo", "vespo")


class CurriculumStage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rounds: int = Field(..., ge=1, description="how many rounds this stage lasts (the last stage lasts to the end)")
    languages: list[str] | None = Field(None, description="only tasks in these languages")
    max_difficulty: float | None = Field(None, description="only tasks whose difficulty field is at most this")


class TrainSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="the policy: a local folder saved with save_pretrained")
    tasks: str | None = Field(None, description="training tasks: a JSONL file or a built-in set")
    heldout: str | None = Field(None, description="held-out tasks, evaluated after every round (never trained on)")
    heldout_fraction: float = Field(0.0, ge=0.0, lt=1.0,
                                    description="without heldout: this share of tasks (by seed) is held out")
    algorithm: Literal["grpo", "rloo", "ppo"] = Field("grpo", description="grpo (TRL), rloo (TRL) or ppo (rlcode's)")
    loss_type: str | None = Field(None, description=f"grpo: TRL's loss variant, one of {', '.join(GRPO_LOSSES)} "
                                                    "(default: TRL's)")
    rounds: int = Field(3, ge=1, le=100000, description="RL rounds after round 0 (the model before any update)")
    steps_per_round: int = Field(8, ge=1, description="optimizer steps per round")
    out_dir: str = Field("out/train", description="run directory: round-NNN/, metrics.jsonl, rounds.jsonl")
    learning_rate: float | None = Field(None, gt=0, description="default: by model size (5e-4 under 50M "
                                                                "parameters, 1e-5 under 1B, 1e-6 above)")
    batch_size: int = Field(8, ge=1, description="completions per optimizer step on each device")
    num_generations: int = Field(4, ge=1, description="completions per prompt (a GRPO/RLOO group)")
    max_completion_length: int = Field(128, ge=1, description="tokens per completion at most")
    temperature: float = Field(1.0, gt=0, description="sampling temperature while training")
    top_p: float = Field(1.0, gt=0, le=1.0, description="nucleus sampling while training")
    beta: float = Field(0.0, ge=0, description="KL coefficient against the starting policy (grpo, rloo); "
                                               "0 loads no reference model")
    kl_coef: float = Field(0.05, ge=0, description="ppo: per-token KL penalty against the starting policy")
    ppo_epochs: int = Field(2, ge=1, description="ppo: passes over each rollout")
    vf_coef: float = Field(0.1, ge=0, description="ppo: value-loss weight")
    lora: bool = Field(False, description="train LoRA adapters (PEFT) instead of every weight")
    lora_r: int = Field(16, ge=1, description="LoRA rank")
    lora_alpha: int = Field(32, ge=1, description="LoRA scaling")
    lora_dropout: float = Field(0.05, ge=0, lt=1, description="LoRA dropout")
    lora_target_modules: list[str] | str = Field("all-linear", description="modules that get adapters")
    gradient_checkpointing: bool = Field(False, description="recompute activations: less memory, more time")
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", description="auto: bf16 on a GPU that has it, fp32 otherwise (TRL's default bf16 fails on most CPUs)")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: cuda when available")
    use_vllm: bool = Field(False, description="grpo/rloo: generate with vLLM (colocated) when it is installed")
    heldout_n: int = Field(4, ge=1, description="samples per held-out task (pass@1 is their mean pass rate)")
    heldout_temperature: float = Field(1.0, ge=0, description="held-out sampling temperature; 0 is greedy")
    heldout_max_tasks: int | None = Field(None, ge=1, description="evaluate at most this many held-out tasks")
    replay: bool = Field(True, description="prioritized replay: tasks whose success rate is neither 0 nor 1, "
                                           "or whose rewards vary most in a group, are drawn more often")
    replay_floor: float = Field(0.05, ge=0, le=1, description="least priority of a task (solved or hopeless ones)")
    curriculum: list[CurriculumStage] = Field(default_factory=list,
                                              description="stages over difficulty and languages, in order")
    flagged: Literal["zero", "keep"] = Field(
        "zero", description="a pass whose code shows a reward-hacking pattern (process exit, frame or gc "
                            "introspection, reading test files, patching builtins): zero its reward, or keep it "
                            "(it is counted either way)")
    seed: int = Field(0, description="seeds sampling, task splits and replay")
    tensorboard: bool = Field(True, description="also log to TensorBoard when it is installed: per step under "
                                                   "out_dir/trainer/round-NNN/runs, per round under out_dir/tb")
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's)")

    @model_validator(mode="after")
    def _check(self) -> "TrainSettings":
        if self.algorithm in ("grpo", "rloo") and self.num_generations < 2:
            raise ValueError(f"train.num_generations: {self.algorithm} needs at least 2 completions per prompt "
                             "(a group of one has no advantage); set num_generations = 4")
        if self.batch_size % self.num_generations:
            lo = max(self.num_generations, self.batch_size - self.batch_size % self.num_generations)
            raise ValueError(f"train.batch_size ({self.batch_size}) must be a multiple of train.num_generations "
                             f"({self.num_generations}): set batch_size = {lo} or "
                             f"{lo + self.num_generations}, or change num_generations")
        if self.loss_type is not None:
            if self.algorithm != "grpo":
                raise ValueError("train.loss_type: only grpo takes a loss variant; remove it or set algorithm = grpo")
            if self.loss_type not in GRPO_LOSSES:
                raise ValueError(f"train.loss_type: unknown {self.loss_type!r} (one of {', '.join(GRPO_LOSSES)})")
        return self

    def prompts_per_round(self) -> int:
        return self.steps_per_round * self.batch_size // self.num_generations


def auto_learning_rate(n_params: int) -> float:
    if n_params < 50_000_000:
        return 5e-4
    if n_params < 1_000_000_000:
        return 1e-5
    return 1e-6
