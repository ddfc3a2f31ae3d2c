"""The web front end: the chat page, the desk view, document pages and the widget script.

Everything is static (``web/``, no build step); this blueprint only serves it. The one
file put together here is ``/widget.js``: the shared scripts and styles wrapped in a
single function, so a host page gets one script and no globals.

Routes: ``/`` chat page, ``/desk`` reception desk, ``/documents/<id>`` one document
(``#passage=<passage id>`` highlights a passage), ``/widget.js`` and ``/assets/<file>``.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from chatbot.config import Settings
from chatbot.dialogue.wording import notice_text

__all__ = ["pages_blueprint", "web_dir", "widget_script"]

#: Files of web/assets/ that make up the widget, in order.
WIDGET_SCRIPTS = ("core.js", "chat.js")
WIDGET_STYLES = ("chat.css", "widget.css")

#: How long browsers may reuse a file before checking it again (ETags make the check cheap).
MAX_AGE_SECONDS = 300

pages_blueprint = Blueprint("pages", __name__)


def web_dir() -> Path:
    """The front end's files: packaged in a wheel (chatbot/web), else the checkout's web/."""
    here = Path(__file__).resolve().parents[1]  # the chatbot package
    for candidate in (here / "web", here.parent / "web"):
        if (candidate / "index.html").is_file():
            return candidate
    return here.parent / "web"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        abort(404)


def page_settings(settings: Settings | None) -> dict[str, Any]:
    """What the pages show before the first reply: suggestions, disclaimer and notice from the profile."""
    if settings is None:
        return {}
    return {
        "suggestions": list(settings.suggestions),
        "disclaimer": settings.disclaimer,
        "notice": notice_text(settings),
    }


def _app_settings() -> Settings | None:
    """The app's settings when the API registered them (create_app), else None (blueprint alone)."""
    state = current_app.extensions.get("chatbot")
    settings = getattr(state, "settings", None)
    return settings if isinstance(settings, Settings) else None


def _js_string(value: Any) -> str:
    # json.dumps escapes quotes and newlines; "</" is escaped too so the text is safe anywhere.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def widget_script(root: Path | None = None, settings: Settings | None = None) -> str:
    """/widget.js: the shared scripts and the widget in one function, with its CSS as a string."""
    root = root or web_dir()
    assets = root / "assets"
    css = "\n".join(_read(assets / name) for name in WIDGET_STYLES)
    parts = [
        "/* chatbot widget: see the README's 'Web page, widget and desk view' section. */",
        "(function () {",
        '"use strict";',
        "var WIDGET_CSS = " + _js_string(css) + ";",
        "var WIDGET_SETTINGS = " + _js_string(page_settings(settings)) + ";",
    ]
    parts += [_read(assets / name) for name in WIDGET_SCRIPTS]
    parts += [_read(root / "widget.js"), "})();", ""]
    return "\n".join(parts)


def _page(name: str) -> Response:
    response = send_from_directory(web_dir(), name, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@pages_blueprint.get("/")
def chat_page() -> Response:
    settings = page_settings(_app_settings())
    if not settings:
        return _page("index.html")
    # The profile's suggestions, disclaimer and notice as data-profile-* attributes (escaped), read by page.js.
    text = _read(web_dir() / "index.html")
    attributes = " ".join(
        f'data-profile-{name}="{html.escape(json.dumps(value, ensure_ascii=False), quote=True)}"'
        for name, value in settings.items()
    )
    text = text.replace("<div data-chat-root", f"<div data-chat-root {attributes}", 1)
    response = Response(text, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@pages_blueprint.get("/desk")
def desk_page() -> Response:
    return _page("desk.html")


@pages_blueprint.get("/documents/<document_id>")
def document_page(document_id: str) -> Response:
    # The id is read by document.js and only ever used in an API URL (encoded) and as text.
    return _page("document.html")


@pages_blueprint.get("/assets/<path:name>")
def asset(name: str) -> Response:
    response = send_from_directory(web_dir() / "assets", name, max_age=MAX_AGE_SECONDS)
    if name.endswith(".js"):
        response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response


@pages_blueprint.get("/widget.js")
def widget() -> Response:
    text = widget_script(settings=_app_settings())
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    # Loaded by other sites' pages: a script tag needs no CORS, but a same-origin
    # resource policy would block it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.set_etag(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
    response.make_conditional(request)  # a 304 for a matching If-None-Match (changes this response)
    return response
