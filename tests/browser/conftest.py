"""Browser tests: the real server as a process, Debian's Chromium driven by Playwright.

The server starts as users start it (``python -m chatbot serve``) on a free port with
rate limiting off, its log written to ``test-artifacts/``; a second tiny server on
another port plays a clinic's website for the widget. Chromium is the system one
(``/usr/bin/chromium``): Playwright's own browser download is never used.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from serving import Server, free_port, serve

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)>"

HOSTILE_DOC = f"""---
title: "Visiting the clinic <script>alert('title')</script>"
---

## Parking

Parking for patients is behind the building {HOSTILE} next to the pharmacy. The car park opens at seven.
"""

HOSTILE_FAQ = (
    json.dumps({"id": "opening", "question": "When is the clinic open?", "answer": "Monday to Friday, 8 to 18."})
    + "\n"
    + json.dumps({"id": "fax", "question": "Do you have a fax <b>number</b>?", "answer": f"No fax. {HOSTILE}"})
    + "\n"
)

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Riverside Neurology Clinic</title>
<link rel="icon" href="data:,">
<style>
  body {{ margin: 0; font: 20px/3 Georgia, serif; color: #402020; background: #fffaf0; }}
  header {{ background: #1f6f4a; color: #fff; padding: 0.5em 1em; }}
  h1, h2 {{ color: #6a1b9a; margin: 0; }}
  header h1 {{ color: #fff; }}
  main {{ padding: 1em; max-width: 40em; }}
  button {{ background: hotpink !important; border: 4px dashed green; font: inherit; }}
  p {{ line-height: 1.6; }}
</style>
</head>
<body>
<header><h1>Riverside Neurology Clinic</h1></header>
<main>
  <h2>Hemifacial spasm</h2>
  <p>Our team treats hemifacial spasm with botulinum toxin injections and microvascular decompression.
  Questions before your visit? Use the chat button in the corner.</p>
  <button type="button" id="host-button">Book a visit</button>
</main>
<script src="{api}/widget.js" data-api="{api}" data-title="Ask us" data-color="{color}" async></script>
</body>
</html>
"""


@contextlib.contextmanager
def running_server(name: str, *, corpus: Path | None = None, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``chatbot serve`` (one worker, rate limit off unless ``env`` sets it), its log in test-artifacts/."""
    with tempfile.TemporaryDirectory(prefix=f"server-{name}-") as folder:
        environment = {"CHATBOT_RATE_LIMIT": "off", **(env or {})}
        options: dict[str, Any] = {"corpus": corpus, "env": environment, "workers": 1}
        with serve(Path(folder), **options, name=f"server-{name}", log_dir=ARTIFACTS) as running:
            yield running


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@dataclass
class HostSite:
    """A second origin (a clinic's own website) serving a page that embeds the widget."""

    port: int
    folder: Path
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = f"http://127.0.0.1:{self.port}"

    def write_page(self, api: str, *, color: str = "#0b5fff", name: str = "index.html") -> str:
        (self.folder / name).write_text(HOST_PAGE.format(api=api, color=color), encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Chromium with `apt-get install chromium` to run the browser tests")
    return CHROMIUM


@pytest.fixture(scope="session")
def host_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostSite]:
    folder = tmp_path_factory.mktemp("host-site")
    port = free_port()
    handler = lambda *args, **kwargs: _QuietHandler(*args, directory=str(folder), **kwargs)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostSite(port=port, folder=folder)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(chromium_path: Path, host_site: HostSite) -> Iterator[Server]:
    """The app on the bundled corpus; the host site's origin may call it (CORS)."""
    with running_server("main", env={"CHATBOT_ALLOWED_ORIGINS": host_site.url}) as running:
        yield running


@pytest.fixture(scope="session")
def hostile_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a corpus whose documents contain markup that must show as text."""
    folder = tmp_path_factory.mktemp("hostile-corpus")
    for document in (REPO / "corpus").glob("*.md"):
        shutil.copy(document, folder / document.name)
    (folder / "visiting.md").write_text(HOSTILE_DOC, encoding="utf-8")
    (folder / "desk-faq.jsonl").write_text(HOSTILE_FAQ, encoding="utf-8")
    with running_server("hostile", corpus=folder) as running:
        yield running


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageProblems:
    """Console errors (CSP violations show up here) and uncaught exceptions of one page."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Console errors the test causes on purpose (a 429 it stages, say)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]

    def watch(self, page: Any) -> None:
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_page(browser: Any, problems: PageProblems) -> Iterator[Any]:
    """new_page(width=..., height=..., **context options) -> a page in a fresh context."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 860, **options: Any) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems.dialogs == [], f"a script ran and opened a dialog: {problems.dialogs}"
    assert problems.unexpected() == [], f"console errors (CSP violations, script errors): {problems.unexpected()}"


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot under test-artifacts/ (copied to docs/screenshots/ for the README)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path
