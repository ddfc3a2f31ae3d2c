"""Security headers (CSP and friends), the request id and the rate limiter."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from chatbot.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["OriginWarnings", "SecurityHeaders"]

log = logging.getLogger("chatbot.api")


#: Where :class:`SecurityHeaders` puts the request id in the WSGI environment.
REQUEST_ID_KEY = "chatbot.request_id"


def content_security_policy(settings: Settings) -> str:
    """A strict CSP: no inline scripts or styles, nothing from other origins."""
    ancestors = " ".join(dict.fromkeys([settings.frame_ancestors, *(o for o in settings.allowed_origins if o != "*")]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def security_headers(settings: Settings) -> dict[str, str]:
    """The headers every response carries (see :class:`SecurityHeaders`)."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.hsts_max_age:
        # Browsers ignore it over plain HTTP (RFC 6797), so it is safe behind a TLS front.
        headers["Strict-Transport-Security"] = f"max-age={settings.hsts_max_age}; includeSubDomains"
    return headers


#: Endpoints counted by the rate limit (health and the description are not).
LIMITED_ENDPOINTS = frozenset({"api.chat", "api.documents", "api.document"})


def _not_limited() -> bool:
    if request.method == "OPTIONS" or request.endpoint not in LIMITED_ENDPOINTS:
        return True
    # An urgent message is always answered, even over the limit (the reply is cheap).
    from chatbot.api.requests import is_urgent_chat  # requests imports this module

    return request.endpoint == "api.chat" and is_urgent_chat()


def make_limiter(settings: Settings) -> Limiter:
    """Per-client-address limits on the API from ``rate_limit`` ('off' disables them)."""
    enabled = settings.rate_limit != "off"
    return Limiter(
        get_remote_address,
        default_limits=[settings.rate_limit] if enabled else [],
        default_limits_exempt_when=_not_limited,
        storage_uri=settings.rate_limit_storage if enabled else "memory://",
        headers_enabled=True,
        # Fail open: if the shared store (Redis) is unreachable, requests are served
        # without counting rather than refused; flask-limiter logs the error.
        swallow_errors=True,
        enabled=enabled,
        key_prefix="chatbot",
    )


def request_id() -> str:
    """This request's id (in the X-Request-Id header and in every log line about it)."""
    found: str | None = request.environ.get(REQUEST_ID_KEY)
    if found is None:  # pragma: no cover - SecurityHeaders sets it before the app runs
        found = request.environ[REQUEST_ID_KEY] = os.urandom(8).hex()
    return found


class SecurityHeaders:
    """WSGI middleware: the security headers and an ``X-Request-Id`` on every response.

    The headers are the same on every response, so they are built once and added as
    they are sent (any the app set itself are replaced), which costs far less than
    setting each on every response object. flask-limiter adds ``Retry-After`` to every
    response it counts; it is kept only where it means something (429 and 503), so that
    no client waits a minute before retrying a request it can correct at once.
    """

    def __init__(self, app: WSGIApplication, headers: dict[str, str], *, vary_origin: bool = False) -> None:
        self.app = app
        self.vary_origin = vary_origin
        self.headers = list(headers.items())
        self._names = frozenset(name.lower() for name in [*headers, "X-Request-Id"])
        self._names_and_retry = self._names | {"retry-after"}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        rid = environ[REQUEST_ID_KEY] = os.urandom(8).hex()
        extra = self.headers

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = self._names if status.startswith(("429", "503")) else self._names_and_retry
            kept = [header for header in headers if header[0].lower() not in names]
            if self.vary_origin:
                kept = _vary_on_origin(kept)
            kept += extra
            kept.append(("X-Request-Id", rid))
            return start_response(status, kept, exc_info)

        return self.app(environ, start)


class OriginWarnings:
    """One log warning per browser origin that calls the API without being in ``allowed_origins``.

    Without it a wrong ``allowed_origins`` looks, from the server, like nothing at all: the
    browser refuses the replies, the log shows ``OPTIONS ... 200``. Each unknown origin is
    named once per ``interval`` seconds (at most ``limit`` origins remembered); the warning
    holds the origin only, never anything a visitor typed.
    """

    def __init__(self, settings: Settings, *, interval: float = 3600.0, limit: int = 1000) -> None:
        self.allowed = frozenset(settings.allowed_origins)
        self.interval = interval
        self.limit = limit
        self._last: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def check(self) -> None:
        """A ``before_request`` hook for the API's routes."""
        origin = request.headers.get("Origin")
        if not origin or "*" in self.allowed or origin in self.allowed or not request.path.startswith("/api/"):
            return
        if origin == f"{request.scheme}://{request.host}":  # the server's own pages
            return
        shown = origin[:200]
        now = time.monotonic()
        with self._lock:
            last = self._last.get(shown)
            if last is not None and now - last < self.interval:
                return
            self._last[shown] = now
            self._last.move_to_end(shown)
            while len(self._last) > self.limit:
                self._last.popitem(last=False)
        log.warning(
            "a page at %r called the API but that origin is not in allowed_origins, so browsers refuse the replies "
            "(the widget there says the site is not set up); add it to allowed_origins if it is the clinic's site",
            shown,
        )


def _vary_on_origin(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``Vary: Origin`` on a response whose CORS headers depend on the Origin (shared caches must not mix them)."""
    vary = [value for name, value in headers if name.lower() == "vary"]
    words = {word.strip().lower() for value in vary for word in value.split(",")}
    if "origin" in words or "*" in words:
        return headers
    rest = [header for header in headers if header[0].lower() != "vary"]
    return [*rest, ("Vary", ", ".join([*vary, "Origin"]))]
