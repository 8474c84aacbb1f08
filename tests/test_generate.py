"""``rlcode generate``: prompt templates, the hf backend on a tiny local model (batched, resumable,
interrupted with SIGKILL and resumed), the openai backend against a real HTTP server on loopback
(retries, timeouts, bounded concurrency), and the errors a user sees."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.generate import GenerateOptions, build_prompt, generate_file
from rlcode.generate.prompts import COMPLETION_STOPS, cut_at_stop, failure_summary
from rlcode.records import Task
from rlcode.tasks import load_tasks
from tests.conftest import write_jsonl

runner = CliRunner()
SUBSET = ["HumanEval/0", "HumanEval/2", "HumanEval/53"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("torch")
    from rlcode.train.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", pairs=[])


# -- prompts ---------------------------------------------------------------------------------------------
def test_humaneval_prompts_are_completions_cut_at_its_stop_sequences():
    task = load_tasks("humaneval")["HumanEval/53"]
    prompt = build_prompt(task, chat=True)
    assert prompt.style == "completion" and prompt.answer == "completion"
    assert prompt.text == task.prompt and not prompt.messages  # never chat-wrapped: a continuation
    assert set(COMPLETION_STOPS) >= {"\ndef ", "\nclass ", "\nif __name__", "\nprint("}
    body = "    return x + y\n"
    assert cut_at_stop(body + "\n\ndef other():\n    pass\n", prompt.stop) == body + "\n"
    assert cut_at_stop(body + "\nif __name__ == '__main__':\n    main()", prompt.stop) == body
    assert cut_at_stop(body + "    def inner():\n        pass\n", prompt.stop).endswith("pass\n")  # nested: kept


def test_io_and_fn_prompts_are_instructions_with_examples():
    io = Task("io/1", language="python", prompt="Print the sum of two integers.",
              io_tests=[{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"}])
    chat = build_prompt(io, chat=True, language="rust")
    assert chat.style == "instruction" and chat.answer == "code" and chat.language == "rust"
    assert [m["role"] for m in chat.messages] == ["system", "user"]
    user = chat.messages[1]["content"]
    assert "Rust program" in user and "Input:\n1 2\n" in user and "Output:\n10\n" in user
    plain = build_prompt(io, chat=False)
    assert plain.text.endswith("```python\n") and plain.stop == ("```",) and not plain.messages

    fn = Task("fn/1", language="go", prompt="Return the larger of a and b.", entry_point="maxOf",
              fn_tests=[{"args": [1, 2], "expected": 2}])
    assert "maxOf(1, 2) == 2" in build_prompt(fn, chat=True).messages[1]["content"]


def test_repair_prompt_shows_the_faulty_program_and_what_its_test_printed():
    task = Task("r/1", language="python", entry_point="f", buggy_code="def f(x):\n    return x - 1\n",
                fn_tests=[{"args": [1], "expected": 2}], prompt="f adds one.")
    failure = failure_summary("failed", {"failures": [{"args": [1], "expected": 2, "got": 0}],
                                         "stderr": "Traceback: boom"})
    assert "first failing test" in failure and "boom" in failure
    prompt = build_prompt(task, chat=True, failure=failure)
    text = prompt.messages[1]["content"]
    assert "```python\ndef f(x):\n    return x - 1\n```" in text
    assert "Running its tests gave" in text and '"got": 0' in text and "f adds one." in text
    assert prompt.answer == "code" and "whole corrected Python program" in text


# -- hf backend --------------------------------------------------------------------------------------
@pytest.mark.train
def test_hf_generation_records_sampling_and_resumes_without_loss_or_doubles(tiny_model, tmp_path):
    out = tmp_path / "cands.jsonl"
    options = GenerateOptions(n=3, max_new_tokens=8, batch_size=4, seed=7)
    first = generate_file("humaneval", str(tiny_model), out, options, task_ids=SUBSET[:2])
    assert first["generated_now"] == 6 and first["kept"] == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["task_id"], r["candidate_id"]) for r in rows] == [(t, str(k)) for t in SUBSET[:2] for k in range(3)]
    for r in rows:
        assert r["model"] == str(tiny_model) and isinstance(r["completion"], str) and r["raw"] == r["completion"]
        assert r["sampling"] == {"backend": "hf", "temperature": 0.8, "top_p": 0.95, "max_new_tokens": 8,
                                 "seed": 7, "prompt_style": "completion"}
    # The same work gets the same seed, so the same samples, whatever batch it falls in.
    again = tmp_path / "again.jsonl"
    generate_file("humaneval", str(tiny_model), again, options.model_copy(update={"batch_size": 4}),
                  task_ids=SUBSET[:2])
    assert again.read_text() == out.read_text()
    # More samples and a third task: only the missing ones are generated, appended after the rest.
    more = generate_file("humaneval", str(tiny_model), out, options.model_copy(update={"n": 4}), task_ids=SUBSET)
    assert more["kept"] == 6 and more["generated_now"] == 2 * 1 + 4
    keys = [(r["task_id"], r["candidate_id"]) for r in map(json.loads, out.read_text().splitlines())]
    assert len(keys) == len(set(keys)) == 12
    assert Counter(t for t, _ in keys) == {t: 4 for t in SUBSET}


@pytest.mark.train
@pytest.mark.slow
def test_generate_killed_mid_run_resumes_and_the_file_scores_as_it_is(tiny_model, tmp_path):
    out = tmp_path / "cands.jsonl"
    argv = [sys.executable, "-m", "rlcode", "generate", "--tasks", "humaneval", "--model", str(tiny_model),
            "--n", "6", "--batch-size", "2", "--max-new-tokens", "24", "--out", str(out), "-q",
            *[a for t in SUBSET for a in ("--task-id", t)]]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while (not out.exists() or out.read_text().count("\n") < 4) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    written = out.read_text().count("\n")
    assert 4 <= written < 18, written
    with open(out, "a") as f:  # a torn last line, as a write cut by the kill would leave
        f.write('{"task_id": "HumanEval/53", "candid')
    result = runner.invoke(app, argv[3:])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    keys = [(r["task_id"], r["candidate_id"]) for r in rows]
    assert len(keys) == len(set(keys)) == 18
    assert sorted(keys) == sorted((t, str(k)) for t in SUBSET for k in range(6))
    assert rows[:written] == [json.loads(line) for line in out.read_text().splitlines()[:written]]


@pytest.mark.docker
@pytest.mark.train
def test_generated_file_is_a_candidates_file_for_score(tiny_model, tmp_path):
    out = tmp_path / "cands.jsonl"
    generate_file("humaneval", str(tiny_model), out, GenerateOptions(n=2, max_new_tokens=12), task_ids=SUBSET)
    scored = tmp_path / "scored.jsonl"
    result = runner.invoke(app, ["score", str(out), "--tasks", "humaneval", "--out", str(scored), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in scored.read_text().splitlines()]
    assert len(rows) == 6 and all(r["verdict"] != "sandbox_error" for r in rows)
    assert all("sampling" in r and "raw" in r for r in rows)  # the generation fields ride along


# -- openai backend against a real server ------------------------------------------------------------------
class FakeOpenAI(BaseHTTPRequestHandler):
    """A real HTTP server speaking the OpenAI completions API; its first answer to every prompt is a
    500, one prompt is first answered too slowly (the client must time out and retry), and it
    counts the requests in flight at once."""

    lock = threading.Lock()
    seen: Counter = Counter()
    in_flight = 0
    max_in_flight = 0
    bodies: list = []

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        cls = type(self)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        key = json.dumps(body.get("prompt") or body.get("messages"))
        with cls.lock:
            cls.seen[key] += 1
            attempt = cls.seen[key]
            cls.in_flight += 1
            cls.max_in_flight = max(cls.max_in_flight, cls.in_flight)
            cls.bodies.append((self.path, body))
        counted = True
        try:
            time.sleep(0.05)
            if attempt == 1:
                return self._send(500, {"error": "warming up"})
            if attempt == 2 and "truncate_number" in key:
                with cls.lock:  # the client gives up on this one after its timeout: no longer its request
                    cls.in_flight -= 1
                    counted = False
                time.sleep(3.0)  # past the client's timeout
            chat = self.path.endswith("/chat/completions")
            text = "    return 0\n\ndef junk():\n    pass\n"
            choices = [{"index": i, "message": {"role": "assistant", "content": "```python\nprint(1)\n```"}}
                       if chat else {"index": i, "text": text} for i in range(body["n"])]
            self._send(200, {"choices": choices})
        finally:
            if counted:
                with cls.lock:
                    cls.in_flight -= 1

    def _send(self, status: int, data: dict):
        raw = json.dumps(data).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on this one
            pass


@pytest.fixture()
def openai_server():
    FakeOpenAI.seen, FakeOpenAI.bodies, FakeOpenAI.in_flight, FakeOpenAI.max_in_flight = Counter(), [], 0, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_backend_retries_times_out_and_bounds_concurrency(openai_server, tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [
        *[{"task_id": t, "prompt": p.prompt, "entry_point": p.entry_point, "test": p.test}
          for t, p in load_tasks("humaneval").items() if t in ("HumanEval/0", "HumanEval/2", "HumanEval/53",
                                                               "HumanEval/45", "HumanEval/7")],
        {"task_id": "io/sum", "prompt": "Print the sum.", "io_tests": [{"input": "1 2", "output": "3"}]}])
    out = tmp_path / "cands.jsonl"
    result = runner.invoke(app, ["generate", "--tasks", str(tasks), "--model", "served-model", "--backend", "openai",
                                 "--base-url", openai_server, "--n", "3", "--concurrency", "2", "--timeout", "1.5",
                                 "--retries", "3", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 18
    by_task = {r["task_id"]: r for r in rows}
    assert by_task["HumanEval/53"]["completion"] == "    return 0\n"  # cut at "\ndef " (sent as a stop too)
    assert by_task["io/sum"]["code"] == "```python\nprint(1)\n```"  # instruction-style: via chat
    assert FakeOpenAI.max_in_flight <= 2  # --concurrency 2
    paths = Counter(path for path, _ in FakeOpenAI.bodies)
    assert set(paths) == {"/v1/completions", "/v1/chat/completions"}
    # Every prompt was refused once (500) and retried; the slow one was abandoned after the timeout and retried.
    assert len(FakeOpenAI.seen) == 6 and all(count >= 2 for count in FakeOpenAI.seen.values())
    assert next(c for k, c in FakeOpenAI.seen.items() if "truncate_number" in k) >= 3
    completion_body = next(b for p, b in FakeOpenAI.bodies if p == "/v1/completions")
    assert completion_body["model"] == "served-model" and completion_body["n"] == 3
    assert "\ndef " in completion_body["stop"]


def test_openai_backend_gives_up_with_a_clear_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = runner.invoke(app, ["generate", "--tasks", "humaneval", "--task-id", "HumanEval/0", "--model", "m",
                                 "--backend", "openai", "--base-url", f"http://127.0.0.1:{port}", "--retries", "1",
                                 "--out", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 1
    assert "gave up after 2 attempts" in result.output and "ConnectError" in result.output


# -- errors ------------------------------------------------------------------------------------------
def test_vllm_backend_names_its_extra_when_absent(tmp_path):
    pytest.importorskip("torch")
    try:
        import vllm  # noqa: F401
        pytest.skip("vllm is installed here")
    except ImportError:
        pass
    result = runner.invoke(app, ["generate", "--tasks", "humaneval", "--task-id", "HumanEval/0", "--model", "m",
                                 "--backend", "vllm", "--out", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 2
    assert "vllm extra" in result.output and "rlcode[vllm]" in result.output


@pytest.mark.parametrize("argv, message", [
    (["--backend", "openai"], "generate.base_url: required with backend openai"),
    (["--backend", "nope"], "generate.backend"),
    (["--task-id", "HumanEval/999"], "HumanEval/999"),
    (["--n", "0"], "generate.n"),
    (["--language", "cobol"], "unknown language 'cobol'"),
])
def test_bad_generate_input_exits_2_with_the_field(tmp_path, argv, message):
    result = runner.invoke(app, ["generate", "--tasks", "humaneval", "--model", str(tmp_path / "nowhere"),
                                 "--out", str(tmp_path / "c.jsonl"), *argv])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not Path(tmp_path / "c.jsonl").exists() or not Path(tmp_path / "c.jsonl").read_text()
