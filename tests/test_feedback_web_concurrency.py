"""Twenty annotators submitting at once through a real uvicorn on 127.0.0.1, on SQLite and on
PostgreSQL: every event a form accepted is in the store exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

httpx = pytest.importorskip("httpx")

from rlcode.feedback.store import open_store  # noqa: E402
from rlcode.feedback.web.app import BackgroundServer  # noqa: E402
from tests import feedback_db  # noqa: E402
from tests.test_feedback_web import csrf_of, scored_rows  # noqa: E402

db_url = feedback_db.db_url  # the fixture: a fresh SQLite file and a fresh PostgreSQL database

ANNOTATORS = 20
ROUNDS = 4  # each round: a comment, a judgement and a rating on two dimensions = 4 events


def _annotator(url: str, token: str, name: str, start: threading.Barrier, statuses: list) -> None:
    with httpx.Client(base_url=url, timeout=60) as c:
        c.post("/login", data={"token": token, "csrf": csrf_of(c.get("/login").text)})
        csrf = csrf_of(c.get("/items").text)
        start.wait()
        for i in range(ROUNDS):
            item = {"task": "T/0", "candidate": str(i % 2), "csrf": csrf}
            for path, data in (("/comment", {"text": f"{name} round {i}"}),
                               ("/judge", {"value": "pass" if i % 2 else "fail"}),
                               ("/rate", {"correctness": str(1 + i), "efficiency": str(5 - i)})):
                statuses.append(c.post(path, data={**item, **data}, follow_redirects=False).status_code)


def run_annotators(store) -> list[int]:
    raters = [store.add_rater(f"rater{n:02d}") for n in range(ANNOTATORS)]
    statuses: list[int] = []
    start = threading.Barrier(ANNOTATORS)
    with BackgroundServer(store) as url:
        threads = [threading.Thread(target=_annotator, args=(url, r.token, r.name, start, statuses)) for r in raters]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    return statuses


def _check_nothing_lost_or_doubled(store) -> None:
    events = store.events()
    assert len(events) == ANNOTATORS * ROUNDS * 4
    assert len({e.id for e in events}) == len(events)
    comments = Counter(e.text for e in events if e.kind == "comment")
    assert comments == Counter(f"rater{n:02d} round {i}" for n in range(ANNOTATORS) for i in range(ROUNDS))
    per_rater = Counter((e.rater, e.kind) for e in events)
    for n in range(ANNOTATORS):
        assert per_rater[(f"rater{n:02d}", "judgement")] == ROUNDS
        assert per_rater[(f"rater{n:02d}", "rating")] == 2 * ROUNDS
    ratings = Counter((e.rater, e.candidate_id, e.dimension, e.value) for e in events if e.kind == "rating")
    assert all(count == 1 for count in ratings.values())


@pytest.mark.slow
def test_twenty_annotators_at_once_lose_and_double_nothing(db_url):
    store = open_store(db_url)
    try:
        store.add_items(scored_rows())
        statuses = run_annotators(store)
        assert statuses == [303] * (ANNOTATORS * ROUNDS * 3)
        _check_nothing_lost_or_doubled(store)
    finally:
        store.close()
