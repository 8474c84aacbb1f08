"""Import (DESIGN.md JSONL, Label Studio, Argilla; resumable) and export (events JSONL, TRL
preference rows as JSONL and as a `datasets` folder), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rlcode.cli import app
from rlcode.errors import InputError
from rlcode.feedback.exchange import detect_format, import_file, preference_rows, read_events
from rlcode.feedback.store import FeedbackStore
from tests import feedback_db

db_url = feedback_db.db_url  # the fixture: a fresh SQLite file and a fresh PostgreSQL database

CODE = "def f(x):\n    y = x + 1\n    return y\n"
ITEMS = [{"task_id": "t/0", "candidate_id": str(c), "prompt": "Write f.", "code": CODE.replace("1", str(c)),
          "verdict": "passed" if c else "failed", "tests_passed": c, "tests_total": 2} for c in range(3)]

LABEL_STUDIO = [
    {"id": 1, "data": {"task_id": "t/0", "candidate_id": "1", "code": CODE},
     "annotations": [{"completed_by": {"id": 3, "email": "ann@example.org"}, "created_at": "2026-12-01T09:00:00Z",
                      "result": [
                          {"type": "choices", "from_name": "verdict", "value": {"choices": ["Pass"]}},
                          {"type": "rating", "from_name": "readability", "value": {"rating": 4}},
                          {"type": "labels", "from_name": "span", "value": {"start": 14, "end": 23,
                                                                             "labels": ["smell"]}},
                          {"type": "textarea", "from_name": "note", "value": {"text": ["fine"]}}]},
                     {"completed_by": 7, "was_cancelled": True, "result": []}]},
    {"id": 2, "data": {"task_id": "t/0", "candidate_a": "1", "candidate_b": "2"},
     "annotations": [{"completed_by": 7, "result": [{"type": "pairwise", "from_name": "cmp",
                                                     "value": {"selected": "right"}}]}]},
]

ARGILLA = [
    {"id": "r1", "fields": {"code": CODE}, "metadata": {"task_id": "t/0", "candidate_id": "2"},
     "responses": {"judgement": [{"value": "fail", "user_id": "u1", "status": "submitted"},
                                 {"value": "pass", "user_id": "u2", "status": "draft"}],
                   "correctness": [{"value": 2, "user_id": "u1", "status": "submitted"}]}},
    {"id": "r2", "metadata": {"task_id": "t/0", "candidate_a": "0", "candidate_b": "2"},
     "preference.responses": ["b"], "preference.responses.users": ["u1"], "preference.responses.status": ["submitted"]},
]


def test_label_studio_and_argilla_imports(tmp_path, db_url):
    ls, ar = tmp_path / "ls.json", tmp_path / "ar.jsonl"
    ls.write_text(json.dumps(LABEL_STUDIO))
    ar.write_text("".join(json.dumps(r) + "\n" for r in ARGILLA))
    assert detect_format(ls) == "label-studio" and detect_format(ar) == "argilla"
    with FeedbackStore(db_url) as store:
        assert import_file(store, ls) == (5, True)
        assert import_file(store, ls) == (0, False)  # resumable: the same file is not imported twice
        assert import_file(store, ar, "argilla") == (3, True)
        got = {(e.kind, e.rater): e for e in store.events()}
    j = got[("judgement", "ann@example.org")]
    assert (j.candidate_id, j.value, j.time) == ("1", "pass", "2026-12-01T09:00:00Z")
    assert got[("rating", "ann@example.org")].dimension == "readability"
    assert got[("annotation", "ann@example.org")].lines == [2, 2]  # chars 14-23: on the second line
    assert got[("comment", "ann@example.org")].text == "fine"
    p = got[("preference", "labelstudio:7")]
    assert (p.candidate_a, p.candidate_b, p.value) == ("1", "2", "b")
    assert got[("judgement", "argilla:u1")].value == "fail"  # the draft of u2 is not feedback
    assert ("judgement", "argilla:u2") not in got
    assert got[("rating", "argilla:u1")].value == 2 and got[("preference", "argilla:u1")].value == "b"


def test_an_import_and_its_mark_land_together(tmp_path, monkeypatch):
    """The file's mark is written in the events' transaction: an import cut short leaves neither,
    so running it again writes every event once."""
    from rlcode.feedback import store as store_module

    def cut_short(*_):
        raise RuntimeError("cut short")

    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps(LABEL_STUDIO))
    with FeedbackStore(str(tmp_path / "f.sqlite")) as store:
        with monkeypatch.context() as m:
            m.setattr(store_module, "_put_meta", cut_short)  # fails after the events are inserted
            with pytest.raises(RuntimeError, match="cut short"):
                import_file(store, ls)
        assert store.count_events() == 0
        assert import_file(store, ls) == (5, True) and store.count_events() == 5


def test_bad_import_record_names_the_record(tmp_path):
    f = tmp_path / "ls.json"
    f.write_text(json.dumps([LABEL_STUDIO[0], {"id": 9, "data": {"code": "x"}, "annotations": []}]))
    with pytest.raises(InputError, match=r"ls.json:2: task_id"):
        read_events(f)
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"hello": 1}\n')
    with pytest.raises(InputError, match="cannot tell the format"):
        read_events(odd)


def test_export_events_round_trip_and_trl_preferences(tmp_path, db_url):
    events = tmp_path / "ev.jsonl"
    rows = [{"task_id": "t/0", "candidate_a": "2", "candidate_b": "0", "rater": r, "kind": "preference", "value": "a"}
            for r in ("ann", "bob", "cat")]
    rows += [{"task_id": "t/0", "candidate_a": "1", "candidate_b": "2", "rater": "ann", "kind": "preference",
              "value": "tie"},
             {"task_id": "t/0", "candidate_id": "0", "rater": "eve", "kind": "correction", "code": "def f(x): ..."},
             {"task_id": "t/0", "candidate_id": "0", "rater": "eve", "kind": "judgement", "value": "fail",
              "time": "2026-12-01T09:00:00Z", "gold": True}]
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    with FeedbackStore(db_url) as store:
        store.add_items(ITEMS)
    assert runner.invoke(app, ["feedback", "import", str(events), "--db", db_url]).exit_code == 0
    out = tmp_path / "back.jsonl"
    assert runner.invoke(app, ["feedback", "export", "--db", db_url, "--out", str(out)]).exit_code == 0
    back = [json.loads(line) for line in out.read_text().splitlines()]
    assert [{k: v for k, v in b.items() if k != "time"} for b in back] == [
        {k: v for k, v in r.items() if k != "time"} for r in rows]
    assert all(b["time"] for b in back) and back[-1]["time"] == "2026-12-01T09:00:00Z"

    prefs, hf = tmp_path / "prefs.jsonl", tmp_path / "hf"
    result = runner.invoke(app, ["feedback", "export", "--format", "trl-preference", "--db", db_url,
                                 "--out", str(prefs), "--hf-dataset", str(hf)])
    assert result.exit_code == 0, result.output
    pairs = [json.loads(line) for line in prefs.read_text().splitlines()]
    by_source = {p["source"]: p for p in pairs}
    pref = by_source["preference"]
    assert (pref["chosen"], pref["rejected"], pref["prompt"]) == (ITEMS[2]["code"], ITEMS[0]["code"], "Write f.")
    assert 0.5 < pref["margin"] <= 1.0
    assert by_source["correction"]["chosen"] == "def f(x): ..." and by_source["correction"]["margin"] == 1.0
    assert len(pairs) == 2  # the tie has no winner

    from datasets import load_from_disk

    ds = load_from_disk(str(hf))
    assert ds.num_rows == 2 and {"prompt", "chosen", "rejected", "margin"} <= set(ds.column_names)
    with FeedbackStore(db_url) as store:
        assert preference_rows(store)[0]["margin"] == pref["margin"]


def test_add_items_and_raters_commands(tmp_path):
    db = str(tmp_path / "f.sqlite")
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in ITEMS))
    runner = CliRunner()
    first = runner.invoke(app, ["feedback", "add-items", str(scored), "--db", db])
    assert first.exit_code == 0 and "3 new items" in first.output
    assert "0 new items" in runner.invoke(app, ["feedback", "add-items", str(scored), "--db", db]).output
    added = runner.invoke(app, ["feedback", "raters", "add", "eve", "--role", "expert", "--db", db])
    assert added.exit_code == 0
    token = added.stdout.strip().splitlines()[0]
    with FeedbackStore(db) as store:
        assert store.rater_by_token(token).role == "expert"
    bad = runner.invoke(app, ["feedback", "raters", "add", "x", "--role", "boss", "--db", db])
    assert bad.exit_code == 2 and "unknown role" in bad.output
    again = runner.invoke(app, ["feedback", "raters", "token", "eve", "--db", db])
    assert again.exit_code == 0
    new_token = again.stdout.strip().splitlines()[0]
    with FeedbackStore(db) as store:
        assert store.rater_by_token(token) is None and store.rater_by_token(new_token).name == "eve"
    missing = runner.invoke(app, ["feedback", "raters", "token", "nobody", "--db", db])
    assert missing.exit_code == 2 and "no rater named" in missing.output
