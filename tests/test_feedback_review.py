"""``rlcode feedback review``: keys pressed -> events in the store. Driven by Textual's pilot (the
app in-process) and, once, the real command in a pseudo-terminal (pexpect), quit and resumed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("textual")

from rlcode.feedback.review import ReviewApp, parse_lines  # noqa: E402
from rlcode.feedback.store import open_store  # noqa: E402
from tests.test_feedback_web import scored_rows  # noqa: E402


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "feedback.sqlite"))
    s.add_items(scored_rows())
    yield s
    s.close()


def _drive(store, rater: str, *steps) -> ReviewApp:
    """Runs the app headless, pressing each step's keys (a step is a tuple of key names)."""
    app = ReviewApp(store, rater)

    async def go():
        async with app.run_test(size=(140, 40)) as pilot:
            for keys in steps:
                await pilot.press(*keys)
                await pilot.pause()

    asyncio.run(go())
    return app


def _mine(store, rater: str) -> list[tuple]:
    return [(e.kind, e.task_id, e.candidate_id, e.value, e.dimension, e.lines, e.label, e.comment)
            for e in sorted(store.events(rater=rater), key=lambda e: e.id)]


def test_keys_write_ratings_annotations_and_judgements(store):
    app = _drive(store, "bob",
                 ("4", "2"),                                         # correctness 4, efficiency 2
                 ("d", "5"),                                         # skip readability: conventions 5
                 ("a",), ("2", "-", "3", "enter"), tuple("bug") + ("enter",), tuple("wrong") + ("enter",),
                 ("f",),                                             # judge T/0/0 fail -> moves on
                 ("p",))                                             # judge T/0/1 pass
    assert _mine(store, "bob") == [
        ("rating", "T/0", "0", 4, "correctness", None, None, None),
        ("rating", "T/0", "0", 2, "efficiency", None, None, None),
        ("rating", "T/0", "0", 5, "conventions", None, None, None),
        ("annotation", "T/0", "0", None, None, [2, 3], "bug", "wrong"),
        ("judgement", "T/0", "0", "fail", None, None, None, None),
        ("judgement", "T/0", "1", "pass", None, None, None, None),
    ]
    assert app.item.task_id == "T/1" and app.summary.judged == 2 and app.summary.events == 6


def test_a_bad_line_range_is_asked_again_and_escape_cancels(store):
    _drive(store, "bob", ("a",), ("9", "enter"), tuple("bug") + ("enter",), ("enter",),  # 9 > 3 lines: refused
           ("escape",), ("p",))
    assert [k for k, *_ in _mine(store, "bob")] == ["judgement"]


def test_skip_moves_on_without_an_event_and_the_next_session_resumes(store):
    app = _drive(store, "carol", ("s",), ("p",), ("q",))  # skip T/0/0, pass T/0/1
    assert _mine(store, "carol") == [("judgement", "T/0", "1", "pass", None, None, None, None)]
    assert app.summary.skipped == 1 and app.return_value is app.summary
    again = _drive(store, "carol")  # resumes at the first item carol has not judged: the skipped one
    assert (again.item.task_id, again.item.candidate_id) == ("T/0", "0")
    _drive(store, "carol", ("f",), ("f",))
    done = _drive(store, "carol", ("p",))  # nothing left: keys write nothing
    assert done.item is None and len(_mine(store, "carol")) == 3


def test_hostile_text_is_shown_as_text_not_markup(store):
    store.add_items([{**scored_rows()[2], "task_id": "T/2", "code": "x = '[bold red]boom[/]'\n",
                      "prompt": "[link=javascript:alert(1)]x[/link]"}])
    app = ReviewApp(store, "dave")

    async def go():
        async with app.run_test(size=(140, 40)) as pilot:
            for _ in range(3):
                await pilot.press("s")
            await pilot.pause()
            assert app.item.task_id == "T/2"
            prompt = app.query_one("#prompt").render()
            assert "[link=javascript:alert(1)]x[/link]" in str(prompt)

    asyncio.run(go())


@pytest.mark.parametrize("text, n, want", [("3", 5, [3, 3]), ("2-4", 5, [2, 4]), (" 1 - 5 ", 5, [1, 5])])
def test_parse_lines(text, n, want):
    assert parse_lines(text, n) == want


@pytest.mark.parametrize("text", ["0", "4-2", "6", "a-b", "1-2-3", ""])
def test_parse_lines_refuses(text):
    with pytest.raises(ValueError, match="lines:"):
        parse_lines(text, 5)


@pytest.mark.slow
def test_the_real_command_in_a_pseudo_terminal_writes_events_and_resumes(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in scored_rows()))
    db = tmp_path / "feedback.sqlite"
    rlcode = str(Path(sys.executable).with_name("rlcode"))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}

    def session(*keys: str) -> str:
        child = pexpect.spawn(rlcode, ["feedback", "review", str(scored), "--db", str(db), "--rater", "erin"],
                              env=env, dimensions=(40, 120), timeout=30, encoding="utf-8")
        child.expect("unjudged")  # the status line: the first item is on screen
        for key in keys:
            child.send(key)
            child.expect(r"\b(rated|judged|skipped) |Nothing left")  # the app acknowledged the key
        child.send("q")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        return child.before

    tail = session("3", "f")  # correctness 3, then fail on T/0/0
    assert "2 events written (1 judged, 0 skipped); 3 new items loaded" in tail
    session("p")  # a new session resumes at T/0/1
    store = open_store(str(db))
    try:
        got = [(e.kind, e.candidate_id, e.value, e.dimension) for e in sorted(store.events(), key=lambda e: e.id)]
        assert got == [("rating", "0", 3, "correctness"), ("judgement", "0", "fail", None),
                       ("judgement", "1", "pass", None)]
    finally:
        store.close()


def test_review_of_a_missing_file_is_one_line_and_exit_2(tmp_path):
    from typer.testing import CliRunner

    from rlcode.cli import app

    result = CliRunner().invoke(app, ["feedback", "review", str(tmp_path / "nope.jsonl"), "--rater", "x",
                                      "--db", str(tmp_path / "fb.sqlite")])
    assert result.exit_code == 2 and "nope.jsonl: no such file" in result.output
