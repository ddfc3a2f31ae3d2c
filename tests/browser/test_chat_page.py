"""The chat page (/) in a real browser: answers, citations, follow-ups, urgent replies,
hostile text, keyboard use, a phone-sized screen, errors and reload."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from .conftest import HOSTILE, PageProblems, Server, running_server, screenshot

pytestmark = pytest.mark.browser

QUESTION = "What are the risks of MVD?"


def ask(page: Any, text: str) -> Any:
    """Type a question, press Enter and return the new bot message."""
    before = page.locator("[data-role=bot]").count()
    box = page.get_by_label("Your question")
    box.fill(text)
    box.press("Enter")
    page.locator("[data-role=bot]").nth(before).wait_for()
    return page.locator("[data-role=bot]").nth(before)


def reply_passages(page: Any, message: str, server: Server) -> Any:
    return json.loads(page.request.post(server.url + "/api/chat", data={"message": message}).text())


def test_question_gets_a_reply_with_citations_and_the_disclaimer(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    expect_suggestions = page.locator("[data-suggestion]")
    assert expect_suggestions.count() >= 3, "suggested questions are offered at the start"
    assert "not medical advice" in page.locator("[data-page-disclaimer]").inner_text()

    message = ask(page, QUESTION)

    assert message.get_attribute("data-type") == "answer"
    sources = message.locator("[data-source]")
    assert sources.count() >= 2
    cited_documents = {
        re.sub(r" › .*", "", sources.nth(i).locator(".cc-source-where").inner_text()) for i in range(sources.count())
    }
    assert len(cited_documents) >= 2, f"both documents speak about the risks: {cited_documents}"
    assert "[1]" in sources.nth(0).inner_text() and "[2]" in sources.nth(1).inner_text()
    assert "not medical advice" in message.locator("[data-disclaimer]").inner_text()
    assert "automated assistant" in page.locator("[data-notice]").inner_text()
    assert page.locator("[data-suggestion]").count() >= 1, "suggestions again after the answer"
    # the live region announces the reply for screen readers
    page.wait_for_function("document.querySelector('[data-live]').textContent.includes('sources')")
    expected = reply_passages(page, QUESTION, server)
    assert message.locator(".cc-reply-text").first.inner_text().startswith(expected["reply"][:40])
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "chat-answer", full_page=True)


def test_a_citation_opens_the_passage_highlighted_in_its_document(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    message = ask(page, QUESTION)
    source = message.locator("[data-source='2']")
    passage_id = source.get_attribute("data-passage-id")
    source.click()

    dialog = page.locator("[data-document-view]")
    cited = dialog.locator(".cc-passage--cited")
    cited.wait_for()
    assert cited.get_attribute("data-passage-id") == passage_id
    assert dialog.locator(".cc-passage--cited").count() == 1
    assert dialog.locator(".cc-passage").count() > 3, "the whole document is shown around the passage"
    wait_until_cited_passage_in_view(page)
    assert page.evaluate("document.activeElement.classList.contains('cc-passage--cited')")
    background = cited.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)")
    screenshot(page, "chat-citation")

    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.getAttribute('data-source')") == "2", "focus returns to the source"


def test_a_follow_up_question_sends_the_context_and_stays_on_topic(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    with page.expect_response("**/api/chat") as first:
        ask(page, "What is microvascular decompression?")
    context = first.value.json()["context"]

    with page.expect_request("**/api/chat") as second:
        follow_up = ask(page, "What are the risks?")
    assert second.value.post_data_json.get("context") == context
    assert follow_up.get_attribute("data-type") == "answer"
    sections = " ".join(follow_up.locator(".cc-source-where").all_inner_texts())
    assert "Risks" in sections, sections
    assert page.locator("[data-role=user]").count() == 2


def test_an_urgent_message_stands_out(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    ask(page, "What is hemifacial spasm?")
    urgent = ask(page, "my face is drooping suddenly and my arm feels weak and my speech is slurred")

    assert urgent.get_attribute("data-type") == "urgent"
    assert "Urgent" in urgent.locator(".cc-urgent-banner").inner_text()
    assert urgent.locator(".cc-urgent-icon").is_visible()
    call = urgent.locator("a[href^='tel:']").first
    assert call.is_visible()
    assert re.fullmatch(r"tel:\+?[0-9]+", call.get_attribute("href") or "")
    answer = page.locator("[data-type=answer]").first
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderTopColor]"
    urgent_bg, urgent_border = urgent.evaluate(style)
    answer_bg, answer_border = answer.evaluate(style)
    assert urgent_bg != answer_bg and urgent_border != answer_border
    red, green, blue = (int(v) for v in re.findall(r"\d+", urgent_border)[:3])
    assert red > 150 and green < 80 and blue < 80, f"the urgent border is red: {urgent_border}"
    page.wait_for_function("document.querySelector('[data-live]').textContent.startsWith('Urgent')")
    urgent.scroll_into_view_if_needed()
    screenshot(page, "chat-urgent")
    assert_contrast(page)


def test_visitor_and_document_markup_is_shown_as_text(new_page: Any, hostile_server: Server) -> None:
    page = new_page()
    page.goto(hostile_server.url + "/")
    message = ask(page, f"{HOSTILE} where is the parking for patients?")

    user_text = page.locator("[data-role=user] .cc-user-text").inner_text()
    assert HOSTILE in user_text
    source = message.locator("[data-source]").filter(has_text="Visiting the clinic")
    assert "<script>" in source.inner_text(), "a document title with markup is shown as text"
    assert HOSTILE in message.inner_text(), "the passage's markup is shown as text"
    source.click()
    cited = page.locator("[data-document-view] .cc-passage--cited")
    cited.wait_for()
    assert HOSTILE in cited.inner_text()
    assert page.locator("[data-document-view] .cc-doc-title").inner_text().endswith("</script>")
    assert page.locator("img, script:not([src])").count() == 0, "no element was created from the text"
    page.wait_for_timeout(300)  # give an injected handler the chance to run; the fixture checks no dialog opened
    screenshot(page, "chat-hostile-text")


def test_the_page_works_with_the_keyboard_alone(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Skip to")
    focused = focus_outline(page)
    assert focused, "the focused link has a visible outline"

    # Tab reaches a suggested question; Enter asks it
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-suggestion')"):
            break
    else:
        pytest.fail("Tab never reached a suggested question")
    assert focus_outline(page)
    page.keyboard.press("Enter")
    page.locator("[data-role=bot]").first.wait_for()

    # Tab to the question box, type and press Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-input')"):
            break
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.locator("[data-role=bot]").nth(1).wait_for()

    # Shift+Tab back to the last answer's first source and open it with Enter
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.getAttribute('data-source') === '1'"):
            break
    else:
        pytest.fail("Shift+Tab never reached a source")
    page.keyboard.press("Enter")
    page.locator("[data-document-view] .cc-passage--cited").wait_for()
    page.wait_for_function("document.activeElement.classList.contains('cc-passage--cited')")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.getAttribute('data-source')") == "1"


def test_a_360_pixel_wide_screen(new_page: Any, server: Server) -> None:
    page = new_page(width=360, height=740, is_mobile=True, has_touch=True)
    page.goto(server.url + "/")
    screenshot(page, "chat-360-start")
    message = ask(page, "How long does Botox last?")
    assert message.locator("[data-source]").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    box = page.get_by_role("button", name="Send").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360 and box["height"] >= 44
    screenshot(page, "chat-360-answer")
    message.locator("[data-source='1']").click()
    dialog = page.locator("[data-document-view]")
    dialog.locator(".cc-passage--cited").wait_for()
    dialog_box = dialog.bounding_box()
    assert dialog_box is not None and dialog_box["width"] <= 360
    wait_until_cited_passage_in_view(page)
    screenshot(page, "chat-360-citation")


def test_the_conversation_survives_a_reload_and_can_be_cleared(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    ask(page, QUESTION)
    first_reply = page.locator("[data-role=bot]").first.inner_text()
    page.reload()
    page.locator("[data-role=bot]").first.wait_for()
    assert page.locator("[data-role=user]").first.inner_text().endswith(QUESTION)
    assert page.locator("[data-role=bot]").first.inner_text() == first_reply
    # the restored sources still open their passage
    page.locator("[data-role=bot] [data-source='1']").click()
    page.locator("[data-document-view] .cc-passage--cited").wait_for()
    page.keyboard.press("Escape")

    page.get_by_role("button", name="New conversation").click()
    assert page.locator("[data-role]").count() == 0
    assert page.locator("[data-suggestion]").count() >= 1
    page.reload()
    page.locator("[data-chat]").wait_for()
    assert page.locator("[data-role]").count() == 0


def test_loading_errors_and_retry(new_page: Any, server: Server, problems: PageProblems) -> None:
    problems.allow(r"Failed to load resource: (the server responded with a status of (429|500)|net::ERR_CONNECTION)")
    page = new_page()
    page.emulate_media(reduced_motion="reduce")
    page.goto(server.url + "/")
    failures = [
        ("rate_limit", lambda route: route.fulfill(
            status=429, headers={"Retry-After": "30"}, content_type="application/json",
            body=json.dumps({"error": {"code": "rate_limited", "message": "Too many requests"}}),
        ), "Too many questions"),
        ("server", lambda route: route.fulfill(
            status=500, content_type="application/json",
            body=json.dumps({"error": {"code": "internal_error", "message": "Internal error"}}),
        ), "had a problem"),
        ("network", lambda route: route.abort("connectionrefused"), "could not reach"),
    ]
    box = page.get_by_label("Your question")
    for index, (kind, handler, words) in enumerate(failures):
        page.route("**/api/chat", handler)
        if index == 0:
            box.fill(QUESTION)
            box.press("Enter")
        else:
            page.get_by_role("button", name="Try again").click()
        error = page.locator("[data-error]")
        error.wait_for()
        assert error.get_attribute("data-kind") == kind
        assert words in error.inner_text()
        assert page.get_by_role("button", name="Try again").is_visible()
        page.unroute("**/api/chat")
        if kind == "rate_limit":
            screenshot(page, "chat-error-429")

    # Hold the request until the loading state has been checked. (A handler that sleeps
    # can run inside click() and answer before the check starts, so it would be flaky.)
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route("**/api/chat", hold)
    page.get_by_role("button", name="Try again").click()
    loading = page.locator("[data-loading]")
    loading.wait_for(state="visible")
    assert "Looking" in loading.inner_text()
    assert loading.locator(".cc-dots span").first.evaluate("el => getComputedStyle(el).animationName") == "none", (
        "no animation when the visitor asks for reduced motion"
    )
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the retry sent the question again"
    assert loading.is_visible(), "the loading state stays while the answer is on its way"
    held[0].continue_()
    page.locator("[data-role=bot]").first.wait_for()
    assert not loading.is_visible()
    assert not page.locator("[data-error]").is_visible()
    assert page.locator("[data-role=user]").count() == 1, "a retry does not repeat the question"


def test_a_document_page_highlights_the_passage_in_its_address(new_page: Any, server: Server) -> None:
    page = new_page()
    reply = json.loads(page.request.post(server.url + "/api/chat", data={"message": QUESTION}).text())
    citation = reply["passages"][0]["citation"]
    page.goto(f"{server.url}/documents/{citation['document_id']}#passage={citation['passage_id']}")
    cited = page.locator(".cc-passage--cited")
    cited.wait_for()
    assert cited.get_attribute("data-passage-id") == citation["passage_id"]
    assert page.locator("h1").inner_text() == citation["document"]


def wait_until_cited_passage_in_view(page: Any) -> None:
    """The cited passage's top is on screen (scrolling may be smooth, so wait for it)."""
    page.wait_for_function(
        """() => { const el = document.querySelector('.cc-passage--cited');
                   const r = el.getBoundingClientRect();
                   return r.top >= 0 && r.top < innerHeight - 40 && r.height > 0; }"""
    )


def focus_outline(page: Any) -> bool:
    return bool(
        page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                              || s.boxShadow !== 'none'; }"""
        )
    )


CONTRAST_SCRIPT = """
([rootSelector, scope]) => {
  const root = rootSelector ? document.querySelector(rootSelector).shadowRoot : document;
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  const selector = ['p', 'button', 'a', 'label', 'h2', 'h3', 'li', 'span'].map(t => `${scope} ${t}`).join(', ');
  for (const el of root.querySelectorAll(selector)) {
    if (!el.getClientRects().length || !el.textContent.trim() || el.closest('.cc-offscreen')) continue;
    const fg = parse(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) failures.push(`${el.className || el.tagName}: ${ratio.toFixed(2)}`);
  }
  return failures;
}
"""


def assert_contrast(page: Any, scope: str = ".cc-chat", shadow_host: str | None = None) -> None:
    """Every visible text in scope has at least WCAG AA contrast (4.5:1) with its background."""
    failures = page.evaluate(CONTRAST_SCRIPT, [shadow_host, scope])
    assert failures == [], failures


def test_the_real_rate_limit_shows_a_wait_message(new_page: Any, problems: PageProblems) -> None:
    """Against a server with a tiny limit: the third question in a minute gets the 429 message."""
    problems.allow(r"Failed to load resource: the server responded with a status of 429")
    env = {"CHATBOT_RATE_LIMIT": "2/minute", "CHATBOT_CLINIC_PHONE": "+1 555 0100"}
    with running_server("rate-limited", env=env) as limited:
        page = new_page()
        page.goto(limited.url + "/")
        assert "+1 555 0100" in page.locator("[data-notice]").inner_text(), "the profile's notice before any reply"
        ask(page, "What is hemifacial spasm?")
        ask(page, "How long does Botox last?")
        box = page.get_by_label("Your question")
        box.fill(QUESTION)
        box.press("Enter")
        error = page.locator("[data-error]")
        error.wait_for()
        assert error.get_attribute("data-kind") == "rate_limit"
        assert re.search(r"wait about \d+ seconds", error.inner_text()), error.inner_text()
        assert page.get_by_role("button", name="Try again").is_visible()
        assert page.locator("[data-role=bot]").count() == 2


def test_an_faq_file_reads_as_questions_and_answers(new_page: Any, hostile_server: Server) -> None:
    page = new_page()
    page.goto(hostile_server.url + "/documents/desk-faq#passage=desk-faq:fax")
    body = page.locator("[data-document-body]")
    body.locator(".cc-passage").first.wait_for()
    assert body.locator(".cc-passage--cited").get_attribute("data-passage-id") == "desk-faq:fax"
    headings = body.locator(".cc-doc-heading").all_inner_texts()
    assert headings == ["When is the clinic open?", "Do you have a fax <b>number</b>?"]
    assert '{"' not in body.inner_text(), "rows are shown as questions and answers, not JSON"
    assert HOSTILE in body.inner_text()
    assert page.locator("img, b").count() == 0


def test_a_spelling_correction_is_shown(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto(server.url + "/")
    message = ask(page, "what is microvascular decompresion")
    correction = message.locator(".cc-correction")
    assert correction.count() == 1
    assert "“decompression” instead of “decompresion”" in correction.inner_text()
