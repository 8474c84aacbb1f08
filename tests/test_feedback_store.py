"""The feedback store on SQLite and on PostgreSQL: migrations, raters, append-only events with
versions, idempotent items, resume, concurrent writers losing nothing."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from rlcode.errors import InputError, UsageError
from rlcode.feedback.events import FeedbackEvent, latest
from rlcode.feedback.store import FeedbackStore, database_url, open_store
from tests import feedback_db

db_url = feedback_db.db_url  # the fixture: a fresh SQLite file and a fresh PostgreSQL database

ROWS = [
    {"task_id": "t/0", "candidate_id": "0", "code": "def f():\n    return 1\n", "verdict": "passed",
     "tests_passed": 3, "tests_total": 3, "reward": 1.0, "components": {"runtime": 1.0, "static": 0.9},
     "details": {"language": "python"}},
    {"task_id": "t/0", "candidate_id": "1", "completion": "    return 2\n", "verdict": "failed",
     "tests_passed": 1, "tests_total": 3, "reward": 0.0},
    {"task_id": "t/1", "code": "int main(){}", "language": "c", "verdict": "compile_error"},
]


def test_migrations_run_on_open_and_reopen_keeps_data(db_url):
    store = FeedbackStore(db_url)
    assert store.revision() == "0003"
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2" and store.get_meta("nope") is None
    store.add_rater("ann")
    store.add_event(FeedbackEvent("t/0", "ann", "judgement", candidate_id="0", value="pass"))
    store.close()
    again = FeedbackStore(db_url)  # upgrading an up-to-date database is a no-op
    assert [e.value for e in again.events()] == ["pass"]
    assert [r.name for r in again.raters()] == ["ann"]
    again.close()


def test_upgrade_from_an_older_revision(db_url):
    """A database made by the first migration is upgraded in place, its rows kept."""
    from alembic import command
    from alembic.config import Config

    from rlcode.feedback.store import _MIGRATIONS

    store = FeedbackStore(db_url)
    store.add_rater("ann")
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert store.revision() == "0001"
    store.close()
    again = FeedbackStore(db_url)
    assert again.revision() == "0003" and [r.name for r in again.raters()] == ["ann"]
    again.close()


def test_raters_roles_tokens(db_url):
    with FeedbackStore(db_url) as store:
        ann = store.add_rater("ann")
        exp = store.add_rater("eve", role="expert")
        assert ann.token != exp.token and len(ann.token) >= 20
        assert store.rater_by_token(exp.token).name == "eve"
        assert store.rater_by_token(exp.token).role == "expert"
        assert store.rater_by_token("nope") is None and store.rater_by_token("") is None
        with pytest.raises(UsageError, match="exists"):
            store.add_rater("ann")
        with pytest.raises(UsageError, match="role"):
            store.add_rater("bob", role="boss")
        assert [(r.name, r.role) for r in store.raters()] == [("ann", "annotator"), ("eve", "expert")]


def test_tokens_are_kept_as_digests_and_can_be_replaced(db_url):
    """The database holds no usable token: a dump of it logs no one in; a new token replaces the old."""
    from sqlalchemy import text

    with FeedbackStore(db_url) as store:
        ann = store.add_rater("ann")
        with store.engine.connect() as conn:
            kept = conn.execute(text("SELECT token FROM raters")).scalar_one()
        assert ann.token not in kept and len(kept) == 64
        assert store.rater_by_token(kept) is None  # the digest itself is no log-in
        assert store.rater_by_token(ann.token).name == "ann"
        assert [r.token for r in store.raters()] == [""]
        fresh = store.new_token("ann")
        assert fresh.token != ann.token and fresh.role == "annotator"
        assert store.rater_by_token(ann.token) is None and store.rater_by_token(fresh.token).name == "ann"
        with pytest.raises(UsageError, match="no rater named"):
            store.new_token("nobody")


def test_upgrade_hashes_plain_tokens_in_place(db_url):
    """A database from before migration 0003 held plain tokens: they are hashed, and still log in."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from rlcode.feedback.store import _MIGRATIONS

    store = FeedbackStore(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
        conn.execute(text("INSERT INTO raters (name, role, token) VALUES ('old', 'expert', 'plain-token-of-old-0123456789')"))
    store.close()
    again = FeedbackStore(db_url)
    assert again.revision() == "0003"
    with again.engine.connect() as conn:
        assert conn.execute(text("SELECT token FROM raters WHERE name = 'old'")).scalar_one() != "plain-token-of-old-0123456789"
    assert again.rater_by_token("plain-token-of-old-0123456789").role == "expert"
    again.close()


def test_events_are_append_only_versions(db_url):
    with FeedbackStore(db_url) as store:
        first = store.add_event(FeedbackEvent("t/0", "ann", "judgement", candidate_id="0", value="pass"))
        second = store.add_event(FeedbackEvent("t/0", "ann", "judgement", candidate_id="0", value="fail"))
        store.add_event(FeedbackEvent("t/0", "ann", "rating", candidate_id="0", dimension="readability", value=4))
        store.add_event(FeedbackEvent("t/0", "bob", "preference", candidate_a="0", candidate_b="1", value="a",
                                      time="2026-01-02T03:04:05Z", gold=True))
        store.add_event(FeedbackEvent("t/0", "ann", "annotation", candidate_id="1", lines=[2, 3], label="bug",
                                      comment="off by one"))
        assert second > first
        events = store.events()
        assert [(e.kind, e.version) for e in events] == [("judgement", 1), ("judgement", 2), ("rating", 1),
                                                        ("preference", 1), ("annotation", 1)]
        assert events[2].value == 4 and isinstance(events[2].value, int)
        assert events[3].gold and events[3].time == "2026-01-02T03:04:05Z"
        assert events[4].lines == [2, 3] and events[4].comment == "off by one"
        assert all(e.time for e in events)  # the store stamps the time
        assert [e.value for e in latest(store.events(kind="judgement"))] == ["fail"]
        assert len(store.events(rater="bob")) == 1 and len(store.events(task_id="t/9")) == 0
        with pytest.raises(InputError, match="value"):
            store.add_event(FeedbackEvent("t/0", "ann", "rating", candidate_id="0", dimension="x", value=9))
        assert store.count_events() == 5  # the bad one wrote nothing


def test_items_idempotent_and_next_item_resumes(db_url):
    with FeedbackStore(db_url) as store:
        assert store.add_items(ROWS, tasks={"t/1": "Write main."}) == 3
        assert store.add_items(ROWS) == 0
        items = store.items()
        assert [(i.task_id, i.candidate_id) for i in items] == [("t/0", "0"), ("t/0", "1"), ("t/1", "0")]
        assert items[1].code == "    return 2\n" and items[2].language == "c" and items[2].prompt == "Write main."
        assert items[0].components["static"] == 0.9 and items[0].tests_total == 3
        assert store.item("t/0", "1").verdict == "failed" and store.item("t/0", "7") is None
        assert [i.candidate_id for i in store.items(task_id="t/0")] == ["0", "1"]
        assert store.next_item("ann").candidate_id == "0"
        store.add_event(FeedbackEvent("t/0", "ann", "judgement", candidate_id="0", value="pass"))
        store.add_event(FeedbackEvent("t/0", "bob", "judgement", candidate_id="1", value="pass"))
        assert (store.next_item("ann").task_id, store.next_item("ann").candidate_id) == ("t/0", "1")
        with pytest.raises(InputError, match="items:2: task_id"):
            store.add_items([{"task_id": "x", "code": ""}, {"code": "y"}])


def test_concurrent_writers_lose_nothing(db_url):
    """Threads and a second process append at once: every event lands once, ids unique."""
    with FeedbackStore(db_url) as store:
        n_threads, per = 8, 25

        def write(k: int) -> None:
            for j in range(per):
                store.add_event(FeedbackEvent(f"t/{j}", f"r{k}", "judgement", candidate_id="0",
                                              value="pass" if j % 2 else "fail"))

        code = ("import sys; from rlcode.feedback.store import FeedbackStore; "
                "from rlcode.feedback.events import FeedbackEvent; s = FeedbackStore(sys.argv[1]); "
                "[s.add_event(FeedbackEvent(f't/{j}', 'proc', 'comment', candidate_id='0', text='x')) "
                "for j in range(40)]")
        proc = subprocess.Popen([sys.executable, "-c", code, db_url])
        threads = [threading.Thread(target=write, args=(k,)) for k in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert proc.wait(timeout=60) == 0
        events = store.events()
        assert len(events) == n_threads * per + 40
        assert len({e.id for e in events}) == len(events)
        for k in range(n_threads):
            assert sorted(e.task_id for e in events if e.rater == f"r{k}") == sorted(f"t/{j}" for j in range(per))


def test_urls_and_open_store_default(tmp_path, monkeypatch):
    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("sqlite:////x/y.db") == "sqlite:////x/y.db"
    assert database_url("a.db").startswith("sqlite:////")
    monkeypatch.chdir(tmp_path)
    open_store(None).close()
    assert (tmp_path / "feedback.sqlite").exists()
    with pytest.raises(UsageError, match="unsupported"):
        FeedbackStore("mysql://x/y")
