"""``rlcode train``: rounds of generate -> score -> policy update -> held-out evaluation -> checkpoint.

Round 0 is the model before any RL update (after its supervised warm start, where it had one), so
the later rounds' held-out gain is RL's own. Every round draws its prompts from the curriculum
stage by replay priority, trains ``steps_per_round`` optimizer steps with the chosen algorithm
(the reward is rlcode's scorer in process, one warm sandbox pool for the whole run), evaluates the
held-out tasks with the live policy, saves ``round-NNN/`` and only then appends its row to
``rounds.jsonl``. A re-run reads ``rounds.jsonl``, loads the last finished round's checkpoint and
goes on after it (an interrupted round is run again from its start).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any, Callable

from rlcode.errors import InputError, UsageError
from rlcode.generate.options import GenerateOptions
from rlcode.generate.run import prompts_for
from rlcode.jsonl import JsonlAppender, recover_output, write_text_atomic
from rlcode.languages import language_names
from rlcode.records import Task
from rlcode.settings import Settings
from rlcode.tasks import load_tasks
from rlcode.train.algorithms import ALGORITHMS, RoundSetup
from rlcode.train.config import TrainSettings, auto_learning_rate
from rlcode.train.heldout import evaluate_policy
from rlcode.train.reward import TrainingReward
from rlcode.train.sampler import TaskSampler


def split_tasks(cfg: TrainSettings) -> tuple[list[Task], list[Task]]:
    """(training tasks, held-out tasks); held-out ones never appear among the training tasks."""
    if not cfg.tasks:
        raise UsageError("train: no training tasks", hint="set [train] tasks in rlcode.toml or pass --tasks FILE")
    tasks = list(load_tasks(cfg.tasks, language_names()).values())
    if cfg.heldout:
        heldout = list(load_tasks(cfg.heldout, language_names()).values())
        leaked = {t.task_id for t in heldout} & {t.task_id for t in tasks}
        if leaked:
            raise InputError(cfg.heldout, None, "task_id", f"held-out task {sorted(leaked)[0]!r} is also a training "
                             f"task ({len(leaked)} in all)", hint="held-out tasks must be apart from training tasks")
        return tasks, heldout
    if cfg.heldout_fraction:
        shuffled = tasks[:]
        random.Random(cfg.seed).shuffle(shuffled)
        cut = max(1, round(len(shuffled) * cfg.heldout_fraction))
        return shuffled[cut:], shuffled[:cut]
    return tasks, []


def resolve_device(cfg: TrainSettings) -> tuple[str, str]:
    """(device, precision): bf16 only on a GPU that has it (TRL's default bf16 is wrong on a CPU)."""
    import torch

    device = cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("train.device = cuda, but no CUDA device is visible", hint="set device = auto or cpu")
    precision = cfg.precision
    if precision == "auto":
        precision = "bf16" if device == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    if precision in ("bf16", "fp16") and device == "cpu":
        raise UsageError(f"train.precision = {precision} on the CPU: TRL's mixed precision needs a GPU here",
                         hint="set precision = auto (fp32 on the CPU)")
    return device, precision


def _tensorboard(cfg: TrainSettings) -> list[str]:
    if not cfg.tensorboard:
        return ["none"]
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return ["none"]
    return ["tensorboard"]


def is_main_process() -> bool:
    """False on every process but the first under ``accelerate launch`` (True without it)."""
    from accelerate import PartialState

    return PartialState().is_main_process


class TrainingRun:
    """One run directory: its files, its policy, its reward. ``run()`` does the remaining rounds."""

    def __init__(self, settings: Settings, on_round: Callable[[dict], None] | None = None,
                 on_status: Callable[[str], None] | None = None,
                 on_step: Callable[[int, int, int], None] | None = None):
        self.settings = settings
        self.cfg = cfg = settings.train
        if not cfg.model:
            raise UsageError("train: no model", hint="set [train] model in rlcode.toml or pass --model DIR")
        if cfg.algorithm not in ALGORITHMS:
            raise UsageError(f"train.algorithm: unknown {cfg.algorithm!r}")
        self.out = Path(cfg.out_dir)
        self.rounds_path = self.out / "rounds.jsonl"
        self.metrics_path = self.out / "metrics.jsonl"
        self.on_round = on_round or (lambda row: None)
        self.status = on_status or (lambda msg: None)
        self.on_step = on_step  # (round, step, steps in the round), after every optimizer step
        self.train_tasks, self.heldout_tasks = split_tasks(cfg)
        if cfg.heldout_max_tasks:
            self.heldout_tasks = self.heldout_tasks[:cfg.heldout_max_tasks]

    def checkpoint(self, round_no: int) -> Path:
        return self.out / f"round-{round_no:03d}"

    def finished_rounds(self) -> list[dict]:
        rows, _ = recover_output(self.rounds_path, ("round",))
        return sorted(rows, key=lambda r: r["round"])

    def _load(self, path: str):
        import torch
        from transformers import AutoModelForCausalLM

        from rlcode.generate.hf import load_tokenizer

        if not Path(path).exists():
            raise InputError(path, None, "model", "no such model folder",
                             hint="give a folder saved with save_pretrained (no hub is reached from here)")
        tokenizer = load_tokenizer(path)
        adapter = Path(path) / "adapter_config.json"
        if adapter.exists():  # a LoRA round's checkpoint: its base model plus the trained adapters
            from peft import PeftModel

            base = json.loads(adapter.read_text())["base_model_name_or_path"]
            model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
            return PeftModel.from_pretrained(model, path, is_trainable=True), tokenizer
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        return model, tokenizer

    def _save(self, model, tokenizer, round_no: int) -> Path:
        path = self.checkpoint(round_no)
        model.save_pretrained(path)
        tokenizer.save_pretrained(path)
        return path

    def _dataset(self, tasks: list[Task], prompts: dict, chat: bool):
        from datasets import Dataset

        rows = []
        for t in tasks:
            p = prompts[t.task_id]
            prompt: Any = list(p.messages) if (p.messages and chat) else p.text
            rows.append({"prompt": prompt, "task_id": t.task_id})
        return Dataset.from_list(rows)

    def _prompts_and_reward(self, tokenizer) -> tuple[dict, TrainingReward]:
        chat = bool(getattr(tokenizer, "chat_template", None))
        all_tasks = {t.task_id: t for t in self.train_tasks + self.heldout_tasks}
        prompts = prompts_for(list(all_tasks.values()), GenerateOptions(chat=self.settings.generate.chat), chat)
        return prompts, TrainingReward(all_tasks, prompts, self.settings, flagged=self.cfg.flagged)

    def evaluate(self, path: str) -> dict | None:
        """The held-out figures of the model in ``path``, measured as round 0 measures its model (the
        same samples' seed), with nothing trained or written: e.g. a model before its warm start."""
        import torch

        if self.cfg.threads:
            torch.set_num_threads(self.cfg.threads)
        model, tokenizer = self._load(path)
        prompts, reward = self._prompts_and_reward(tokenizer)
        try:
            return self._evaluate(model.to(resolve_device(self.cfg)[0]), tokenizer, prompts, reward, 0)
        finally:
            reward.close()

    def run(self) -> list[dict]:
        import torch

        cfg = self.cfg
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        device, precision = resolve_device(cfg)
        done = self.finished_rounds()
        if done and done[-1]["round"] >= cfg.rounds:
            self.status(f"all {cfg.rounds} rounds already finished in {self.out}")
            return done
        self._drop_unfinished_metrics(done[-1]["round"] if done else 0)
        start_from = done[-1]["checkpoint"] if done else cfg.model
        self.status(f"loading {start_from}" + (f" (resuming after round {done[-1]['round']})" if done else ""))
        model, tokenizer = self._load(start_from)
        n_params = sum(p.numel() for p in model.parameters())
        lr = cfg.learning_rate or auto_learning_rate(n_params)
        chat = bool(getattr(tokenizer, "chat_template", None))
        prompts, reward = self._prompts_and_reward(tokenizer)
        sampler = TaskSampler(self.train_tasks, cfg)
        sampler.load(self.out / "sampler.json")
        main = is_main_process()
        if main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "config.json").write_text(json.dumps(
                {"train": cfg.model_dump(), "reward": self.settings.reward.model_dump(), "params": n_params,
                 "learning_rate": lr, "device": device, "precision": precision}, indent=2))
        try:
            model = model.to(device)
            if not done and main:
                self.status("round 0: held-out evaluation of the starting policy")
                heldout = self._evaluate(model, tokenizer, prompts, reward, 0)
                ckpt = self._save(model, tokenizer, 0)
                done.append(self._write_round({"round": 0, "heldout": heldout, "train": None,
                                               "checkpoint": str(ckpt), "time_s": 0.0}))
            for round_no in range(done[-1]["round"] + 1 if done else 1, cfg.rounds + 1):
                started = time.perf_counter()
                chosen = sampler.draw(round_no, cfg.prompts_per_round())
                reward.begin_round()
                setup = RoundSetup(model=model, tokenizer=tokenizer, reward=reward,
                                   dataset=self._dataset(chosen, prompts, chat), cfg=cfg,
                                   output_dir=str(self.out / "trainer" / f"round-{round_no:03d}"), learning_rate=lr,
                                   seed=cfg.seed + round_no, device=device, precision=precision,
                                   report_to=_tensorboard(cfg), callbacks=self._callbacks(round_no))
                self.status(f"round {round_no}: {cfg.steps_per_round} {cfg.algorithm} steps on {len(chosen)} prompts")
                trainer = ALGORITHMS.get(cfg.algorithm)(setup)
                _silence(trainer)
                trainer.train()
                model = _unwrap(trainer)
                for task_id, rewards in reward.groups.items():
                    sampler.update(task_id, rewards)
                train_stats = reward.round_summary()
                train_time = time.perf_counter() - started
                if main:
                    self._write_metrics(round_no, trainer.state.log_history)
                    self.status(f"round {round_no}: held-out evaluation")
                    heldout = self._evaluate(model, tokenizer, prompts, reward, round_no)
                    ckpt = self._save(model, tokenizer, round_no)
                    sampler.save(self.out / "sampler.json")
                    train_stats["step_s"] = round(train_time / cfg.steps_per_round, 4)
                    done.append(self._write_round({"round": round_no, "heldout": heldout, "train": train_stats,
                                                   "checkpoint": str(ckpt),
                                                   "time_s": round(time.perf_counter() - started, 3)}))
        finally:
            reward.close()
        return done

    def _callbacks(self, round_no: int) -> list:
        if self.on_step is None:
            return []
        from transformers import TrainerCallback

        report, total = self.on_step, self.cfg.steps_per_round

        class StepReport(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                report(round_no, state.global_step, total)

        return [StepReport()]

    def _evaluate(self, model, tokenizer, prompts, reward, round_no: int) -> dict | None:
        if not self.heldout_tasks:
            return None
        cfg = self.cfg
        return evaluate_policy(model, tokenizer, self.heldout_tasks, prompts, reward._scorer_for_call(),
                               n=cfg.heldout_n, temperature=cfg.heldout_temperature,
                               max_new_tokens=cfg.max_completion_length, seed=cfg.seed * 1000 + round_no)

    def _write_round(self, row: dict) -> dict:
        with JsonlAppender(self.rounds_path) as sink:
            sink.write(row)
        if _tensorboard(self.cfg) == ["tensorboard"]:  # per-round curves beside the trainers' per-step ones
            from torch.utils.tensorboard import SummaryWriter

            with SummaryWriter(str(self.out / "tb")) as writer:
                for part in ("heldout", "train"):
                    for key, value in (row.get(part) or {}).items():
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            writer.add_scalar(f"{part}/{key}", value, row["round"])
        self.on_round(row)
        return row

    def _drop_unfinished_metrics(self, last_round: int) -> None:
        """Metrics of a round that has no row in rounds.jsonl (killed after writing them) go: the
        round runs again and writes its own."""
        rows, _ = recover_output(self.metrics_path, ("round", "global_step"))
        keep = [r for r in rows if int(r.get("round", 0)) <= last_round]
        if len(keep) < len(rows) and is_main_process():
            write_text_atomic(self.metrics_path, "".join(json.dumps(r) + "\n" for r in keep))

    def _write_metrics(self, round_no: int, history: list[dict]) -> None:
        base = (round_no - 1) * self.cfg.steps_per_round
        with JsonlAppender(self.metrics_path) as sink:
            for entry in history:
                if "step" not in entry:
                    continue
                row = {"round": round_no, "global_step": base + int(entry["step"]), **entry}
                sink.write({k: v for k, v in row.items() if _plain(v)})


def _silence(trainer) -> None:
    """The Trainer prints every log dict when tqdm is off; rlcode writes them to metrics.jsonl."""
    from transformers.trainer_callback import PrinterCallback

    if hasattr(trainer, "remove_callback"):
        trainer.remove_callback(PrinterCallback)


def _plain(value) -> bool:
    return value is None or isinstance(value, (int, float, str, bool))


def _unwrap(trainer):
    accelerator = getattr(trainer, "accelerator", None)
    model = trainer.model
    return accelerator.unwrap_model(model) if accelerator is not None else model


def train(settings: Settings, **hooks) -> list[dict]:
    """Run (or resume) the training run ``settings.train`` describes; returns every round's row."""
    return TrainingRun(settings, **hooks).run()
