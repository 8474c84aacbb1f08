"""On a CUDA machine: generation and one training round on the GPU (bf16). Skipped elsewhere;
``scripts/gpu-check.sh`` runs this file on a lent GPU machine."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.gpu, pytest.mark.train,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from rlcode.train.demo import prepare

    return prepare(tmp_path_factory.mktemp("demo"))


def test_hf_generation_runs_on_the_gpu_in_bf16(demo, tmp_path):
    from rlcode.generate import GenerateOptions, generate_file
    from rlcode.generate.hf import HFGenerator

    options = GenerateOptions(n=4, max_new_tokens=16, batch_size=32)
    generator = HFGenerator(demo["model"], options)
    assert generator.device == "cuda" and next(generator.model.parameters()).dtype == torch.bfloat16
    out = tmp_path / "c.jsonl"
    summary = generate_file(demo["heldout"], demo["model"], out, options)
    assert summary["generated_now"] == 4 * summary["tasks"]
    assert all(json.loads(line)["completion"] for line in out.read_text().splitlines())


@pytest.mark.docker
@pytest.mark.parametrize("algorithm", ["grpo", "ppo"])
def test_a_training_round_runs_on_the_gpu(demo, tmp_path, algorithm):
    from rlcode.settings import load_settings
    from rlcode.train.rounds import train

    settings = load_settings(None, {"train": {
        "model": demo["model"], "tasks": demo["tasks"], "heldout": demo["heldout"], "rounds": 1,
        "steps_per_round": 4, "batch_size": 16, "num_generations": 8, "max_completion_length": 16,
        "out_dir": str(tmp_path / "run"), "algorithm": algorithm, "heldout_max_tasks": 4, "heldout_n": 2}})
    rows = train(settings)
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["device"] == "cuda" and config["precision"] == "bf16"
    assert rows[-1]["round"] == 1 and rows[-1]["train"]["completions"] == 4 * 16
