"""The CLI through Typer's runner (exit codes, stdout, stderr) and as a real process (Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from tests.conftest import containers_gone, write_jsonl

runner = CliRunner()
MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"


def test_bad_candidates_line_is_one_line_and_exit_2(tmp_path):
    cands = tmp_path / "c.jsonl"
    cands.write_text('{"task_id": "HumanEval/0", "completion": "x"}\n{"task_id": "HumanEval/0", "completion": 7}\n')
    result = runner.invoke(app, ["score", str(cands), "--tasks", "humaneval", "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert f"{cands}:2: completion: must be a string, got int" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "o.jsonl").exists()  # nothing half-written


def test_unknown_task_and_bad_config_exit_2(tmp_path):
    cands = write_jsonl(tmp_path / "c.jsonl", [{"task_id": "nope", "completion": "x"}])
    result = runner.invoke(app, ["score", str(cands), "--tasks", "humaneval", "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "c.jsonl:1: task_id: unknown task_id 'nope'" in result.stderr
    cfg = tmp_path / "rlcode.toml"
    cfg.write_text("[sandbox]\nworkers = 'many'\n")
    result = runner.invoke(app, ["score", str(cands), "--tasks", "humaneval", "--out", "o", "--config", str(cfg)])
    assert result.exit_code == 2 and "sandbox.workers" in result.stderr
    result = runner.invoke(app, ["score", str(cands), "--tasks", "humaneval", "--out", "o", "--backend", "vm"])
    assert result.exit_code == 2


def test_version_and_help():
    assert runner.invoke(app, ["--version"]).stdout.startswith("rlcode ")
    help_text = runner.invoke(app, ["score", "--help"]).stdout
    assert "--tasks" in help_text and "--workers" in help_text


@pytest.mark.docker
def test_score_resumes_without_duplicates_and_prints_json(tmp_path):
    rows = [json.loads(line) for line in MIX.read_text().splitlines()[:40]]
    first = write_jsonl(tmp_path / "first.jsonl", rows[:24])
    full = write_jsonl(tmp_path / "full.jsonl", rows)
    out = tmp_path / "scored.jsonl"
    r1 = runner.invoke(app, ["score", str(first), "--tasks", "humaneval", "--out", str(out), "--json"])
    assert r1.exit_code == 0, r1.stderr
    assert json.loads(r1.stdout)["candidates"] == 24
    with open(out, "a") as f:  # a torn line, as if the process died mid-write
        f.write('{"task_id": "HumanEval/6", "candidate_id"')
    r2 = runner.invoke(app, ["score", str(full), "--tasks", "humaneval", "--out", str(out), "--json"])
    assert r2.exit_code == 0, r2.stderr
    summary = json.loads(r2.stdout)
    assert summary["scored_now"] == 16 and summary["candidates"] == 40
    assert summary["verdicts"]["passed"] == 20 and summary["pass_at_k"]["pass@1"] == 0.5
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    keys = [(r["task_id"], r["candidate_id"]) for r in scored]
    assert len(keys) == len(set(keys)) == 40
    # Input order, and the raw text kept.
    assert keys == [(r["task_id"], str(i % 4)) for i, r in enumerate(rows)]
    assert all("completion" in r and "components" in r for r in scored)


@pytest.mark.docker
def test_table_output_names_verdicts_and_pass_at_k(tmp_path):
    cands = write_jsonl(tmp_path / "c.jsonl", [json.loads(line) for line in MIX.read_text().splitlines()[:8]])
    result = runner.invoke(app, ["score", str(cands), "--tasks", "humaneval", "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.stderr
    for word in ("passed", "failed", "pass@1", "pass@4", "throughput"):
        assert word in result.stdout


def _score_in_background(out: Path, **popen) -> tuple[list[str], subprocess.Popen]:
    """``rlcode score`` of the HumanEval mix, returned once it has written some rows."""
    cmd = [sys.executable, "-m", "rlcode", "score", str(MIX), "--tasks", "humaneval", "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, **popen)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 20000):
        time.sleep(0.05)
    return cmd, proc


@pytest.mark.docker
def test_ctrl_c_leaves_a_valid_file_and_no_containers(tmp_path):
    out = tmp_path / "o.jsonl"
    cmd, proc = _score_in_background(out, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]  # every line is whole JSON
    assert 0 < len(rows) < 656
    assert containers_gone({"label": f"rlcode.owner={proc.pid}"})
    done = subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({(r["task_id"], r["candidate_id"]) for r in final}) == len(final) == 656


@pytest.mark.docker
def test_a_killed_run_leaves_no_containers(tmp_path):
    """SIGKILL gives rlcode no chance to clean up: each runner sees its channel close, exits, and
    the daemon removes its container (nothing is left for ``rlcode sandbox prune``)."""
    _, proc = _score_in_background(tmp_path / "o.jsonl", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.kill()
    proc.wait(timeout=30)
    assert containers_gone({"label": f"rlcode.owner={proc.pid}"})


@pytest.mark.docker
def test_sandbox_status_and_doctor():
    status = runner.invoke(app, ["sandbox", "status", "--json"])
    assert status.exit_code == 0, status.stderr
    python = next(r for r in json.loads(status.stdout) if r["language"] == "python")
    assert python["built"] and python["toolchain"].startswith("Python 3")
    doctor = runner.invoke(app, ["sandbox", "doctor"])
    assert doctor.exit_code == 0 and "uid 10001" in doctor.stdout and "pid 1" in doctor.stdout


def test_local_doctor_says_which_isolation(tmp_path):
    result = runner.invoke(app, ["sandbox", "doctor", "--backend", "local"])
    assert result.exit_code == 0
    assert "namespaces" in result.stdout and "runner" in result.stdout
    assert os.getuid() != 0 or "65534" in result.stdout
