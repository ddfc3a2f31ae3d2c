"""What a clinic ships (issue 15): the urgent call button on a small screen, a site not in
allowed_origins, the widget demo page, a busy port, keyboard focus and announcements; each at
360x640 (a phone) and 1280 wide. The widget's full disclaimer, pinned one tap away. Also
screenshots of every view at both widths."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import ARTIFACTS, REPO, HostSite, PageProblems, Server, screenshot
from .test_chat_page import assert_contrast

pytestmark = pytest.mark.browser

URGENT = "my face is drooping and I can't lift my arm"
SIZES = {"360": (360, 640), "1280": (1280, 800)}
PHONE = {"is_mobile": True, "has_touch": True}


def make_page(new_page: Any, size: str) -> Any:
    width, height = SIZES[size]
    return new_page(width=width, height=height, **(PHONE if size == "360" else {}))


def shadow(page: Any, expression: str) -> Any:
    root = "document.querySelector('[data-clinic-chat-widget]').shadowRoot"
    return page.evaluate(f"(() => {{ const root = {root}; return {expression}; }})()")


def wait_for_text(locator: Any, check: Any, seconds: float = 5) -> str:
    """Poll the element's text until ``check(text)`` (the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + seconds
    text = locator.text_content() or ""
    while not check(text) and time.monotonic() < deadline:
        time.sleep(0.05)
        text = locator.text_content() or ""
    return text


def assert_fully_on_screen(page: Any, locator: Any) -> None:
    """The element is inside the viewport and nothing covers its middle (no scrolling needed)."""
    viewport = page.viewport_size
    uncovered = """el => { const r = el.getBoundingClientRect(); const root = el.getRootNode();
                   const hit = root.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                   return hit === el || el.contains(hit); }"""
    deadline = time.monotonic() + 5
    while True:  # smooth scrolling may still be moving (inside the viewport, but still under the question box)
        box = locator.bounding_box()
        inside = (
            box is not None
            and box["y"] >= 0
            and box["x"] >= 0
            and box["y"] + box["height"] <= viewport["height"]
            and box["x"] + box["width"] <= viewport["width"]
        )
        on_top = inside and locator.evaluate(uncovered)
        if on_top or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert inside, f"{box} is not inside the {viewport} viewport"
    assert on_top, "something covers the element"


@pytest.mark.parametrize("size", SIZES)
def test_urgent_call_button_visible_without_scrolling_on_the_page(new_page: Any, server: Server, size: str) -> None:
    page = make_page(new_page, size)
    page.goto(server.url + "/")
    box = page.get_by_label("Your question")
    box.fill(URGENT)
    box.press("Enter")
    urgent = page.locator("[data-role=bot][data-type=urgent]")
    urgent.wait_for()
    call = urgent.locator("a.cc-tel--emergency")
    assert re.fullmatch(r"Call \S+ now", call.inner_text())
    assert_fully_on_screen(page, call)
    assert_fully_on_screen(page, urgent.locator(".cc-urgent-banner"))
    screenshot(page, f"urgent-page-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_urgent_call_button_visible_without_scrolling_in_the_widget(
    new_page: Any, server: Server, host_site: HostSite, size: str
) -> None:
    page = make_page(new_page, size)
    page.goto(host_site.write_page(server.url, name=f"urgent-{size}.html"))
    page.get_by_role("button", name="Ask us").click()
    panel = page.locator("[data-panel]")
    # a first question, so the pinned parts and an earlier answer take their room too
    panel.get_by_label("Your question").fill("What is hemifacial spasm?")
    panel.get_by_label("Your question").press("Enter")
    panel.locator("[data-role=bot]").wait_for()
    panel.get_by_label("Your question").fill(URGENT)
    panel.get_by_label("Your question").press("Enter")
    urgent = panel.locator("[data-role=bot][data-type=urgent]")
    urgent.wait_for()
    assert_fully_on_screen(page, urgent.locator("a.cc-tel--emergency"))
    screenshot(page, f"urgent-widget-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_site_not_in_allowed_origins_is_told_it_is_not_set_up(
    new_page: Any, server: Server, host_site: HostSite, problems: PageProblems, size: str
) -> None:
    # The server allows http://127.0.0.1:<port>; the same page at http://localhost:<port> is another origin.
    url = host_site.write_page(server.url, name=f"other-origin-{size}.html").replace("127.0.0.1", "localhost")
    page = make_page(new_page, size)
    warnings: list[str] = []
    page.on("console", lambda message: message.type == "warning" and warnings.append(message.text))
    page.goto(url)
    page.get_by_role("button", name="Ask us").click()
    alert = page.locator("[data-panel] [data-kind=origin]")
    alert.wait_for()
    text = alert.inner_text()
    assert "not set up" in text and "internet connection" not in text
    assert any("allowed_origins" in w and "http://localhost:" in w for w in warnings), warnings
    screenshot(page, f"widget-not-set-up-{size}")

    # The server names an unknown origin in one warning, however often it calls, never the visitor's words.
    origin = f"http://unknown-{size}.example"
    for _ in range(3):
        page.request.post(server.url + "/api/chat", data={"message": "secret words 123"}, headers={"Origin": origin})
    deadline = time.monotonic() + 5
    while origin not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log_text()
    assert log.count(f"'{origin}'") == 1, "one warning per origin"
    assert "allowed_origins" in log and "secret words" not in log


@pytest.mark.parametrize("size", SIZES)
def test_the_widget_demo_embeds_the_readme_tag(new_page: Any, server: Server, size: str) -> None:
    page = make_page(new_page, size)
    page.goto(server.url + "/widget-demo")
    snippet = page.locator("[data-snippet]").inner_text().strip()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    readme_tags = re.findall(r'<script src="https://clinic\.example/widget\.js"[^\n]*</script>', readme)
    assert readme_tags, "the README shows the embed tag"
    assert snippet == readme_tags[0].replace("https://clinic.example", server.url)
    # the page embeds that very tag
    script = page.locator("script[src$='/widget.js']")
    assert script.get_attribute("data-api") == server.url
    page.get_by_role("button", name="Ask us").click()
    panel = page.locator("[data-panel]")
    panel.get_by_label("Your question").fill("How long does Botox last?")
    panel.get_by_label("Your question").press("Enter")
    panel.locator("[data-role=bot][data-type=answer]").wait_for()
    screenshot(page, f"widget-demo-{size}")


def test_serve_on_a_busy_port_says_so_and_exits(server: Server) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "chatbot", "serve", "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert f"port {server.port} is in use, pick another with --port" in result.stderr
    assert "serving" not in result.stderr and "Connection in use" not in result.stderr
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("size", SIZES)
def test_enter_on_a_suggestion_keeps_the_focus_and_a_decline_is_not_called_an_answer(
    new_page: Any, server: Server, size: str
) -> None:
    page = make_page(new_page, size)
    page.goto(server.url + "/")
    suggestion = page.locator("[data-suggestion]").first
    asked = suggestion.inner_text()
    suggestion.focus()
    page.keyboard.press("Enter")
    page.locator("[data-role=bot]").first.wait_for()
    assert page.evaluate("document.activeElement.hasAttribute('data-input')"), "the focus went to the question box"
    wait_for_text(page.locator("[data-live]"), lambda text: text.startswith("Answer."))
    suggestions = page.locator("[data-suggestion]")
    offered = [suggestions.nth(i).inner_text() for i in range(suggestions.count())]
    assert offered and asked not in offered, "the question just asked is not offered again"

    page.keyboard.type("Do you validate parking tickets for the car park?")
    page.keyboard.press("Enter")
    page.locator("[data-role=bot][data-type=not_found]").wait_for()
    live = wait_for_text(page.locator("[data-live]"), lambda text: "could not find" in text)
    assert live.startswith("I could not find"), live
    assert page.evaluate("document.activeElement.hasAttribute('data-input')")


def test_citations_keep_their_punctuation_and_are_numbered_in_order(new_page: Any, server: Server) -> None:
    page = new_page(width=360, height=640, **PHONE)
    page.goto(server.url + "/")
    box = page.get_by_label("Your question")
    box.fill("How long does Botox last?")
    box.press("Enter")
    message = page.locator("[data-role=bot]").first
    message.wait_for()
    text = message.locator(".cc-reply-text").first.inner_text()
    assert not re.search(r"\]\s+[.,;:]", text), f"no space between a citation and its full stop: {text!r}"
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert numbers == sorted(numbers) and numbers[0] == 1
    assert message.locator("[data-disclaimer]").inner_text() == "General information, not medical advice."
    assert page.locator("[data-page-disclaimer]").count() == 1
    assert page.locator("a[href='/desk']").count() == 0, "no staff link on the patient page"


VIEWS = {
    "page": "/",
    "widget-demo": "/widget-demo",
    "desk": "/desk",
    "document": "/documents/hfs-microvascular-decompression#passage=",
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", VIEWS)
def test_screenshot_of_each_view(new_page: Any, server: Server, view: str, size: str) -> None:
    """Screenshots for docs/screenshots/ (copied there by hand after looking at them)."""
    width, _ = SIZES[size]
    page = new_page(width=width, height=800 if size == "1280" else 640, **(PHONE if size == "360" else {}))
    if view == "document":
        reply = page.request.post(server.url + "/api/chat", data={"message": "What are the risks of MVD?"}).json()
        citation = reply["passages"][0]["citation"]
        page.goto(f"{server.url}/documents/{citation['document_id']}#passage={citation['passage_id']}")
        page.locator(".cc-passage--cited").wait_for()
        page.wait_for_timeout(800)
        meta = page.locator("[data-doc-meta]").inner_text()
        assert ".md" not in meta and "Section:" in meta
    elif view == "desk":
        page.goto(server.url + "/desk")
        page.get_by_label("Caller's question").fill("How long does Botox last?")
        page.get_by_label("Caller's question").press("Enter")
        page.locator("[data-result]").wait_for()
        assert ".md" not in page.locator("[data-desk-results]").inner_text()
    elif view == "widget-demo":
        page.goto(server.url + "/widget-demo")
        page.get_by_role("button", name="Ask us").click()
        panel = page.locator("[data-panel]")
        panel.get_by_label("Your question").fill("What are the risks of MVD?")
        panel.get_by_label("Your question").press("Enter")
        panel.locator("[data-role=bot]").wait_for()
        page.wait_for_timeout(600)
    else:
        page.goto(server.url + "/")
        page.get_by_label("Your question").fill("What are the risks of MVD?")
        page.get_by_label("Your question").press("Enter")
        page.locator("[data-role=bot]").wait_for()
        page.wait_for_timeout(600)
    path = screenshot(page, f"view-{view}-{size}", full_page=view in {"page", "document"})
    assert Path(path).stat().st_size > 1000
    assert ARTIFACTS in Path(path).parents


def test_the_full_disclaimer_stays_one_tap_away_in_the_widget(
    new_page: Any, server: Server, host_site: HostSite
) -> None:
    """Every reply has the one-line reminder; the full text is pinned under the question box."""
    page = make_page(new_page, "360")
    page.goto(host_site.write_page(server.url, name="disclaimer-360.html"))
    page.get_by_role("button", name="Ask us").click()
    panel = page.locator("[data-panel]")
    toggle = panel.get_by_role("button", name="Medical disclaimer")
    full = panel.locator("[data-page-disclaimer]")
    expected = page.request.post(server.url + "/api/chat", data={"message": "hello"}).json()["disclaimer"]
    # the start screen shows it in full
    assert toggle.get_attribute("aria-expanded") == "true" and full.is_visible()
    assert full.inner_text() == expected
    screenshot(page, "widget-start-360")

    questions = ["What is hemifacial spasm?", "How long does Botox last?", "What are the risks of MVD?"]
    for number, question in enumerate(questions, start=1):
        panel.get_by_label("Your question").fill(question)
        panel.get_by_label("Your question").press("Enter")
        panel.locator("[data-role=bot]").nth(number - 1).wait_for()
    replies = panel.locator("[data-role=bot]")
    assert replies.count() == 3
    for i in range(3):
        assert replies.nth(i).locator("[data-disclaimer]").inner_text() == "General information, not medical advice."
    # after the first question it is one line, pinned outside the conversation's scrolling box
    assert toggle.get_attribute("aria-expanded") == "false" and not full.is_visible()
    assert_fully_on_screen(page, toggle)
    assert full.evaluate("el => !el.getRootNode().querySelector('[data-scroll]').contains(el)")
    scroller = "el => el.getRootNode().querySelector('[data-scroll]').scrollTop"
    scrolled, deadline = -1, time.monotonic() + 5
    while time.monotonic() < deadline:  # smooth scrolling to the last reply may still be moving
        page.wait_for_timeout(250)
        now = toggle.evaluate(scroller)
        if now == scrolled:
            break
        scrolled = now
    assert scrolled > 0, "the conversation is longer than the panel"

    # the keyboard opens it, in full and on screen, without scrolling the conversation
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert full.inner_text() == expected
    assert_fully_on_screen(page, full)
    assert toggle.evaluate(scroller) == scrolled
    assert_contrast(page, ".cc-panel", shadow_host="[data-clinic-chat-widget]")
    screenshot(page, "widget-disclaimer-360")
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "false" and not full.is_visible()

    # left open, it closes when a question is sent: an urgent reply's call button still fits
    toggle.click()
    panel.get_by_label("Your question").fill(URGENT)
    panel.get_by_label("Your question").press("Enter")
    urgent = panel.locator("[data-role=bot][data-type=urgent]")
    urgent.wait_for()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert_fully_on_screen(page, urgent.locator("a.cc-tel--emergency"))
