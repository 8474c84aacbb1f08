"""Bad input gets one clear line (FILE:LINE: field: reason) and exit 2; output files resume."""

import gzip
import json

import pytest

from rlcode.candidates import load_candidates
from rlcode.errors import InputError
from rlcode.jsonl import JsonlAppender, recover_output
from rlcode.tasks import load_tasks
from tests.conftest import write_jsonl

TASK = {"task_id": "a", "prompt": "def f():\n", "entry_point": "f", "test": "def check(c): pass"}


def tasks_file(tmp_path, rows=None):
    return str(write_jsonl(tmp_path / "tasks.jsonl", rows or [TASK]))


@pytest.mark.parametrize("line,field,reason", [
    ('{"task_id": "a", "prompt": 1, "entry_point": "f", "test": "x"}', "prompt", "must be a string"),
    ('{"prompt": ""}', "task_id", "missing"),
    ('{"task_id": "a", "entry_point": "f"}', "test", "missing"),
    ('{"task_id": "a", "io_tests": [{"input": 1}]}', "io_tests[0]", "must be"),
    ('{"task_id": "a", "io_tests": [], "checker": "fuzzy"}', "checker", "unknown checker"),
    ('{"task_id": "a", "io_tests": [], "language": "cobol"}', "language", "unknown language"),
    ('{"task_id": "a", "io_tests": [], "limits": {"time_s": -1}}', "limits.time_s", "must be"),
    ('{"task_id": "a", "fn_tests": [{"args": [1], "expected": 2}]}', "entry_point", "required"),
])
def test_task_errors_name_file_line_field(tmp_path, line, field, reason):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(TASK | {"task_id": "ok"}) + "\n\n" + line + "\n")
    with pytest.raises(InputError) as err:
        load_tasks(str(path), {"python"})
    assert err.value.exit_code == 2
    assert str(err.value).startswith(f"{path}:3: {field}: ")
    assert reason in str(err.value)


def test_malformed_json_and_duplicates(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(TASK) + "\n{oops\n")
    with pytest.raises(InputError, match=r"t.jsonl:2: malformed JSON"):
        load_tasks(str(path))
    path.write_text(json.dumps(TASK) + "\n" + json.dumps(TASK) + "\n")
    with pytest.raises(InputError, match=r"t.jsonl:2: task_id: duplicate"):
        load_tasks(str(path))


@pytest.mark.parametrize("row,field", [
    ({"task_id": "zzz", "completion": "x"}, "task_id"),
    ({"completion": "x"}, "task_id"),
    ({"task_id": "a"}, "completion"),
    ({"task_id": "a", "completion": 5}, "completion"),
    ({"task_id": "a", "code": "x", "completion": "y"}, "code"),
    ({"task_id": "a", "code": "x", "language": "klingon"}, "language"),
    ({"task_id": "a", "code": "x", "candidate_id": [1]}, "candidate_id"),
])
def test_candidate_errors(tmp_path, row, field):
    tasks = load_tasks(tasks_file(tmp_path), {"python"})
    path = write_jsonl(tmp_path / "c.jsonl", [{"task_id": "a", "completion": "ok"}, row])
    with pytest.raises(InputError) as err:
        load_candidates(path, tasks, {"python"})
    assert str(err.value).startswith(f"{path}:2: {field}: ")


def test_candidate_ids_default_to_order_within_task_and_gzip_is_read(tmp_path):
    tasks = load_tasks(tasks_file(tmp_path, [TASK, TASK | {"task_id": "b"}]), {"python"})
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt") as f:
        for tid in "abab":
            f.write(json.dumps({"task_id": tid, "completion": "x", "extra": 1}) + "\n")
    cands = load_candidates(path, tasks, {"python"})
    assert [c.key for c in cands] == [("a", "0"), ("b", "0"), ("a", "1"), ("b", "1")]
    assert cands[0].raw["extra"] == 1


def test_humaneval_builtin_loads_164_tasks():
    tasks = load_tasks("humaneval", {"python"})
    assert len(tasks) == 164 and tasks["HumanEval/0"].entry_point == "has_close_elements"


def test_torn_last_line_is_cut_and_rows_kept(tmp_path):
    out = tmp_path / "out.jsonl"
    with JsonlAppender(out) as sink:
        sink.write({"task_id": "a", "candidate_id": "0", "verdict": "passed"})
    with open(out, "a") as f:
        f.write('{"task_id": "a", "candidate_id": "1", "ver')
    rows, keys = recover_output(out, ("task_id", "candidate_id"))
    assert keys == {("a", "0")} and len(rows) == 1
    assert out.read_text().endswith("}\n")


def test_corrupt_existing_output_is_an_input_error(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("not json\n")
    with pytest.raises(InputError, match="out.jsonl:1: existing output"):
        recover_output(out, ("task_id",))
