"""The web review: log in with an annotator token, review items, judge, rate, annotate, correct,
compare two candidates side by side, and watch progress. Server-rendered (Jinja2, autoescape on);
the pages' only script is ``static/app.js``. Every write is one append-only event in the store."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from rlcode.feedback.events import RUBRIC, FeedbackEvent
from rlcode.feedback.itemview import evidence
from rlcode.feedback.store import FeedbackStore, Item, Rater, token_digest
from rlcode.feedback.web.dashboard import dashboard_data
from rlcode.feedback.web.render import code_css, highlight_lines
from rlcode.feedback.web.security import SecurityHeaders, csrf_ok, csrf_token

HERE = Path(__file__).parent
SESSION_COOKIE = "rlcode_session"
LABELS = ("bug", "edge case", "inefficient", "unclear", "style", "security", "good")
MAX_TEXT = 5000
MAX_CODE = 200_000


class _Refused(Exception):
    """A request the page cannot honour: shown as a page with ``status`` and ``message``."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


class _LoginNeeded(Exception):
    pass


def review_url(task_id: str, candidate_id: str, **extra: str) -> str:
    return "/review?" + urlencode({"task": task_id, "candidate": candidate_id, **extra})


def pair_url(task_id: str, a: str, b: str) -> str:
    return "/pair?" + urlencode({"task": task_id, "a": a, "b": b})


@dataclass
class _Context:
    store: FeedbackStore
    rubric: tuple[str, ...]
    templates: Jinja2Templates

    def page(self, request: Request, name: str, status: int = 200, **values) -> HTMLResponse:
        rater = values.pop("rater", None)
        values.update(request=request, rater=rater, csrf=csrf_token(request.session), rubric=self.rubric,
                      labels=LABELS, review_url=review_url, pair_url=pair_url)
        return self.templates.TemplateResponse(request, name, values, status_code=status)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def create_app(store: FeedbackStore, rubric: tuple[str, ...] = tuple(RUBRIC), secret: str | None = None) -> FastAPI:
    """The app over ``store``. ``secret`` signs the session cookie (default: random, so a restart
    logs everyone out, which is harmless: the token logs them in again)."""
    app = FastAPI(title="rlcode feedback", docs_url=None, redoc_url=None, openapi_url=None)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    ctx = _Context(store, tuple(rubric), Jinja2Templates(env=env))
    app.add_middleware(SessionMiddleware, secret_key=secret or secrets.token_urlsafe(32),
                       session_cookie=SESSION_COOKIE, max_age=12 * 3600, same_site="strict")
    app.add_middleware(SecurityHeaders)  # outermost: its headers land on every response

    @app.exception_handler(_Refused)
    def _refused(request: Request, exc: _Refused):
        return ctx.page(request, "message.html", status=exc.status, title="Refused", message=exc.message,
                        rater=_rater_or_none(request))

    @app.exception_handler(_LoginNeeded)
    def _login_needed(request: Request, exc: _LoginNeeded):
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException):
        return ctx.page(request, "message.html", status=exc.status_code, title=str(exc.status_code),
                        message=str(exc.detail), rater=None)

    def _rater_or_none(request: Request) -> Rater | None:
        # The session cookie is signed, not encrypted: it carries the token's digest, so a leaked
        # cookie never reveals the token, and a replaced token (raters token NAME) ends its sessions.
        digest = request.session.get("rater")
        return store.rater_by_digest(digest) if isinstance(digest, str) else None

    def _rater(request: Request) -> Rater:
        rater = _rater_or_none(request)
        if rater is None:
            raise _LoginNeeded()
        return rater

    def _writer(request: Request, csrf: str) -> Rater:
        """The logged-in rater of a form post whose CSRF token matches the session's."""
        rater = _rater(request)
        if not csrf_ok(request.session, csrf):
            raise _Refused(403, "the form's CSRF token does not match this session: reload the page and retry")
        return rater

    def _item(task: str, candidate: str) -> Item:
        item = store.item(task, candidate)
        if item is None:
            raise _Refused(404, f"no item {task} / {candidate} in this store")
        return item

    def _saved(item: Item, kind: str) -> RedirectResponse:
        return RedirectResponse(review_url(item.task_id, item.candidate_id, saved=kind), status_code=303)

    def _event(rater: Rater, item: Item, kind: str, **fields) -> None:
        store.add_event(FeedbackEvent(task_id=item.task_id, candidate_id=item.candidate_id, rater=rater.name,
                                      kind=kind, time=_now(), **fields))

    def _text(value: str, name: str, limit: int = MAX_TEXT, required: bool = True) -> str | None:
        value = (value or "").strip()
        if not value:
            if required:
                raise _Refused(400, f"{name}: empty")
            return None
        if len(value) > limit:
            raise _Refused(400, f"{name}: longer than {limit} characters")
        return value

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/code.css")
    def _code_css() -> Response:
        return Response(code_css(), media_type="text/css")

    @app.get("/favicon.ico")
    def _favicon() -> Response:
        return Response(status_code=204)

    @app.get("/")
    def home(request: Request):
        return RedirectResponse("/items" if _rater_or_none(request) else "/login", status_code=303)

    @app.get("/login")
    def login_page(request: Request):
        return ctx.page(request, "login.html", rater=_rater_or_none(request), failed=False)

    @app.post("/login")
    def login(request: Request, token: str = Form(""), csrf: str = Form("")):
        if not csrf_ok(request.session, csrf):
            raise _Refused(403, "the form's CSRF token does not match this session: reload the page and retry")
        rater = store.rater_by_token(token.strip()) if token.strip() else None
        if rater is None:
            return ctx.page(request, "login.html", status=401, rater=None, failed=True)
        request.session.clear()  # a fresh session (and CSRF token) at log-in: no fixation
        request.session["rater"] = token_digest(rater.token)
        csrf_token(request.session)
        return RedirectResponse("/next", status_code=303)

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        _writer(request, csrf)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/items")
    def items_page(request: Request):
        rater = _rater(request)
        items = store.items()
        mine = {(e.task_id, e.candidate_id): e.value for e in store.events(kind="judgement", rater=rater.name)}
        tasks: dict[str, int] = {}
        for it in items:
            tasks[it.task_id] = tasks.get(it.task_id, 0) + 1
        return ctx.page(request, "items.html", rater=rater, items=items, mine=mine, tasks=tasks,
                        done=request.query_params.get("done") == "1")

    @app.get("/next")
    def next_page(request: Request):
        rater = _rater(request)
        item = store.next_item(rater.name)
        if item is None:
            return RedirectResponse("/items?done=1", status_code=303)
        return RedirectResponse(review_url(item.task_id, item.candidate_id), status_code=303)

    @app.get("/review")
    def review_page(request: Request, task: str, candidate: str):
        rater = _rater(request)
        item = _item(task, candidate)
        mine = store.events(task_id=task, rater=rater.name)
        mine = [e for e in mine if e.candidate_id == candidate]
        others = [c.candidate_id for c in store.items(task_id=task) if c.candidate_id != candidate]
        saved = request.query_params.get("saved")
        return ctx.page(request, "review.html", rater=rater, item=item, lines=highlight_lines(item.code, item.language),
                        ev=evidence(item.details), mine=mine, others=others,
                        saved=saved if saved in ("judgement", "rating", "annotation", "comment", "correction",
                                                 "preference") else None)

    @app.post("/judge")
    def judge(request: Request, task: str = Form(...), candidate: str = Form(...), value: str = Form(""),
              csrf: str = Form("")):
        rater = _writer(request, csrf)
        item = _item(task, candidate)
        if value not in ("pass", "fail"):
            raise _Refused(400, "value: must be pass or fail")
        _event(rater, item, "judgement", value=value)
        return _saved(item, "judgement")

    @app.post("/rate")
    async def rate(request: Request):
        form = await request.form()
        return await run_in_threadpool(_rate, request, dict(form))  # the store is synchronous

    def _rate(request: Request, form: dict):
        rater = _writer(request, str(form.get("csrf", "")))
        item = _item(str(form.get("task", "")), str(form.get("candidate", "")))
        given = {}
        for dim in ctx.rubric:
            raw = str(form.get(dim, "")).strip()
            if not raw:
                continue
            if raw not in ("1", "2", "3", "4", "5"):
                raise _Refused(400, f"{dim}: a rating is 1 to 5")
            given[dim] = int(raw)
        if not given:
            raise _Refused(400, "rating: choose a value on at least one dimension")
        for dim, value in given.items():
            _event(rater, item, "rating", dimension=dim, value=value)
        return _saved(item, "rating")

    @app.post("/annotate")
    def annotate(request: Request, task: str = Form(...), candidate: str = Form(...), first: int = Form(...),
                 last: int | None = Form(None), label: str = Form(""), comment: str = Form(""), csrf: str = Form("")):
        rater = _writer(request, csrf)
        item = _item(task, candidate)
        last = first if last is None else last
        n = max(1, len(item.code.splitlines()))
        if not (1 <= first <= last <= n):
            raise _Refused(400, f"lines: need 1 <= first <= last <= {n}, got {first}-{last}")
        _event(rater, item, "annotation", lines=[first, last], label=_text(label, "label", 100),
               comment=_text(comment, "comment", required=False))
        return _saved(item, "annotation")

    @app.post("/comment")
    def comment(request: Request, task: str = Form(...), candidate: str = Form(...), text: str = Form(""),
                csrf: str = Form("")):
        rater = _writer(request, csrf)
        item = _item(task, candidate)
        _event(rater, item, "comment", text=_text(text, "text"))
        return _saved(item, "comment")

    @app.post("/correct")
    def correct(request: Request, task: str = Form(...), candidate: str = Form(...), code: str = Form(""),
                csrf: str = Form("")):
        rater = _writer(request, csrf)
        item = _item(task, candidate)
        if not code.strip():
            raise _Refused(400, "code: empty")
        if len(code) > MAX_CODE:
            raise _Refused(400, f"code: longer than {MAX_CODE} characters")
        if code.replace("\r\n", "\n") == item.code:
            raise _Refused(400, "code: identical to the candidate; edit it before submitting a correction")
        _event(rater, item, "correction", code=code.replace("\r\n", "\n"))
        return _saved(item, "correction")

    @app.get("/pair")
    def pair_page(request: Request, task: str, a: str | None = None, b: str | None = None):
        rater = _rater(request)
        candidates = store.items(task_id=task)
        if len(candidates) < 2:
            raise _Refused(404, f"task {task} has fewer than two candidates in this store")
        ids = [c.candidate_id for c in candidates]
        a = a if a in ids else ids[0]
        b = b if b in ids and b != a else next(i for i in ids if i != a)
        left, right = _item(task, a), _item(task, b)
        saved = request.query_params.get("saved") == "preference"
        return ctx.page(request, "pair.html", rater=rater, task=task, ids=ids, left=left, right=right,
                        left_lines=highlight_lines(left.code, left.language),
                        right_lines=highlight_lines(right.code, right.language),
                        left_ev=evidence(left.details), right_ev=evidence(right.details), saved=saved)

    @app.post("/prefer")
    def prefer(request: Request, task: str = Form(...), a: str = Form(...), b: str = Form(...), value: str = Form(""),
               csrf: str = Form("")):
        rater = _writer(request, csrf)
        _item(task, a), _item(task, b)
        if a == b:
            raise _Refused(400, "a preference compares two different candidates")
        if value not in ("a", "b", "tie"):
            raise _Refused(400, "value: must be a, b or tie")
        store.add_event(FeedbackEvent(task_id=task, rater=rater.name, kind="preference", candidate_a=a,
                                      candidate_b=b, value=value, time=_now()))
        return RedirectResponse(pair_url(task, a, b) + "&saved=preference", status_code=303)

    @app.get("/dashboard")
    def dashboard(request: Request):
        rater = _rater(request)
        return ctx.page(request, "dashboard.html", rater=rater, **dashboard_data(store, ctx.rubric))

    return app


def serve(store: FeedbackStore, host: str = "127.0.0.1", port: int = 8765, rubric: tuple[str, ...] = tuple(RUBRIC),
          log_level: str = "info") -> None:
    """Runs the app under uvicorn until interrupted (one process: the session secret is per process)."""
    import uvicorn

    uvicorn.run(create_app(store, rubric), host=host, port=port, log_level=log_level, access_log=False)


class BackgroundServer:
    """The app under a real uvicorn on 127.0.0.1 and a free port, in a thread (tests, benchmarks):
    ``with BackgroundServer(store) as url: ...``; stopped and joined on exit."""

    def __init__(self, store: FeedbackStore, rubric: tuple[str, ...] = tuple(RUBRIC)):
        self.store, self.rubric = store, rubric

    def __enter__(self) -> str:
        import socket
        import threading
        import time

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            port = sock.getsockname()[1]
            self._sock = sock.dup()  # kept bound and listening: no other process can take the port meanwhile
        config = uvicorn.Config(create_app(self.store, self.rubric), log_level="warning", access_log=False,
                                backlog=256)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the feedback server did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)
        self._sock.close()
