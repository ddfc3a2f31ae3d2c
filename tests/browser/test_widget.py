"""The widget (/widget.js) embedded with one script tag in a page from another origin."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import HostSite, Server, screenshot
from .test_chat_page import assert_contrast

pytestmark = pytest.mark.browser

HOST_STYLES = """() => {
  const s = el => { const c = getComputedStyle(el); return [c.fontFamily, c.fontSize, c.color, c.backgroundColor]; };
  const q = selector => document.querySelector(selector);
  return { body: s(document.body), h2: s(q('main h2')), button: s(q('#host-button')) };
}"""


def test_the_widget_on_a_page_from_another_origin(new_page: Any, server: Server, host_site: HostSite) -> None:
    page = new_page(width=1280, height=800)
    # Load the host page without the widget first to record its look.
    (host_site.folder / "plain.html").write_text(
        host_site_page_without_widget(host_site.write_page(server.url), host_site), encoding="utf-8"
    )
    page.goto(host_site.url + "/plain.html")
    styles_without = page.evaluate(HOST_STYLES)

    page.goto(host_site.url + "/index.html")
    launcher = page.get_by_role("button", name="Ask us")
    launcher.wait_for()
    assert page.evaluate(HOST_STYLES) == styles_without, "the widget does not restyle the host page"
    assert page.evaluate("typeof window.ClinicChat") == "undefined", "no globals leak into the host page"
    assert page.evaluate("document.querySelector('[data-clinic-chat-widget]').shadowRoot !== null")
    # the clinic's colour from data-color
    assert launcher.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(11, 95, 255)"
    assert launcher.get_attribute("aria-expanded") == "false"

    launcher.click()
    panel = page.locator("[data-panel]")
    assert panel.is_visible() and launcher.get_attribute("aria-expanded") == "true"
    assert page.evaluate(
        "document.querySelector('[data-clinic-chat-widget]').shadowRoot.activeElement.hasAttribute('data-input')"
    ), "opening the panel puts the cursor in the question box"
    with page.expect_response(f"{server.url}/api/chat") as response_info:
        box = panel.get_by_label("Your question")
        box.fill("How long does Botox last?")
        box.press("Enter")
    response = response_info.value
    assert response.ok
    assert response.headers.get("access-control-allow-origin") == host_site.url, "CORS for the clinic's site"
    message = panel.locator("[data-role=bot]")
    message.wait_for()
    assert message.locator("[data-source]").count() >= 2
    assert "not medical advice" in message.locator("[data-disclaimer]").inner_text()
    screenshot(page, "widget-host-page")
    assert_contrast(page, ".cc-panel", shadow_host="[data-clinic-chat-widget]")

    message.locator("[data-source='1']").click()
    cited = page.locator("[data-document-view] .cc-passage--cited")
    cited.wait_for()
    expected = message.locator("[data-source='1']").get_attribute("data-passage-id")
    assert cited.get_attribute("data-passage-id") == expected
    screenshot(page, "widget-citation")
    page.keyboard.press("Escape")

    # Escape closes the panel and gives the focus back to the corner button
    panel.get_by_label("Your question").focus()
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate(
        "document.querySelector('[data-clinic-chat-widget]').shadowRoot.activeElement.hasAttribute('data-launcher')"
    )
    # the conversation is still there when the panel opens again
    launcher.click()
    assert panel.locator("[data-role=bot]").count() == 1


def test_the_widget_is_usable_on_a_phone(new_page: Any, server: Server, host_site: HostSite) -> None:
    page = new_page(width=360, height=740, is_mobile=True, has_touch=True)
    # a light clinic colour: the widget switches to dark text on it
    page.goto(host_site.write_page(server.url, color="gold", name="light.html"))
    launcher = page.get_by_role("button", name="Ask us")
    assert launcher.evaluate("el => getComputedStyle(el).color") == "rgb(17, 17, 17)"
    launcher.click()
    panel = page.locator("[data-panel]")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["width"] <= 360
    panel.get_by_label("Your question").fill("What is hemifacial spasm?")
    panel.get_by_label("Your question").press("Enter")
    panel.locator("[data-role=bot]").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "widget-360")
    assert_contrast(page, ".cc-panel", shadow_host="[data-clinic-chat-widget]")
    panel.get_by_role("button", name="Close the chat").click()
    assert not panel.is_visible()


def host_site_page_without_widget(_url: str, host_site: HostSite) -> str:
    html = (host_site.folder / "index.html").read_text(encoding="utf-8")
    start = html.index("<script")
    end = html.index("</script>", start) + len("</script>")
    return html[:start] + html[end:]
