"""``rlcode train``: the round loop on the demo's tiny model with the real Docker sandbox as the
reward (each algorithm, LoRA, resume), reward hygiene, replay and curriculum, and the
configuration errors a user sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.records import Task
from rlcode.reward.hygiene import hacking_patterns
from rlcode.settings import load_settings
from rlcode.train.config import CurriculumStage, TrainSettings
from rlcode.train.sampler import TaskSampler

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's tasks and warm-started model (made once: the warm start is most of the cost)."""
    pytest.importorskip("trl")
    from rlcode.train.demo import prepare

    return prepare(tmp_path_factory.mktemp("demo"))


def settings_for(demo: dict, out: Path, **train):
    base = {"model": demo["model"], "tasks": demo["tasks"], "heldout": demo["heldout"], "rounds": 1,
            "steps_per_round": 2, "batch_size": 16, "num_generations": 8, "max_completion_length": 16,
            "out_dir": str(out), "threads": 1, "heldout_n": 2, "heldout_max_tasks": 4}
    return load_settings(None, {"train": {**base, **train}, "sandbox": {"workers": 2}})


def state(path: Path) -> dict:
    import torch
    from safetensors.torch import load_file

    files = sorted(path.glob("*.safetensors"))
    assert files, f"no weights in {path}"
    out: dict[str, torch.Tensor] = {}
    for f in files:
        out.update(load_file(f))
    return out


def rounds(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]


# -- the learning run -------------------------------------------------------------------------------------
@pytest.mark.docker
@pytest.mark.train
@pytest.mark.slow
def test_short_demo_run_changes_the_policy_and_raises_reward(demo, tmp_path):
    from rlcode.train.rounds import train

    out = tmp_path / "run"
    rows = train(settings_for(demo, out, rounds=3, steps_per_round=20, heldout_n=8, heldout_max_tasks=None))
    assert [r["round"] for r in rows] == [0, 1, 2, 3] == [r["round"] for r in rounds(out)]
    assert rows[0]["train"] is None and rows[0]["checkpoint"].endswith("round-000")
    for r in rows[1:]:
        assert r["train"]["masked"] == 0 and r["train"]["completions"] == 20 * 16
        assert 0.0 <= r["train"]["mean_reward"] <= 1.0
    # The weights moved, and the reward rose: on the training prompts from the first round to the
    # last, and on the held-out tasks (never trained on) from round 0 to the last round.
    before, after = state(out / "round-000"), state(out / "round-003")
    assert any(not (before[k] == after[k]).all() for k in before)
    assert rows[3]["train"]["mean_reward"] > rows[1]["train"]["mean_reward"]
    assert rows[3]["heldout"]["pass@1"] > rows[0]["heldout"]["pass@1"]
    assert rows[3]["heldout"]["mean_reward"] > rows[0]["heldout"]["mean_reward"]
    # One metrics row per optimizer step, numbered across rounds, with TRL's reward log.
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [m for m in metrics if "rewards/rlcode_reward/mean" in m]
    assert [m["global_step"] for m in steps] == list(range(1, 61))
    assert {m["round"] for m in steps} == {1, 2, 3}
    config = json.loads((out / "config.json").read_text())
    assert config["precision"] == "fp32" and config["device"] == "cpu" and config["learning_rate"] == 5e-4
    # The warm start taught something too (the demo reports all three figures): before it, nothing passes.
    from rlcode.train.rounds import TrainingRun

    untrained = TrainingRun(settings_for(demo, tmp_path / "eval", heldout_n=8, heldout_max_tasks=None)).evaluate(
        demo["untrained"])
    assert untrained["pass@1"] < rows[0]["heldout"]["pass@1"] and untrained["samples"] == rows[0]["heldout"]["samples"]


@pytest.mark.docker
@pytest.mark.train
@pytest.mark.slow
@pytest.mark.parametrize("algorithm, extra", [("grpo", {"loss_type": "dr_grpo"}), ("rloo", {}), ("ppo", {}),
                                              ("grpo", {"lora": True, "lora_r": 4})],
                         ids=["grpo-dr_grpo", "rloo", "ppo", "grpo-lora"])
def test_each_algorithm_runs_a_round_and_resumes(demo, tmp_path, algorithm, extra):
    from transformers import AutoModelForCausalLM

    from rlcode.train.rounds import train

    out = tmp_path / "run"
    first = train(settings_for(demo, out, algorithm=algorithm, **extra))
    assert [r["round"] for r in first] == [0, 1]
    assert first[1]["train"]["completions"] == 2 * 16 and first[1]["heldout"]["samples"] == 8
    ckpt = Path(first[1]["checkpoint"])
    if extra.get("lora"):
        assert (ckpt / "adapter_config.json").exists()
        weights = {k: v for k, v in state(ckpt).items() if "lora_B" in k}
        assert weights and any(v.abs().sum() > 0 for v in weights.values())  # B starts at 0: it trained
    else:
        before, after = state(out / "round-000"), state(ckpt)
        assert any(not (before[k] == after[k]).all() for k in before)
    AutoModelForCausalLM.from_pretrained(ckpt)  # every checkpoint loads with from_pretrained

    # Resume: round 1 stays as it was, round 2 starts from round 1's checkpoint; a finished run does nothing.
    messages: list[str] = []
    second = train(settings_for(demo, out, algorithm=algorithm, rounds=2, **extra), on_status=messages.append)
    assert [r["round"] for r in rounds(out)] == [0, 1, 2]
    assert rounds(out)[1] == first[1] and second[-1]["round"] == 2
    assert any("resuming after round 1" in m and str(ckpt) in m for m in messages)
    third = train(settings_for(demo, out, algorithm=algorithm, rounds=2, **extra), on_status=messages.append)
    assert len(third) == 3 and len(rounds(out)) == 3 and "already finished" in messages[-1]


@pytest.mark.docker
@pytest.mark.train
@pytest.mark.slow
def test_accelerate_launch_with_two_processes_writes_each_round_once(demo, tmp_path):
    """Several devices through accelerate (two CPU processes here, as DDP would run on two GPUs):
    one run directory, each round's row once, the report printed by the main process only."""
    import socket
    import subprocess
    import sys

    out = tmp_path / "run"
    config = tmp_path / "rlcode.toml"
    config.write_text("\n".join([
        "[train]", f'model = "{demo["model"]}"', f'tasks = "{demo["tasks"]}"', f'heldout = "{demo["heldout"]}"',
        "rounds = 1", "steps_per_round = 2", "batch_size = 16", "num_generations = 8", "max_completion_length = 16",
        f'out_dir = "{out}"', "threads = 1", "heldout_n = 2", "heldout_max_tasks = 4", "", "[sandbox]", "workers = 2", ""]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = subprocess.run([sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "2",
                           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                           "--main_process_port", str(port), "-m", "rlcode", "train", "--config", str(config)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    assert [r["round"] for r in rounds(out)] == [0, 1]
    assert rounds(out)[1]["train"]["completions"] == 2 * 16
    assert done.stdout.count("wrote ") == 1, done.stdout  # one table, from the main process
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["global_step"] for m in metrics if "rewards/rlcode_reward/mean" in m] == [1, 2]


# -- reward hygiene --------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, pattern", [
    ("import sys\ndef f(x):\n    sys.exit(0)\n", "exits the process"),
    ("import os\ndef f(x):\n    os._exit(0)\n", "exits the process"),
    ("def f(x):\n    raise SystemExit(0)\n", "exits the process"),
    ("import sys\ndef f(x):\n    return sys._getframe(1).f_locals['expected']\n", "frame or gc introspection"),
    ("import gc\ndef f(x):\n    return [o for o in gc.get_objects() if isinstance(o, dict)]\n", "frame or gc introspection"),
    ("def f(x):\n    return open('/run/rlcode/test.py').read()\n", "reads test files"),
    ("import os\ndef f(x):\n    return os.listdir('.')\n", "reads test files"),
    ("import builtins\nbuiltins.len = lambda x: 0\ndef f(x):\n    return 1\n", "patches builtins"),
    ("def f(x):\n    __builtins__['abs'] = None\n", "patches builtins"),
    ("def f(x):\n    setattr(__builtins__, 'abs', None)\n", "patches builtins"),
])
def test_hacking_patterns_are_named(code, pattern):
    assert pattern in hacking_patterns(code)


@pytest.mark.parametrize("code", [
    "def f(x):\n    return x + 1\n",
    "def f(xs):\n    return sorted(set(xs))[:3]\n",
    "import math\ndef f(x):\n    return math.floor(x / 2)\n",
    "def f(path):\n    return path.split('/')[-1]\n",
])
def test_ordinary_code_is_not_flagged(code):
    assert hacking_patterns(code) == []


@pytest.mark.docker
def test_training_reward_masks_sandbox_errors_and_flags_hacking_passes(docker_backend):
    from rlcode.generate.prompts import build_prompt
    from rlcode.scoring.pool import ThreadExecutor, Worker
    from rlcode.train.reward import TrainingReward
    from tests.conftest import KillingBackend

    task = Task("t/add", prompt='def add(a, b):\n    """Sum."""\n', entry_point="add",
                test="def check(c):\n    assert c(2, 3) == 5\n    assert c(0, 0) == 0\n")
    prompts = {task.task_id: build_prompt(task, chat=False)}
    settings = load_settings(None, {"sandbox": {"workers": 1, "cache": False}})
    honest, hacky = "    return a + b\n", "    return a + b\n    import sys\n    sys.exit(0)\n"
    for action, expected in (("zero", [1.0, 0.0]), ("keep", [1.0, 1.0])):
        reward = TrainingReward({task.task_id: task}, prompts, settings, flagged=action)
        try:
            rewards = reward(prompts=[task.prompt] * 2, completions=[honest, hacky], task_id=[task.task_id] * 2)
            assert [round(r, 6) for r in rewards] == expected
            assert reward.round_summary()["flagged"] == 1 and reward.last_rows[1].result.details["flagged"]
        finally:
            reward.close()

    reward = TrainingReward({task.task_id: task}, prompts, settings)
    scorer = reward._scorer_for_call()
    scorer._backend = docker_backend
    scorer._pool = ThreadExecutor(1, lambda: Worker(KillingBackend(docker_backend), 0, None))
    rewards = reward(prompts=[task.prompt], completions=[honest], task_id=[task.task_id])
    scorer._pool.close()
    scorer._pool, scorer._backend = None, None
    assert rewards == [None]  # masked, never 0: the sandbox failed, not the policy
    summary = reward.round_summary()
    assert summary["masked"] == 1 and summary["mean_reward"] is None
    assert reward.groups[task.task_id] == [None]


# -- replay and curriculum -------------------------------------------------------------------------------
def tasks_(n: int, **kw) -> list[Task]:
    return [Task(f"t/{i}", test="def check(c): pass", entry_point="f", **kw) for i in range(n)]


def test_replay_prefers_tasks_that_teach_something():
    cfg = TrainSettings(batch_size=8, num_generations=4)
    sampler = TaskSampler(tasks_(4), cfg)
    sampler.update("t/0", [1.0, 1.0, 1.0, 1.0])   # always solved: nothing to learn
    sampler.update("t/1", [0.0, 0.0, 0.0, 0.0])   # never solved: no signal either
    sampler.update("t/2", [1.0, 0.0, 1.0, 0.0])   # half: the most a group can teach
    sampler.update("t/3", [None, None])           # masked only: still unseen
    p = {t: sampler.priority(t) for t in ("t/0", "t/1", "t/2", "t/3")}
    assert p["t/2"] == 1.0 and p["t/3"] == 1.0
    assert p["t/0"] == p["t/1"] == cfg.replay_floor
    draws = [t.task_id for r in range(200) for t in sampler.draw(r, 1)]
    assert draws.count("t/2") > 5 * draws.count("t/0") and draws.count("t/0") > 0
    assert sampler.draw(7, 3) == sampler.draw(7, 3)  # seeded by (seed, round)
    assert len(sampler.draw(1, 10)) == 10  # cycles through a small stage
    uniform = TaskSampler(tasks_(4), TrainSettings(batch_size=8, num_generations=4, replay=False))
    uniform.stats = sampler.stats
    assert {uniform.priority(t) for t in p} == {1.0}


def test_replay_state_survives_a_resume(tmp_path):
    cfg = TrainSettings(batch_size=8, num_generations=4)
    a = TaskSampler(tasks_(3), cfg)
    a.update("t/1", [1.0, 0.0])
    a.save(tmp_path / "sampler.json")
    b = TaskSampler(tasks_(3), cfg)
    b.load(tmp_path / "sampler.json")
    assert b.priority("t/1") == a.priority("t/1") and b.draw(2, 2) == a.draw(2, 2)


def test_curriculum_stages_by_round_language_and_difficulty():
    easy_py = [Task(f"e/{i}", test="x", entry_point="f", difficulty=1.0) for i in range(3)]
    hard_py = [Task(f"h/{i}", test="x", entry_point="f", difficulty=3.0) for i in range(3)]
    c_tasks = [Task(f"c/{i}", language="c", io_tests=[], difficulty=1.0) for i in range(3)]
    cfg = TrainSettings(batch_size=8, num_generations=4, curriculum=[
        CurriculumStage(rounds=2, languages=["python"], max_difficulty=1.0),
        CurriculumStage(rounds=1, languages=["python"]),
        CurriculumStage(rounds=1)])
    sampler = TaskSampler(easy_py + hard_py + c_tasks, cfg)
    ids = lambda r: {t.task_id[0] for t in sampler.stage_tasks(r)}  # noqa: E731
    assert ids(1) == ids(2) == {"e"}
    assert ids(3) == {"e", "h"}
    assert ids(4) == ids(9) == {"e", "h", "c"}  # the last stage lasts to the end


# -- configuration errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("toml, message", [
    ("batch_size = 6\nnum_generations = 4", "must be a multiple of train.num_generations (4): set batch_size = 4 or 8"),
    ('algorithm = "rloo"\nloss_type = "dapo"', "only grpo takes a loss variant"),
    ('loss_type = "nope"', "unknown 'nope'"),
    ("num_generations = 1\nbatch_size = 4", "needs at least 2 completions per prompt"),
    ('algorithm = "a2c"', "train.algorithm"),
    ('precision = "bf16"\nmodel = "{model}"\ntasks = "{tasks}"', "precision = auto"),
    ('tasks = "{tasks}"', "no model"),
    ('model = "{model}"', "no training tasks"),
    ('model = "{model}"\ntasks = "{tasks}"\nheldout = "{tasks}"', "is also a training task"),
    ('model = "/nowhere/model"\ntasks = "{tasks}"', "/nowhere/model: model: no such model folder"),
    ("rounds = 0", "train.rounds"),
])
def test_training_configuration_errors_exit_2_and_say_what_to_change(tmp_path, toml, message):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"task_id": "a", "prompt": "def f(x):\n", "entry_point": "f",
                                 "fn_tests": [{"args": [1], "expected": 1}]}) + "\n")
    model = tmp_path / "model"
    model.mkdir()
    config = tmp_path / "rlcode.toml"
    config.write_text("[train]\n" + toml.format(model=model, tasks=tasks) + f'\nout_dir = "{tmp_path / "out"}"\n')
    result = runner.invoke(app, ["train", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert not (tmp_path / "out" / "rounds.jsonl").exists()


def test_reward_function_is_importable_from_rlcode_reward():
    from rlcode.reward import AsyncRewardFunction, RewardFunction
    from rlcode.reward.trl import RewardFunction as Original

    assert RewardFunction is Original and AsyncRewardFunction.__mro__[1] is Original


@pytest.mark.docker
@pytest.mark.train
@pytest.mark.slow
def test_a_run_killed_mid_round_resumes_after_its_last_finished_round(demo, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    config = tmp_path / "rlcode.toml"
    config.write_text("\n".join([
        "[train]", f'model = "{demo["model"]}"', f'tasks = "{demo["tasks"]}"', f'heldout = "{demo["heldout"]}"',
        "rounds = 3", "steps_per_round = 6", "batch_size = 16", "num_generations = 8", "max_completion_length = 16",
        f'out_dir = "{out}"', "threads = 1", "heldout_n = 2", "heldout_max_tasks = 4", ""]))
    proc = subprocess.Popen([sys.executable, "-m", "rlcode", "train", "--config", str(config), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    while (not (out / "rounds.jsonl").exists() or len(rounds(out)) < 2) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # in round 2, after round 1's row
    proc.wait()
    kept = rounds(out)
    assert [r["round"] for r in kept] in ([0, 1], [0, 1, 2])
    result = runner.invoke(app, ["train", "--config", str(config), "-q"])
    assert result.exit_code == 0, result.output
    final = rounds(out)
    assert [r["round"] for r in final] == [0, 1, 2, 3]  # every round once
    assert final[:len(kept)] == kept  # what was written stays as it was
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [m["global_step"] for m in metrics if "rewards/rlcode_reward/mean" in m]
    assert steps == list(range(1, 19))  # one row per optimizer step, none doubled by the rerun
