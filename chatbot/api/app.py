"""The HTTP API: ``create_app``, the ``api`` blueprint, error handlers and security headers.

Routes (all JSON, described by :mod:`chatbot.api.openapi` at ``/api/openapi.json``)::

    POST /api/chat                 {"message", "context"?, "top_k"?} -> the reply (chatbot.dialogue.reply.Reply)
    GET  /api/health               liveness and readiness: corpus loaded, counts, version
    GET  /api/documents            documents with their sections
    GET  /api/documents/<id>       one document's text with passage ids and offsets
    GET  /api/openapi.json         the OpenAPI 3 description

Every error is ``{"error": {"code", "message"}}`` with its status (400, 404, 405, 413,
415, 429, 500); a 500 never carries exception text, only a request id that is also in
the log. Request bodies are parsed here, not by ``request.get_json``: the body size is
checked first, then the nesting depth, so a deeply nested document is a 400 and never a
``RecursionError``.

The server keeps no per-visitor state (the conversation travels in ``context``); the
bot lives in ``app.extensions["chatbot"]`` (:class:`ApiState`) so a reloader can swap
it atomically. Nothing a visitor types is logged unless ``log_messages`` is on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from chatbot import __version__
from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.errors import RequestError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["MAX_JSON_DEPTH", "ApiState", "SecurityHeaders", "create_app", "parse_json"]

log = logging.getLogger("chatbot.api")

#: Deepest JSON nesting accepted in a request body; a chat request needs 1.
MAX_JSON_DEPTH = 8
CHAT_FIELDS = frozenset({"message", "context", "top_k"})
MAX_TOP_K = 20
#: Where :class:`SecurityHeaders` puts the request id in the WSGI environment.
REQUEST_ID_KEY = "chatbot.request_id"

_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
_STATUS_MESSAGES = {
    404: "There is nothing at this address. The API is described at /api/openapi.json.",
    405: "This address does not accept that method. The API is described at /api/openapi.json.",
    429: "Too many requests from your address. Please wait a little and try again.",
}
_JSON_TOKENS = re.compile(r'[\[\]{}"\\]')


@dataclass(slots=True)
class ApiState:
    """What the API serves from; ``bot`` may be replaced while serving (one assignment)."""

    bot: Bot
    settings: Settings
    limiter: Limiter
    cache: ReplyCache


class ReplyCache:
    """Serialised replies to repeated identical requests, least recently used first out.

    Replies are deterministic (same message, context, top_k and bot: the same bytes), so
    a hit is exact. Keys are SHA-256 digests, so the cache holds no message text; it
    belongs to one bot and empties itself when a reload swaps the bot.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[bytes, tuple[bytes, str, int]] = OrderedDict()
        self._owner: Bot | None = None
        self._lock = threading.Lock()

    @staticmethod
    def key(message: str, context: str | None, top_k: int | None) -> bytes:
        # Lengths first, so no two different requests join into the same text.
        context_part = "-" if context is None else f"{len(context)}:{context}"
        raw = f"{top_k}|{len(message)}:{message}|{context_part}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(raw).digest()

    def get(self, bot: Bot, key: bytes) -> tuple[bytes, str, int] | None:
        if not self.size:
            return None
        with self._lock:
            if self._owner is not bot:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, bot: Bot, key: bytes, body: bytes, kind: str, passages: int) -> None:
        if not self.size:
            return
        with self._lock:
            if self._owner is not bot:
                self._entries.clear()
                self._owner = bot
            self._entries[key] = (body, kind, passages)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def state() -> ApiState:
    found: ApiState = current_app.extensions["chatbot"]
    return found


def json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in ``text`` (strings skipped); linear time."""
    if text.count("[") + text.count("{") <= 1:
        return 1 if ("[" in text or "{" in text) else 0
    depth = deepest = 0
    in_string = escaped = False
    for match in _JSON_TOKENS.finditer(text):
        char = match.group(0)
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                # An escape swallows the next character, which may be a quote.
                escaped = match.end() < len(text) and text[match.end()] in '"\\'
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _reject_constant(name: str) -> Any:
    raise RequestError("invalid_json", f"the body is not valid JSON ({name} is not allowed)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RequestError("duplicate_field", f"the field {key!r} appears more than once")
        result[key] = value
    return result


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A request body as JSON: UTF-8, at most ``max_depth`` deep, no NaN, no duplicate keys."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("invalid_json", "the body is not UTF-8 text") from None
    if not text.strip():
        raise RequestError("invalid_json", 'the body is empty; send a JSON object such as {"message": "..."}')
    if json_depth(text) > max_depth:
        raise RequestError("too_deep", f"the JSON is nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise RequestError("too_deep", f"the JSON is nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise RequestError("invalid_json", f"the body is not valid JSON ({exc.args[0].split(':')[0]})") from None


def read_json_body() -> Any:
    """The request's JSON body, after the media type and size checks."""
    mimetype = request.environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype != "application/json" and not (mimetype.startswith("application/") and mimetype.endswith("+json")):
        raise RequestError(
            "unsupported_media_type",
            "send the request as JSON with the header Content-Type: application/json",
            status=415,
        )
    limit = state().settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestError("body_too_large", f"the body is larger than {limit} bytes", status=413)
    # Without a Content-Length (chunked), read up to the limit and one byte more: the
    # stream stops at the limit, or raises werkzeug's 413 when the body goes beyond it.
    raw = request.stream.read(limit)
    if len(raw) >= limit and request.stream.read(1):
        raise RequestError("body_too_large", f"the body is larger than {limit} bytes", status=413)
    return parse_json(raw)


def chat_request(body: Any, settings: Settings) -> tuple[str, str | None, int | None]:
    """Validate a chat request body -> (message, context, top_k)."""
    if not isinstance(body, dict):
        raise RequestError("not_an_object", 'the body must be a JSON object such as {"message": "..."}')
    unknown = sorted(set(body) - CHAT_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(CHAT_FIELDS))
        raise RequestError("unknown_field", f"unknown field {unknown[0]!r}; the allowed fields are {allowed}")
    if "message" not in body:
        raise RequestError("missing_field", "the field 'message' is required")
    message = body["message"]
    if not isinstance(message, str):
        raise RequestError("wrong_type", "the field 'message' must be a string")
    if not message.strip():
        raise RequestError("empty_message", "the message is empty; type a question")
    if len(message) > settings.max_message_chars:
        raise RequestError(
            "message_too_long",
            f"the message is {len(message)} characters long; the limit is {settings.max_message_chars} characters",
        )
    context = body.get("context")
    if context is not None and not isinstance(context, str):
        raise RequestError(
            "bad_context", "the field 'context' must be the string returned by the previous reply, or null"
        )
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K):
        raise RequestError("wrong_type", f"the field 'top_k' must be a whole number from 1 to {MAX_TOP_K}")
    return message, context, top_k


api = Blueprint("api", __name__, url_prefix="/api")


@api.post("/chat")
def chat() -> Response:
    current = state()
    bot = current.bot  # one read: a reload swapping the bot does not affect this request
    message, context, top_k = chat_request(read_json_body(), current.settings)
    started = time.perf_counter()
    key = current.cache.key(message, context, top_k)
    cached = current.cache.get(bot, key)
    if cached is None:
        reply = bot.ask(message, context=context, top_k=top_k)
        body = reply.to_json_bytes()
        kind, passages = reply.type.value, len(reply.passages)
        current.cache.put(bot, key, body, kind, passages)
    else:
        body, kind, passages = cached
    # One line per reply at DEBUG (gunicorn's access log already has one per request);
    # at INFO when the clinic has turned on log_messages, since then the text is wanted.
    level = logging.INFO if current.settings.log_messages else logging.DEBUG
    if log.isEnabledFor(level):
        elapsed = (time.perf_counter() - started) * 1000
        shown = f" message={message!r}" if current.settings.log_messages else f" chars={len(message)}"
        log.log(
            level,
            "chat %s type=%s passages=%d cached=%s ms=%.2f%s",
            request_id(),
            kind,
            passages,
            cached is not None,
            elapsed,
            shown,
        )
    return Response(body, status=200, mimetype="application/json", headers={"Cache-Control": "no-store"})


@api.get("/health")
def health() -> Response:
    bot = state().bot
    body: dict[str, Any] = {
        "status": "ok",
        "ready": True,
        "version": __version__,
        "documents": len(bot.corpus.documents),
        "passages": len(bot.passages),
        "corpus_errors": len(bot.corpus.errors),
    }
    reloader = current_app.extensions.get("chatbot.reloader")  # set by chatbot.reloader.BotHolder.attach
    if reloader is not None:
        body["reload"] = reloader.status().to_dict()
    return jsonify(body)


def _sections(document: Any) -> list[dict[str, Any]]:
    return [
        {"path": list(heading.path[1:]), "level": heading.level, "start": heading.start, "end": heading.end}
        for heading in document.headings
        if len(heading.path) > 1
    ]


@api.get("/documents")
def documents() -> Response:
    bot = state().bot
    counts: dict[str, int] = {}
    for passage in bot.passages:
        counts[passage.document_id] = counts.get(passage.document_id, 0) + 1
    return jsonify(
        {
            "documents": [
                {
                    "id": document.id,
                    "title": document.title,
                    "source": document.source,
                    "format": document.format,
                    "passages": counts.get(document.id, 0),
                    "sections": _sections(document),
                }
                for document in bot.corpus.documents
            ]
        }
    )


@api.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    bot = state().bot
    found = bot.corpus.document(document_id)
    if found is None:
        raise RequestError("not_found", f"there is no document with the id {document_id[:80]!r}", status=404)
    return jsonify(
        {
            "id": found.id,
            "title": found.title,
            "source": found.source,
            "format": found.format,
            "text": found.text,
            "sections": _sections(found),
            "passages": [
                {
                    "id": passage.id,
                    "section": passage.section,
                    "section_path": list(passage.section_path[1:]),
                    "start": passage.start,
                    "end": passage.end,
                    "page": passage.page,
                }
                for passage in bot.passages
                if passage.document_id == found.id
            ],
        }
    )


@api.get("/openapi.json")
def openapi() -> Response:
    from chatbot.api.openapi import openapi_document

    return jsonify(openapi_document(state().settings))


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def handle_request_error(exc: RequestError) -> Response:
    return error_response(exc.status, exc.code, exc.message)


def handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = _STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    if status == 413:
        message = f"the body is larger than {state().settings.max_body_bytes} bytes"
    elif status in _STATUS_MESSAGES:
        message = _STATUS_MESSAGES[status]
    elif status < 500:
        message = exc.description or "the request could not be understood"
    else:
        message = f"Something went wrong on our side. Please try again later (request {request_id()})."
    response = error_response(status, code, message)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def handle_unexpected(exc: Exception) -> Response:
    """The last resort: log with the request id, answer a fixed message."""
    rid = request_id()
    log.exception("unhandled error in request %s", rid)
    return error_response(
        500, "internal_error", f"Something went wrong on our side. Please try again later (request {rid})."
    )


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
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


#: Endpoints counted by the rate limit (health and the description are not).
LIMITED_ENDPOINTS = frozenset({"api.chat", "api.documents", "api.document"})


def _not_limited() -> bool:
    return request.method == "OPTIONS" or request.endpoint not in LIMITED_ENDPOINTS


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

    def __init__(self, app: WSGIApplication, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = list(headers.items())
        self._names = frozenset(name.lower() for name in [*headers, "X-Request-Id"])
        self._names_and_retry = self._names | {"retry-after"}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        rid = environ[REQUEST_ID_KEY] = os.urandom(8).hex()
        extra = self.headers

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = self._names if status.startswith(("429", "503")) else self._names_and_retry
            kept = [header for header in headers if header[0].lower() not in names]
            kept += extra
            kept.append(("X-Request-Id", rid))
            return start_response(status, kept, exc_info)

        return self.app(environ, start)


def _pages_blueprint() -> Blueprint | None:
    """The web front end's blueprint, when that module is installed."""
    try:
        from chatbot.api.pages import pages_blueprint
    except ImportError:  # pragma: no cover - the front end is optional
        return None
    return pages_blueprint


def create_app(settings: Settings | None = None, bot: Bot | None = None) -> Flask:
    """The Flask application: API, pages (when the front end is installed), headers, errors."""
    settings = settings or (bot.settings if bot is not None else Settings())
    bot = bot or Bot.from_settings(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count)  # type: ignore[method-assign]

    limiter = make_limiter(settings)
    limiter.init_app(app)
    app.extensions["chatbot"] = ApiState(
        bot=bot, settings=settings, limiter=limiter, cache=ReplyCache(settings.reply_cache)
    )
    app.register_blueprint(api)
    if settings.allowed_origins:
        CORS(
            app,
            resources={r"/api/*": {"origins": list(settings.allowed_origins)}},
            methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    pages = _pages_blueprint()
    if pages is not None:
        app.register_blueprint(pages)

    app.wsgi_app = SecurityHeaders(app.wsgi_app, security_headers(settings))  # type: ignore[method-assign]
    app.register_error_handler(RequestError, handle_request_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    return app
