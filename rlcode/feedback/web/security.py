"""Headers on every response and the CSRF check: candidate code is hostile content, so the pages
run no script but the static file, frame nowhere, and never let the browser guess a type."""

from __future__ import annotations

import hmac
import logging
import secrets

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("rlcode.feedback.web")

# No 'unsafe-inline' anywhere: an injected <script>, on*= attribute, style= attribute or
# javascript: URL is refused by the browser even if escaping ever failed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds :data:`HEADERS` to every response, error pages and static files included (plain ASGI:
    no per-request task as with ``BaseHTTPMiddleware``)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # Starlette's own 500 page would leave without the headers
            if started:
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope["path"])
            await PlainTextResponse("internal error: see the server's log", status_code=500)(
                scope, receive, send_with_headers)


def csrf_token(session: dict) -> str:
    """The session's CSRF token, made on first use; every form carries it back."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(expected, sent)
