"""``rlcode feedback serve``'s pages through Starlette's test client on a real SQLite store: the
security headers, log-in and CSRF, each form's event, validation, escaping of hostile candidates,
resuming, the pairwise view and the dashboard. (Browser: test_feedback_web_browser.py; 20 annotators
at once on a real uvicorn: test_feedback_web_concurrency.py.)"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from rlcode.feedback.store import open_store  # noqa: E402
from rlcode.feedback.web.app import create_app  # noqa: E402

SCRIPT = "</script><script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
LINK = '<a href="javascript:window.__pwned=1">click me</a>'
PAYLOADS = (SCRIPT, IMG, LINK)


def scored_rows() -> list[dict]:
    """Two candidates of one task whose code, prompt, output and findings all carry the payloads,
    and a clean task of its own."""
    hostile = {
        "task_id": "T/0", "candidate_id": "0", "language": "python",
        "prompt": f'def f(x):\n    """{IMG}"""\n',
        "code": f'def f(x):\n    # {LINK}\n    return "{SCRIPT}"\n',
        "verdict": "failed", "tests_passed": 1, "tests_total": 3, "reward": 0.25,
        "components": {"runtime": 0.33, "static": 0.5, "human": None},
        "details": {"failures": [{"line": 4, "kind": "assertion", "message": f"assert f(2) == 4 {SCRIPT}"}],
                    "stdout": f"printed {IMG}", "stderr": f"Traceback {LINK}",
                    "static": {"score": 0.5, "findings": [{"tool": "ruff", "code": "E501", "severity": "convention",
                                                           "line": 3, "message": f"line too long {LINK}"}]}},
    }
    other = {**hostile, "candidate_id": "1", "code": "def f(x):\n    return x * 2\n", "verdict": "passed",
             "tests_passed": 3, "reward": 1.0, "details": {}}
    clean = {"task_id": "T/1", "candidate_id": "0", "language": "python", "prompt": "def g():\n",
             "code": "def g():\n    return 1\n", "verdict": "passed", "tests_passed": 1, "tests_total": 1,
             "reward": 1.0, "details": {}}
    return [hostile, other, clean]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, token: str) -> str:
    """Logs ``client`` in with ``token``; returns the session's CSRF token for the forms."""
    page = client.get("/login")
    reply = client.post("/login", data={"token": token, "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert reply.status_code == 303, reply.text
    return csrf_of(client.get("/items").text)


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "feedback.sqlite"))
    s.add_items(scored_rows())
    yield s
    s.close()


@pytest.fixture
def alice(store):
    return store.add_rater("alice")


@pytest.fixture
def client(store):
    with TestClient(create_app(store), base_url="http://127.0.0.1") as c:
        yield c


def test_every_response_carries_a_strict_csp_and_no_sniffing(client, alice):
    csrf = login(client, alice.token)
    replies = [client.get("/login"), client.get("/items"), client.get("/review?task=T/0&candidate=0"),
               client.get("/static/app.js"), client.get("/code.css"), client.get("/no-such-page"),
               client.get("/review?task=T/9&candidate=0"),
               client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "pass", "csrf": "forged"})]
    assert [r.status_code for r in replies] == [200, 200, 200, 200, 200, 404, 404, 403]
    for r in replies:
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
    assert csrf


def test_an_unhandled_error_is_a_500_with_the_same_headers(store):
    app = create_app(store)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as c:
        reply = c.get("/boom")
    assert reply.status_code == 500 and "a bug" not in reply.text
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite_strict(client):
    cookie = client.get("/login").headers["set-cookie"].lower()
    assert "rlcode_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_pages_and_forms_need_a_login(client, store):
    assert client.get("/items", follow_redirects=False).headers["location"] == "/login"
    page = client.get("/login")
    reply = client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "pass", "csrf": csrf_of(page.text)},
                        follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/login"
    bad = client.post("/login", data={"token": "not-a-token", "csrf": csrf_of(page.text)})
    assert bad.status_code == 401 and "belongs to no annotator" in bad.text
    assert store.events() == []


def test_a_form_without_this_sessions_csrf_token_writes_nothing(client, store, alice):
    login(client, alice.token)
    for csrf in ("", "forged"):
        reply = client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "pass", "csrf": csrf})
        assert reply.status_code == 403
    # A token from another session (another browser) does not carry over either.
    with TestClient(client.app, base_url="http://127.0.0.1") as other:
        foreign = csrf_of(other.get("/login").text)
    assert client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "pass",
                                       "csrf": foreign}).status_code == 403
    assert store.events() == []


def test_each_form_writes_its_event(client, store, alice):
    csrf = login(client, alice.token)
    item = {"task": "T/0", "candidate": "0", "csrf": csrf}
    posts = [("/judge", {"value": "fail"}), ("/rate", {"correctness": "2", "readability": "4"}),
             ("/annotate", {"first": "2", "last": "3", "label": "bug", "comment": "returns a string"}),
             ("/comment", {"text": "looks hand-written"}),
             ("/correct", {"code": "def f(x):\n    return x * 2\n"})]
    for path, data in posts:
        reply = client.post(path, data={**item, **data}, follow_redirects=False)
        assert reply.status_code == 303 and "saved=" in reply.headers["location"], (path, reply.text)
    pref = client.post("/prefer", data={"task": "T/0", "a": "0", "b": "1", "value": "b", "csrf": csrf},
                       follow_redirects=False)
    assert pref.status_code == 303
    got = sorted(((e.kind, e.candidate_id, e.value, e.dimension, e.lines, e.label, e.comment, e.text, e.code,
                   e.candidate_a, e.candidate_b, e.rater) for e in store.events()), key=str)
    assert got == sorted([
        ("judgement", "0", "fail", None, None, None, None, None, None, None, None, "alice"),
        ("rating", "0", 2, "correctness", None, None, None, None, None, None, None, "alice"),
        ("rating", "0", 4, "readability", None, None, None, None, None, None, None, "alice"),
        ("annotation", "0", None, None, [2, 3], "bug", "returns a string", None, None, None, None, "alice"),
        ("comment", "0", None, None, None, None, None, "looks hand-written", None, None, None, "alice"),
        ("correction", "0", None, None, None, None, None, None, "def f(x):\n    return x * 2\n", None, None, "alice"),
        ("preference", None, "b", None, None, None, None, None, None, "0", "1", "alice"),
    ], key=str)
    assert all(e.time for e in store.events())
    page = client.get("/review?task=T/0&candidate=0&saved=comment")
    assert 'id="saved"' in page.text and "looks hand-written" in page.text  # the rater's own feedback is listed


@pytest.mark.parametrize("path, data, reason", [
    ("/judge", {"value": "maybe"}, "pass or fail"),
    ("/rate", {"correctness": "6"}, "1 to 5"),
    ("/rate", {}, "at least one dimension"),
    ("/annotate", {"first": "0", "label": "bug"}, "first"),
    ("/annotate", {"first": "2", "last": "99", "label": "bug"}, "first"),
    ("/annotate", {"first": "1", "label": "  "}, "label: empty"),
    ("/comment", {"text": ""}, "text: empty"),
    ("/correct", {"code": 'def f(x):\n    # ' + LINK + '\n    return "' + SCRIPT + '"\n'}, "identical"),
])
def test_bad_values_are_refused_and_write_nothing(client, store, alice, path, data, reason):
    csrf = login(client, alice.token)
    reply = client.post(path, data={"task": "T/0", "candidate": "0", "csrf": csrf, **data})
    assert reply.status_code == 400 and reason in reply.text
    assert store.events() == []


def test_an_unknown_item_is_a_404_not_an_event(client, store, alice):
    csrf = login(client, alice.token)
    reply = client.post("/judge", data={"task": "T/0", "candidate": "7", "value": "pass", "csrf": csrf})
    assert reply.status_code == 404
    assert store.events() == []


def test_hostile_candidates_are_escaped_on_every_page(client, alice, store):
    csrf = login(client, alice.token)
    client.post("/comment", data={"task": "T/0", "candidate": "0", "text": SCRIPT + IMG, "csrf": csrf})
    client.post("/annotate", data={"task": "T/0", "candidate": "0", "first": "1", "label": IMG, "csrf": csrf})
    pages = [client.get("/review?task=T/0&candidate=0"), client.get("/pair?task=T/0&a=0&b=1"),
             client.get("/items"), client.get("/dashboard")]
    for page in pages:
        assert page.status_code == 200
        for payload in PAYLOADS:
            assert payload not in page.text
        assert "<img" not in page.text and not re.search(r"<a[^>]+href=[\"']?javascript:", page.text)
        assert page.text.count("<script") == 1 and '<script src="/static/app.js" defer></script>' in page.text
        assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", page.text)  # no tag with an event-handler attribute
    review = pages[0].text
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" in review  # shown, as text
    assert "&lt;img src=x onerror=" in review and "&lt;a href=" in review
    # The code keeps its line numbers: three lines, anchors L1..L3.
    assert all(f'id="L{n}"' in review for n in (1, 2, 3)) and 'id="L4"' not in review


def test_next_resumes_at_the_first_item_not_judged(client, alice):
    csrf = login(client, alice.token)
    first = client.get("/next", follow_redirects=False).headers["location"]
    assert first == "/review?task=T%2F0&candidate=0"
    client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "fail", "csrf": csrf})
    assert client.get("/next", follow_redirects=False).headers["location"] == "/review?task=T%2F0&candidate=1"
    for cand, task in (("1", "T/0"), ("0", "T/1")):
        client.post("/judge", data={"task": task, "candidate": cand, "value": "pass", "csrf": csrf})
    assert client.get("/next", follow_redirects=False).headers["location"] == "/items?done=1"
    assert 'id="all-done"' in client.get("/items?done=1").text


def test_logging_out_ends_the_session(client, alice, store):
    csrf = login(client, alice.token)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).headers["location"] == "/login"
    assert client.get("/items", follow_redirects=False).status_code == 303
    client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "pass", "csrf": csrf})
    assert store.events() == []


def test_the_session_cookie_never_carries_the_token_and_a_new_token_ends_old_sessions(client, alice, store):
    """The cookie is signed, not encrypted: anyone who sees it can read it. It holds the token's
    digest; issuing the rater a new token logs every old session out."""
    import base64

    login(client, alice.token)
    cookie = client.cookies["rlcode_session"]
    payload = cookie.split(".")[0]
    decoded = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert alice.token not in decoded and '"rater"' in decoded
    assert client.get("/items", follow_redirects=False).status_code == 200
    store.new_token("alice")
    assert client.get("/items", follow_redirects=False).headers["location"] == "/login"


def test_pair_view_shows_two_candidates_side_by_side(client, alice):
    login(client, alice.token)
    page = client.get("/pair?task=T/0").text
    assert 'id="side-a"' in page and 'id="side-b"' in page
    assert 'id="a-L3"' in page and 'id="b-L2"' in page and "return x * 2" in re.sub(r"<[^>]+>", "", page)
    assert 'name="a" value="0"' in page and 'name="b" value="1"' in page
    assert client.get("/pair?task=T/1").status_code == 404  # one candidate: nothing to compare


def test_dashboard_counts_events_per_rater_and_raw_agreement(client, store, alice):
    bob = store.add_rater("bob", role="expert")
    for who, value in ((alice, "fail"), (bob, "fail")):
        with TestClient(client.app, base_url="http://127.0.0.1") as c:
            csrf = login(c, who.token)
            c.post("/judge", data={"task": "T/0", "candidate": "0", "value": value, "csrf": csrf})
            c.post("/judge", data={"task": "T/0", "candidate": "1", "value": "pass" if who is alice else "fail",
                                   "csrf": csrf})
    login(client, alice.token)
    page = client.get("/dashboard").text
    assert re.search(r"<td>alice</td><td>annotator</td><td class=\"num\">2</td><td class=\"num\">2</td>", page)
    assert re.search(r"<td>bob</td><td>expert</td><td class=\"num\">2</td>", page)
    assert "2 of 3 items reviewed (2 by two raters or more), 4 events" in page
    assert "1 of 2 rater pairs on the same item agree" in page
    assert "(prior)" not in page  # both raters share items: their reliabilities are estimates


def test_dashboard_marks_a_reliability_that_is_only_the_prior(client, alice):
    csrf = login(client, alice.token)
    client.post("/judge", data={"task": "T/0", "candidate": "0", "value": "fail", "csrf": csrf})
    page = client.get("/dashboard").text
    row = page[page.index("<td>alice</td>"):].split("</tr>")[0]
    assert re.search(r'<td class="num">0\.\d\d <span title="[^"]*">\(prior\)</span></td>', row)  # alone


@pytest.mark.slow
def test_the_serve_command_loads_items_and_answers(tmp_path):
    import json
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in scored_rows()))
    db = tmp_path / "fb.sqlite"
    with open_store(str(db)) as s:
        token = s.add_rater("alice").token
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("rlcode")), "feedback", "serve", str(scored),
                             "--db", str(db), "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/login")
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        with httpx.Client(base_url=url) as c:
            c.post("/login", data={"token": token, "csrf": csrf_of(c.get("/login").text)})
            page = c.get("/items")
            assert page.status_code == 200 and page.text.count("/review?task=") == 3
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert "3 new items from" in err and f"serving on http://127.0.0.1:{port}/" in err


def test_dashboard_shows_alpha_and_flags_an_unreliable_rater(client, store):
    votes = {"alice": ("fail", "pass", "pass"), "bob": ("fail", "pass", "pass"), "carol": ("pass", "fail", "fail")}
    raters = {name: store.add_rater(name) for name in votes}
    for name, values in votes.items():
        with TestClient(client.app, base_url="http://127.0.0.1") as c:
            csrf = login(c, raters[name].token)
            for (task, cand), value in zip((("T/0", "0"), ("T/0", "1"), ("T/1", "0")), values):
                c.post("/judge", data={"task": task, "candidate": cand, "value": value, "csrf": csrf})
    login(client, raters["alice"].token)
    page = client.get("/dashboard").text
    assert re.search(r'<td>judgement</td><td class="num">-?\d\.\d{3}</td>', page)  # Krippendorff's alpha
    carol = page[page.index("<td>carol</td>"):].split("</tr>")[0]
    alice = page[page.index("<td>alice</td>"):].split("</tr>")[0]
    assert "(low)" in carol and "(low)" not in alice
