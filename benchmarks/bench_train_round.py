"""One training round: step time, generated tokens/s, and the share of the step spent waiting for
rewards, with rlcode's reward (Docker sandboxes, in process) against a baseline measured in the
same run: the same trainer with a reward that costs nothing (a string comparison in Python).

    .venv/bin/python benchmarks/bench_train_round.py [--model DIR --tasks T] [--steps 20]
        [--algorithm grpo|rloo|ppo] [--batch-size 16 --num-generations 8] [--repeats 2]

Without --model it uses the learning demo's warm-started tiny model and its training tasks
(made under out/bench-train if absent). On a GPU, give a real model folder. Prints figures;
asserts nothing. The order of the two variants alternates between repeats (the VM's speed drifts).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def free_reward(tasks):
    """The baseline: a reward with no scoring cost (1.0 when the text equals the canonical body)."""
    def reward(prompts=None, completions=None, task_id=None, **_):
        return [1.0 if str(c).strip() == (tasks[t].canonical_solution or "").strip() else 0.0
                for c, t in zip(completions, task_id)]
    reward.__name__ = "free_reward"
    return reward


def one_round(args, settings, model_dir, tasks, chosen, prompts, reward) -> dict:
    import torch
    from transformers import AutoModelForCausalLM

    from rlcode.generate.hf import load_tokenizer
    from rlcode.train.algorithms import ALGORITHMS, RoundSetup
    from rlcode.train.rounds import TrainingRun, _silence, resolve_device

    run = TrainingRun.__new__(TrainingRun)  # only its dataset builder
    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    device, precision = resolve_device(settings.train)
    setup = RoundSetup(model=model.to(device), tokenizer=tokenizer, reward=reward,
                       dataset=run._dataset(chosen, prompts, bool(tokenizer.chat_template)), cfg=settings.train,
                       output_dir="/tmp/rlcode-bench-train", learning_rate=5e-4 if settings.train.learning_rate is None
                       else settings.train.learning_rate, seed=0, device=device, precision=precision,
                       report_to=["none"], callbacks=[])
    trainer = ALGORITHMS.get(args.algorithm)(setup)
    _silence(trainer)
    if hasattr(reward, "begin_round"):
        reward.begin_round()
    started = time.perf_counter()
    trainer.train()
    elapsed = time.perf_counter() - started
    logs = [e for e in trainer.state.log_history if "step" in e and ("reward" in e or "objective/scores" in e)]
    lengths = [e.get("completions/mean_length", 0.0) for e in logs]
    tokens = sum(lengths) * settings.train.batch_size
    scoring = getattr(reward, "wait_s", None)  # time inside the reward function
    # TRL's trainers call the reward synchronously: the step waits for all of it. rlcode's PPO scores
    # while it computes the rollout's log-probs and values, and logs how long it still had to wait.
    waits = [e["time/reward_wait"] for e in logs if "time/reward_wait" in e]
    wait = sum(waits) if waits else scoring
    return {"step_s": elapsed / args.steps, "tokens_per_s": tokens / elapsed if elapsed else 0.0,
            "wait_share": (wait / elapsed) if wait is not None else 0.0,
            "scoring_share": (scoring / elapsed) if scoring is not None else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model")
    parser.add_argument("--tasks")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--algorithm", default="grpo")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--num-generations", type=int, default=8)
    parser.add_argument("--max-completion-length", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from rlcode import console
    from rlcode.generate.options import GenerateOptions
    from rlcode.generate.run import prompts_for
    from rlcode.settings import load_settings
    from rlcode.tasks import load_tasks
    from rlcode.train.reward import TrainingReward
    from rlcode.train.sampler import TaskSampler

    console.quiet_libraries()
    if not args.model:
        from rlcode.train.demo import prepare

        paths = prepare(Path("out/bench-train"))
        args.model, args.tasks = paths["model"], args.tasks or paths["tasks"]
    settings = load_settings(None, {"train": {
        "model": args.model, "tasks": args.tasks, "algorithm": args.algorithm, "steps_per_round": args.steps,
        "batch_size": args.batch_size, "num_generations": args.num_generations,
        "max_completion_length": args.max_completion_length, "threads": args.threads}})
    import torch

    torch.set_num_threads(args.threads)
    tasks = load_tasks(args.tasks)
    chosen = TaskSampler(list(tasks.values()), settings.train).draw(1, settings.train.prompts_per_round())
    prompts = prompts_for(list(tasks.values()), GenerateOptions(), False)
    rlcode_reward = TrainingReward(tasks, prompts, settings)
    results: dict[str, list[dict]] = {"free reward (baseline)": [], "rlcode reward": []}
    try:
        rlcode_reward._scorer_for_call().pool.prestart(["python"])  # containers up before the clock starts
        for i in range(args.repeats):
            order = list(results) if i % 2 == 0 else list(results)[::-1]
            for name in order:
                reward = free_reward(tasks) if name.startswith("free") else rlcode_reward
                results[name].append(one_round(args, settings, args.model, tasks, chosen, prompts, reward))
    finally:
        rlcode_reward.close()
    print(f"{args.algorithm}, {args.steps} steps x {args.batch_size} completions ({args.num_generations} per prompt), "
          f"model {args.model}, {args.repeats} repeats (medians)")
    med = {name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in results.items()}
    for name, m in med.items():
        print(f"  {name:24s} step {m['step_s'] * 1000:7.1f} ms   generated {m['tokens_per_s']:8.1f} tokens/s   "
              f"scoring {100 * m['scoring_share']:5.1f} % of the step, waiting for it {100 * m['wait_share']:5.1f} %")
    base, ours = med["free reward (baseline)"], med["rlcode reward"]
    print(f"ratio step time rlcode / free reward: {ours['step_s'] / base['step_s']:.2f}x; "
          f"reward wait per step: {ours['wait_share'] * ours['step_s'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
