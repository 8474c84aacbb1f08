"""The web review in real headless Chromium (Debian's, driven by Playwright; scripts/ensure-chromium.sh
installs it): an annotator logs in, judges, rates, annotates lines by clicking their numbers, and
states a preference; the events land in the store. The candidates carry a ``</script>`` breakout,
an ``onerror=`` image and a ``javascript:`` link: none of them runs, and the CSP reports nothing
(a report would mean markup from the candidate reached the page)."""

from __future__ import annotations

import os

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

from rlcode.feedback.store import open_store  # noqa: E402
from rlcode.feedback.web.app import BackgroundServer  # noqa: E402
from tests.test_feedback_web import scored_rows  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium: run scripts/ensure-chromium.sh")]


@pytest.fixture
def served(tmp_path):
    store = open_store(str(tmp_path / "feedback.sqlite"))
    store.add_items(scored_rows())
    alice = store.add_rater("alice")
    with BackgroundServer(store) as url:
        yield store, alice, url
    store.close()


@pytest.fixture
def page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.console_errors, pg.page_errors, pg.dialogs = [], [], []
        pg.on("console", lambda m: m.type in ("error", "warning") and pg.console_errors.append(m.text))
        pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        yield pg
        browser.close()


def _nothing_ran(pg) -> None:
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    assert pg.locator("img").count() == 0
    assert pg.locator('a[href^="javascript:"]').count() == 0
    assert pg.locator("script").count() == 1  # /static/app.js, nothing else
    assert pg.locator("[onerror], [onclick], [onload]").count() == 0


def test_annotator_reviews_in_chromium_and_hostile_code_runs_nothing(served, page, tmp_path):
    store, alice, url = served
    page.goto(url + "/login")
    page.fill("#token", alice.token)
    page.click("#login")
    page.wait_for_url("**/review?task=T%2F0&candidate=0")
    _nothing_ran(page)
    assert "</script><script>window.__pwned=1</script>" in page.inner_text("#code")  # shown as text
    page.get_by_text("click me").first.click()  # the would-be javascript: link is plain text
    page.get_by_text("onerror").first.click()
    _nothing_ran(page)
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    page.click("#judge-fail")
    page.wait_for_selector('#saved[data-kind="judgement"]')
    page.check("#rate-correctness-2")
    page.check("#rate-readability-4")
    page.click("#rate-submit")
    page.wait_for_selector('#saved[data-kind="rating"]')
    page.click("#L2 a")  # static/app.js fills the line range: the script the CSP allows does run
    page.click("#L3 a", modifiers=["Shift"])
    assert (page.input_value("#ann-first"), page.input_value("#ann-last")) == ("2", "3")
    page.fill("#ann-label", "bug")
    page.fill("#ann-comment", "returns the payload as a string")
    page.screenshot(path=str(tmp_path / "annotate.png"), full_page=True)
    page.click("#ann-submit")
    page.wait_for_selector('#saved[data-kind="annotation"]')
    _nothing_ran(page)

    page.click("a.compare")
    page.wait_for_url("**/pair?**")
    _nothing_ran(page)
    page.screenshot(path=str(tmp_path / "pair.png"), full_page=True)
    page.click("#prefer-b")
    page.wait_for_selector('#saved[data-kind="preference"]')
    page.goto(url + "/dashboard")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert "1 of 3 items reviewed" in page.inner_text("#totals")

    got = sorted((e.kind, e.rater, e.candidate_id, e.value, e.dimension, e.lines, e.label, e.candidate_a, e.candidate_b)
                 for e in store.events())
    assert got == sorted([
        ("annotation", "alice", "0", None, None, [2, 3], "bug", None, None),
        ("judgement", "alice", "0", "fail", None, None, None, None, None),
        ("preference", "alice", None, "b", None, None, None, "0", "1"),
        ("rating", "alice", "0", 2, "correctness", None, None, None, None),
        ("rating", "alice", "0", 4, "readability", None, None, None, None),
    ], key=str)
    assert page.console_errors == [] and page.page_errors == [] and page.dialogs == []
