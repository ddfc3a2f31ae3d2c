"""The web front end: the chat page, the desk view, document pages and the widget script.

Everything is static (``web/``, no build step); this blueprint only serves it. The one
file put together here is ``/widget.js``: the shared scripts and styles wrapped in a
single function, so a host page gets one script and no globals.

Routes: ``/`` chat page, ``/desk`` reception desk, ``/documents/<id>`` one document
(``#passage=<passage id>`` highlights a passage), ``/widget-demo`` a host page embedding the
widget with the tag to copy, ``/widget.js`` and ``/assets/<file>``. The clinic's name (when the
profile sets one) replaces the pages' ``data-clinic-name`` text.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, has_app_context, request, send_from_directory

from chatbot.config import Settings
from chatbot.dialogue.wording import notice_text

__all__ = ["EMBED_TAG", "pages_blueprint", "web_dir", "widget_script"]

#: Files of web/assets/ that make up the widget, in order.
WIDGET_SCRIPTS = ("core.js", "chat.js")
WIDGET_STYLES = ("chat.css", "widget.css")

#: The one tag a clinic adds to its pages (the README shows it with https://clinic.example).
EMBED_TAG = '<script src="{base}/widget.js" data-api="{base}" data-title="Ask us" data-color="#0b5fff" async></script>'
#: The clinic_name default, which the pages do not show as a name.
_NO_CLINIC_NAME = "the clinic"

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
    """What the pages show before the first reply: suggestions, disclaimer and notice from the profile.

    The suggestions are the serving bot's (the setting, else the corpus's clinic.yaml, else the
    corpus's own questions); without an app, the setting's.
    """
    if settings is None:
        return {}
    bot = getattr(current_app.extensions.get("chatbot"), "bot", None) if has_app_context() else None
    return {
        "suggestions": list(bot.suggestions if bot is not None else settings.suggestions),
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
    shown = page_settings(settings)
    if settings is not None:  # the widget tells a page whose origin is not allowed that it is not set up
        shown["allowed_origins"] = list(settings.allowed_origins)
    parts = [
        "/* chatbot widget: see the README's 'Web page, widget and desk view' section. */",
        "(function () {",
        '"use strict";',
        "var WIDGET_CSS = " + _js_string(css) + ";",
        "var WIDGET_SETTINGS = " + _js_string(shown) + ";",
    ]
    parts += [_read(assets / name) for name in WIDGET_SCRIPTS]
    parts += [_read(root / "widget.js"), "})();", ""]
    return "\n".join(parts)


def _html(text: str) -> Response:
    response = Response(text, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _fill(text: str, attribute: str, value: str) -> str:
    """The page with ``value`` (escaped) as the text of its first element marked ``attribute``."""
    return re.sub(rf"({attribute}>)[^<]*<", lambda m: m.group(1) + html.escape(value) + "<", text, count=1)


def _with_clinic_name(text: str, settings: Settings | None) -> str:
    """The page with the profile's clinic name in its ``data-clinic-name`` element and the
    documents' subject (the serving bot's) in its ``data-subject`` heading."""
    bot = getattr(current_app.extensions.get("chatbot"), "bot", None) if has_app_context() else None
    if bot is not None:
        subject = bot.subject
        text = _fill(text, "data-subject", subject[:1].upper() + subject[1:])
    name = settings.clinic_name.strip() if settings is not None else ""
    if not name or name == _NO_CLINIC_NAME:
        return text
    return _fill(text, "data-clinic-name", name)


def _page(name: str) -> Response:
    settings = _app_settings()
    if settings is None:
        response = send_from_directory(web_dir(), name, max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response
    return _html(_with_clinic_name(_read(web_dir() / name), settings))


@pages_blueprint.get("/")
def chat_page() -> Response:
    app_settings = _app_settings()
    settings = page_settings(app_settings)
    if not settings:
        return _page("index.html")
    # The profile's suggestions, disclaimer and notice as data-profile-* attributes (escaped), read by page.js.
    text = _with_clinic_name(_read(web_dir() / "index.html"), app_settings)
    attributes = " ".join(
        f'data-profile-{name}="{html.escape(json.dumps(value, ensure_ascii=False), quote=True)}"'
        for name, value in settings.items()
    )
    text = text.replace("<div data-chat-root", f"<div data-chat-root {attributes}", 1)
    return _html(text)


@pages_blueprint.get("/desk")
def desk_page() -> Response:
    settings = _app_settings()
    if settings is None or not settings.public_url:
        return _page("desk.html")
    # Links in the answers the desk copies point at the clinic's public address (desk.js).
    text = _with_clinic_name(_read(web_dir() / "desk.html"), settings)
    base = html.escape(settings.public_url.rstrip("/"), quote=True)
    body = '<body class="cc-page cc-desk"'
    return _html(text.replace(body, f'{body} data-public-url="{base}"', 1))


@pages_blueprint.get("/widget-demo")
def widget_demo() -> Response:
    """A stand-in for a clinic's page: the widget embedded with the README's tag, and the tag to copy."""
    base = request.host_url.rstrip("/")
    tag = EMBED_TAG.format(base=html.escape(base, quote=True))
    text = _with_clinic_name(_read(web_dir() / "widget-demo.html"), _app_settings())
    text = text.replace("{{SNIPPET_TEXT}}", html.escape(tag), 1).replace("{{SNIPPET_TAG}}", tag, 1)
    return _html(text)


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
