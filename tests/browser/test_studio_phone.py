"""Pressing Generate in the Studio: the pressed button shows the request is out, then the new job's card is in
view: brought there on a phone (the form fills the screen), left where it is on a desktop (beside the form)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

# Holds the Studio's submit in the page until window.__sendSubmit() is called, so the busy state can be seen.
HOLD_SUBMIT = """() => {
  const send = window.fetch;
  const held = new Promise((resolve) => { window.__sendSubmit = resolve; });
  window.fetch = async (url, options) => {
    if (String(url).endsWith("/studio/submit")) await held;
    return send(url, options);
  };
}"""

# Records how the page scrolls elements into view.
RECORD_SCROLLS = """() => {
  window.__scrolls = [];
  const scrollIntoView = Element.prototype.scrollIntoView;
  Element.prototype.scrollIntoView = function (options) {
    window.__scrolls.push({ item: this.className, behavior: options?.behavior ?? "auto" });
    return scrollIntoView.call(this, options);
  };
}"""

TOPBAR_HEIGHT = 56


@pytest.fixture
def phone(phone_page, atelier_server):
    log_in(phone_page, atelier_server)
    return phone_page


def fill_the_form(page, server, prompt: str) -> None:
    page.goto(f"{server.base_url}/studio/")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Partial images", exact=True).select_option("2")
    expect(page.locator("#estimate")).to_contain_text("$")


def expect_card_in_view(page, card) -> None:
    """The card's head is on screen, below the sticky top bar."""
    expect(card.locator(".job-header")).to_be_in_viewport()
    page.wait_for_function(
        "([top]) => { const r = document.querySelector('#jobs .job-item').getBoundingClientRect();"
        " return r.top >= top - 1 && r.top < innerHeight / 2; }",
        arg=[TOPBAR_HEIGHT],
    )


def test_generate_on_a_phone_shows_it_is_working_then_brings_the_new_card_into_view(
    phone, atelier_server, artifacts_dir
):
    page = phone
    fill_the_form(page, atelier_server, "A lighthouse at dusk, seen from a phone")
    page.evaluate(HOLD_SUBMIT)
    page.evaluate(RECORD_SCROLLS)
    generate = page.get_by_role("button", name="Generate")
    generate.click()
    expect(generate).to_have_attribute("aria-busy", "true")
    expect(generate).to_have_accessible_name("Generate")
    expect(page.locator("#studio-form")).to_have_class(re.compile(r"\bhtmx-request\b"))
    page.screenshot(path=artifacts_dir / "studio-390-generating.png")

    page.evaluate("window.__sendSubmit()")
    card = page.locator("#jobs .job-item").first
    expect(card).to_contain_text("A lighthouse at dusk, seen from a phone")
    expect(generate).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#studio-form")).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    expect_card_in_view(page, card)
    assert page.evaluate("window.__scrolls") == [{"item": "job-item", "behavior": "smooth"}]
    expect(card.locator("img.is-partial").first).to_be_in_viewport(timeout=20_000)  # the live partials
    page.screenshot(path=artifacts_dir / "studio-390-new-card.png")


def test_a_second_press_while_the_first_is_out_sends_nothing(phone, atelier_server):
    page = phone
    fill_the_form(page, atelier_server, "A kite over the dunes, pressed twice")
    page.evaluate(HOLD_SUBMIT)
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("button", name="Generate")).to_have_attribute("aria-busy", "true")
    page.get_by_role("button", name="Draft (low quality)").click()
    page.evaluate("window.__sendSubmit()")
    expect(page.locator("#jobs .job-item").first).to_contain_text("A kite over the dunes")
    page.wait_for_timeout(800)
    expect(page.locator("#jobs .job-item", has_text="A kite over the dunes")).to_have_count(1)


def test_on_a_desktop_the_new_card_is_already_in_view_and_nothing_scrolls(page, atelier_server):
    log_in(page, atelier_server)
    fill_the_form(page, atelier_server, "A lighthouse at dusk, seen from a desk")
    page.evaluate(RECORD_SCROLLS)
    page.get_by_role("button", name="Generate").click()
    card = page.locator("#jobs .job-item").first
    expect(card).to_contain_text("A lighthouse at dusk, seen from a desk")
    expect_card_in_view(page, card)
    page.wait_for_timeout(500)
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("window.__scrolls") == []


def test_on_a_desktop_scrolled_down_the_results_the_new_card_comes_into_view_without_motion(
    page, atelier_server
):
    log_in(page, atelier_server)
    page.emulate_media(reduced_motion="reduce")
    fill_the_form(page, atelier_server, "A harbour crane, one of a few")
    draft = page.get_by_role("button", name="Draft (low quality)")
    for count in (1, 2):  # enough cards for the results to scroll
        draft.click()
        expect(page.locator("#jobs .job-item", has_text="A harbour crane")).to_have_count(count)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert page.evaluate("window.scrollY") > 0
    page.evaluate(RECORD_SCROLLS)
    draft.click()
    card = page.locator("#jobs .job-item").first
    expect(page.locator("#jobs .job-item", has_text="A harbour crane")).to_have_count(3)
    expect_card_in_view(page, card)
    assert page.evaluate("window.__scrolls") == [{"item": "job-item", "behavior": "instant"}]
