"""Headers on every response and the CSRF check: candidate code is hostile content, so the pages
run no script but the static file, frame nowhere, and never let the browser guess a type."""

from __future__ import annotations

import hmac
import logging
import secrets

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse

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


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds :data:`HEADERS` to every response, error pages and static files included."""

    async def dispatch(self, request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception:  # Starlette's own 500 page would leave without the headers
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            response = PlainTextResponse("internal error: see the server's log", status_code=500)
        for name, value in HEADERS.items():
            response.headers[name] = value
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def csrf_token(session: dict) -> str:
    """The session's CSRF token, made on first use; every form carries it back."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(expected, sent)
