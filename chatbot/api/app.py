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

from flask import Blueprint, Flask
from flask_cors import CORS
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from chatbot.api.cache import ReplyCache
from chatbot.api.errors import handle_http_error, handle_request_error, handle_unexpected
from chatbot.api.routes import api
from chatbot.api.security import OriginWarnings, SecurityHeaders, make_limiter, security_headers
from chatbot.api.state import ApiState
from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.errors import RequestError

__all__ = ["create_app"]


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
    # No redirects built from the Host header: a doubled slash or a missing trailing one
    # is a 404, never a Location on whatever domain the client named.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.url_map.redirect_defaults = False
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
    app.before_request(OriginWarnings(settings).check)
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

    # Any answer may differ by Origin once CORS is on (allowed: the header; others: none).
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, security_headers(settings), vary_origin=bool(settings.allowed_origins)
    )
    app.register_error_handler(RequestError, handle_request_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    return app
