"""Feedback events: every kind of DESIGN.md validated, errors naming file, line and field (exit 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.errors import InputError
from rlcode.feedback.events import KINDS, RUBRIC, FeedbackEvent, event_key, latest, parse_event

GOOD = [
    {"task_id": "t/0", "candidate_id": "0", "rater": "ann", "kind": "judgement", "value": "pass"},
    {"task_id": "t/0", "candidate_id": 3, "rater": "ann", "kind": "rating", "dimension": "correctness", "value": 5},
    {"task_id": "t/0", "candidate_a": "0", "candidate_b": "1", "rater": "ann", "kind": "preference", "value": "tie"},
    {"task_id": "t/0", "candidate_id": "0", "rater": "ann", "kind": "annotation", "lines": [3, 4], "label": "bug",
     "comment": "wrong bound"},
    {"task_id": "t/0", "candidate_id": "0", "rater": "eve", "kind": "correction", "code": "def f(): return 1"},
    {"task_id": "t/0", "rater": "ann", "kind": "comment", "text": "the prompt is ambiguous"},
    {"task_id": "t/0", "candidate_id": "0", "rater": "vim-log", "kind": "implicit", "value": "reject",
     "time": "2026-12-01T10:00:00Z", "gold": True},
]

BAD = [
    ({"candidate_id": "0", "rater": "a", "kind": "judgement", "value": "pass"}, "task_id", "required"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "vote", "value": "pass"}, "kind", "unknown kind"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "judgement", "value": "yes"}, "value", "pass, fail"),
    ({"task_id": "t", "rater": "a", "kind": "judgement", "value": "pass"}, "candidate_id", "required"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "rating", "dimension": "x", "value": 6}, "value",
     "1-5"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "rating", "dimension": "x", "value": True}, "value",
     "1-5"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "rating", "value": 3}, "dimension", "required"),
    ({"task_id": "t", "candidate_a": "0", "candidate_b": "0", "rater": "a", "kind": "preference", "value": "a"},
     "candidate_b", "two different"),
    ({"task_id": "t", "candidate_a": "0", "rater": "a", "kind": "preference", "value": "a"}, "candidate_b",
     "required"),
    ({"task_id": "t", "candidate_id": "0", "candidate_a": "1", "candidate_b": "2", "rater": "a", "kind": "judgement",
      "value": "pass"}, "candidate_a", "not a field"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "annotation", "lines": [4, 2], "label": "x"},
     "lines", "first <= last"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "annotation", "lines": [1], "label": "x"}, "lines",
     "[first, last]"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "correction"}, "code", "required"),
    ({"task_id": "t", "rater": "a", "kind": "comment", "text": ""}, "text", "empty"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "implicit", "value": "pass"}, "value", "accept"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "implicit", "value": "accept", "time": "yesterday"},
     "time", "ISO 8601"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "implicit", "value": "accept", "gold": "yes"},
     "gold", "true or false"),
    ({"task_id": "t", "candidate_id": "0", "rater": "a", "kind": "implicit", "value": "accept", "score": 1}, "score",
     "unknown field"),
]


def test_constants():
    assert KINDS == ("judgement", "rating", "preference", "annotation", "correction", "comment", "implicit")
    assert RUBRIC == ("correctness", "efficiency", "readability", "conventions")


@pytest.mark.parametrize("obj", GOOD, ids=[o["kind"] for o in GOOD])
def test_every_kind_parses_and_round_trips(obj):
    event = parse_event("ev.jsonl", 1, obj)
    expect = dict(obj, candidate_id=str(obj["candidate_id"])) if "candidate_id" in obj else obj
    assert event.to_json() == expect
    assert parse_event("ev.jsonl", 1, event.to_json()) == event


@pytest.mark.parametrize("obj,field,reason", BAD, ids=[f"{b[1]}-{n}" for n, b in enumerate(BAD)])
def test_bad_events_name_file_line_field(obj, field, reason):
    with pytest.raises(InputError) as info:
        parse_event("ev.jsonl", 7, obj)
    assert info.value.field == field and info.value.line == 7
    assert str(info.value).startswith(f"ev.jsonl:7: {field}: ") and reason in str(info.value)


def test_versions_share_a_key_and_latest_wins():
    a = FeedbackEvent("t", "ann", "preference", candidate_a="0", candidate_b="1", value="a", id=1)
    b = FeedbackEvent("t", "ann", "preference", candidate_a="1", candidate_b="0", value="a", id=2)  # swapped pair
    assert event_key(a) == event_key(b)
    assert latest([a, b]) == [b]
    c1 = FeedbackEvent("t", "ann", "comment", text="x", id=3)
    c2 = FeedbackEvent("t", "ann", "comment", text="y", id=4)
    assert len(latest([c1, c2])) == 2  # comments never replace each other


def test_import_of_a_bad_file_exits_2_naming_line_and_field(tmp_path):
    f = tmp_path / "ev.jsonl"
    f.write_text(json.dumps(GOOD[0]) + "\n" + json.dumps(dict(GOOD[1], value=0)) + "\n")
    db = str(tmp_path / "f.sqlite")
    result = CliRunner().invoke(app, ["feedback", "import", str(f), "--db", db])
    assert result.exit_code == 2
    assert f"{f}:2: value: rating: expected an integer 1-5" in result.output.replace("\n", "")
    ok = CliRunner().invoke(app, ["feedback", "export", "--db", db])
    assert ok.exit_code == 0 and ok.output == ""  # all or nothing: the good first line was not written
