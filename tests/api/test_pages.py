"""The pages blueprint and the static front end (no browser: see tests/browser/ for that)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chatbot.api.pages import WIDGET_SCRIPTS, WIDGET_STYLES, pages_blueprint, web_dir, widget_script

WEB = web_dir()
PAGES = sorted(WEB.glob("*.html"))
SCRIPTS = sorted(WEB.rglob("*.js"))


def fetch(client: FlaskClient, path: str, **kwargs: object) -> tuple[int, str, str, dict[str, str]]:
    """GET path -> (status, content type, body text, headers), closing the file-backed response."""
    with client.get(path, **kwargs) as response:  # type: ignore[arg-type]
        return response.status_code, response.content_type, response.get_data(as_text=True), dict(response.headers)


@pytest.fixture
def client() -> FlaskClient:
    app = Flask(__name__, static_folder=None)
    app.register_blueprint(pages_blueprint)
    return app.test_client()


def test_web_dir_is_the_checkouts_web_folder() -> None:
    assert (WEB / "index.html").is_file() and (WEB / "desk.html").is_file() and (WEB / "widget.js").is_file()


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/", "text/html", "data-chat-root"),
        ("/desk", "text/html", "data-desk-index"),
        ("/documents/hfs-treatment-options", "text/html", "data-document-body"),
        ("/assets/core.js", "text/javascript", "var ClinicChat"),
        ("/assets/chat.css", "text/css", ".cc-chat"),
        ("/widget.js", "text/javascript", "attachShadow"),
    ],
)
def test_routes_serve_the_front_end(client: FlaskClient, path: str, content_type: str, marker: str) -> None:
    status, kind, text, _ = fetch(client, path)
    assert status == 200
    assert kind.startswith(content_type)
    assert marker in text


@pytest.mark.parametrize("path", ["/assets/nope.js", "/assets/../pyproject.toml", "/assets/%2e%2e/index.html"])
def test_missing_or_escaping_asset_paths_are_404(client: FlaskClient, path: str) -> None:
    assert fetch(client, path)[0] == 404


def test_widget_is_one_function_with_its_styles_and_may_be_loaded_cross_origin(client: FlaskClient) -> None:
    _, _, text, headers = fetch(client, "/widget.js")
    assert text.lstrip().startswith("/*") and text.rstrip().endswith("})();")
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    for name in WIDGET_SCRIPTS:
        assert (WEB / "assets" / name).read_text(encoding="utf-8") in text
    assert ".cc-launcher" in text and ".cc-msg--urgent" in text  # widget.css and chat.css, as a string
    assert "</" not in text.split("var WIDGET_CSS = ", 1)[1].split(";\n", 1)[0]
    assert fetch(client, "/widget.js", headers={"If-None-Match": headers["ETag"]})[0] == 304


def test_widget_script_is_rebuilt_from_the_files(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    for name in (*WIDGET_SCRIPTS, *WIDGET_STYLES):
        (tmp_path / "assets" / name).write_text(f"/* {name} */", encoding="utf-8")
    (tmp_path / "widget.js").write_text("/* widget */", encoding="utf-8")
    text = widget_script(tmp_path)
    names = [*WIDGET_STYLES, *WIDGET_SCRIPTS]
    positions = [text.index(f"/* {name} */") for name in names] + [text.index("/* widget */")]
    assert positions == sorted(positions)


class _InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style elements and attributes, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.local_refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("src", "href") and value and value.startswith("/") and not value.startswith("//"):
                self.local_refs.append(value)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_need_no_inline_script_or_style(page: Path, client: FlaskClient) -> None:
    finder = _InlineFinder()
    finder.feed(page.read_text(encoding="utf-8"))
    assert finder.problems == []
    for ref in finder.local_refs:
        if ref.startswith("/assets/"):
            assert fetch(client, ref)[0] == 200, ref


HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_insert_html(script: Path) -> None:
    """Visitor and document text goes in with textContent only; no HTML parsing sinks at all."""
    text = script.read_text(encoding="utf-8")
    assert HTML_SINKS.findall(text) == []
    assert not re.search(r"setAttribute\(\s*[\"']on", text)
    assert "style=" not in text and ".cssText" not in text


def test_the_chat_page_and_widget_carry_the_profiles_texts_before_any_reply() -> None:
    from types import SimpleNamespace

    from chatbot.config import Settings

    settings = Settings(
        suggestions=('Is MVD "safe" </script><b>?',),
        disclaimer="Not advice & not <i>urgent</i> care.",
        clinic_phone="+1 555 0100",
    )
    app = Flask(__name__, static_folder=None)
    app.register_blueprint(pages_blueprint)
    app.extensions["chatbot"] = SimpleNamespace(settings=settings)
    client = app.test_client()

    _, _, text, _ = fetch(client, "/")

    class Root(HTMLParser):
        found: dict[str, str | None] = {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if "data-chat-root" in dict(attrs):
                Root.found = dict(attrs)

    Root().feed(text)
    assert json.loads(Root.found["data-profile-suggestions"] or "") == ['Is MVD "safe" </script><b>?']
    assert json.loads(Root.found["data-profile-disclaimer"] or "") == "Not advice & not <i>urgent</i> care."
    assert "+1 555 0100" in json.loads(Root.found["data-profile-notice"] or "")
    assert "<b>?" not in text and "</script><b>" not in text

    _, _, script, _ = fetch(client, "/widget.js")
    line = next(x for x in script.splitlines() if x.startswith("var WIDGET_SETTINGS = "))
    assert "</" not in line
    assert json.loads(line.removeprefix("var WIDGET_SETTINGS = ").rstrip(";"))["disclaimer"] == settings.disclaimer
