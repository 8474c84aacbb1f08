"""``rlcode eval --model``: generation (the openai backend against a real HTTP server on loopback),
scoring in the sandboxes and metrics in one command, resumable through its --out-dir."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from tests.conftest import write_jsonl

SUM = "```python\nimport sys\nprint(sum(map(int, sys.stdin.read().split())))\n```"


class SumServer(BaseHTTPRequestHandler):
    """Answers every chat request with a program that prints the sum of its input."""

    requests = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).requests += 1
        choices = [{"index": i, "message": {"role": "assistant", "content": SUM}} for i in range(body.get("n", 1))]
        raw = json.dumps({"choices": choices}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture()
def server():
    SumServer.requests = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SumServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.docker
def test_eval_model_generates_scores_and_gates(server, tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [
        {"task_id": "sum", "prompt": "Print the sum of the numbers.", "io_tests": [{"input": "2 3\n", "output": "5\n"}]},
        {"task_id": "product", "prompt": "Print the product of the numbers.",
         "io_tests": [{"input": "2 3\n", "output": "6\n"}]}])
    argv = ["eval", "--tasks", str(tasks), "--model", "served", "--generator", "openai", "--base-url", server,
            "--n", "2", "--k", "1,2", "--out-dir", str(tmp_path / "out"), "--json", str(tmp_path / "r.json"),
            "--no-static", "-q"]
    runner = CliRunner()
    r = runner.invoke(app, argv + ["--fail-under", "pass@1=0.5"])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["metrics"]["pass@1"] == 0.5 and data["metrics"]["pass@2"] == 0.5
    assert data["source"]["model"] == "served"
    assert {t["task_id"]: t["passed"] for t in data["tasks"]} == {"sum": 2, "product": 0}
    generated = (tmp_path / "out" / "served.candidates.jsonl").read_text().splitlines()
    assert len(generated) == 4 and all(json.loads(line)["model"] == "served" for line in generated)
    asked = SumServer.requests
    # the same command again resumes: nothing generated, nothing scored again; a stricter gate misses
    r = runner.invoke(app, argv + ["--fail-under", "pass@1=0.6"])
    assert r.exit_code == 1 and "gate missed: pass@1 = 0.5000, needs >= 0.6" in r.output
    assert SumServer.requests == asked
    assert len((tmp_path / "out" / "served.scored.jsonl").read_text().splitlines()) == 4


def test_eval_model_needs_enough_samples_for_k(tmp_path):
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [{"task_id": "t", "io_tests": [{"input": "", "output": ""}]}])
    r = CliRunner().invoke(app, ["eval", "--tasks", str(tasks), "--model", "m", "--n", "2", "--k", "1,5"])
    assert r.exit_code == 2 and "--k 5 needs at least that many samples" in r.output
