"""A designer's conversation in a real browser: partial images arrive live, follow-ups chain, reloads
show the current state."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def send_prompt(page, text: str) -> None:
    page.get_by_label("Prompt", exact=True).fill(text)
    page.get_by_role("button", name="Generate").click()


def test_a_conversation_streams_partials_then_finals_and_survives_a_reload(
    page, atelier_server, artifacts_dir
):
    log_in(page, atelier_server)
    expect(page.get_by_role("heading", name="What shall we make?")).to_be_visible()
    page.get_by_text("Image options").click()
    page.get_by_label("Partial images", exact=True).select_option("3")
    send_prompt(page, "A poster for a jazz night in Lisbon, deep blue and brass")

    page.wait_for_url(re.compile(r"/c/\d+/$"))
    first = page.locator("#turns > .turn").first
    # A partial image appears before the final one.
    expect(first.locator("img.is-partial")).to_be_visible(timeout=20_000)
    expect(first.locator('[data-status="succeeded"], .badge-succeeded').first).to_be_visible(timeout=30_000)
    expect(first.get_by_role("link", name=re.compile("Download"))).to_be_visible()
    expect(page.locator("#conversation-cost")).to_contain_text("spent")
    page.screenshot(path=artifacts_dir / "conversation-first-turn.png", full_page=True)

    # A follow-up, and a reload in the middle of its generation.
    send_prompt(page, "dark theme")
    second = page.locator("#turns > .turn").nth(1)
    expect(second.locator("img.is-partial")).to_be_visible(timeout=20_000)
    page.reload()
    second = page.locator("#turns > .turn").nth(1)
    expect(second.locator("img")).to_be_visible()
    expect(second).to_contain_text("dark theme")
    expect(second.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    expect(page.locator("#turns > .turn")).to_have_count(2)
    page.screenshot(path=artifacts_dir / "conversation.png")


def test_a_bad_size_is_flagged_as_you_type_with_a_fix(page, atelier_server):
    log_in(page, atelier_server)
    page.get_by_text("Image options").click()
    size = page.get_by_label("Size", exact=True)
    size.fill("1000x1000")
    feedback = page.locator("#size-feedback")
    expect(feedback).to_contain_text("16")
    page.get_by_role("button", name=re.compile(r"Use \d+x\d+")).click()
    expect(feedback).to_contain_text("Valid")
    expect(size).to_have_value(re.compile(r"^\d+x\d+$"))


def test_stop_keeps_the_last_partial_as_a_draft(page, atelier_server):
    log_in(page, atelier_server)
    page.get_by_text("Image options").click()
    page.get_by_label("Partial images", exact=True).select_option("3")
    send_prompt(page, "A slow mural of a city at night")
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    turn = page.locator("#turns > .turn").last
    expect(turn.locator("img.is-partial")).to_be_visible(timeout=20_000)
    turn.get_by_role("button", name="Stop").click()
    expect(turn.locator(".badge-cancelled")).to_be_visible()
    expect(turn).to_contain_text("Keep the last partial image as a draft?")
    turn.get_by_role("button", name="Keep as draft").click()
    expect(turn.get_by_role("link", name="Download")).to_be_visible()


def test_the_top_bars_month_spend_follows_each_finished_turn_without_a_reload(page, atelier_server):
    log_in(page, atelier_server)
    send_prompt(page, "A postcard of a yellow tram in Porto")
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    turns = page.locator("#turns > .turn")
    expect(turns.nth(0).locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    page.reload()  # the top bar as the server renders it, the first turn's cost counted
    spend = page.locator("#budget-meter strong")
    before = spend.inner_text()

    send_prompt(page, "now at night, in the rain")
    expect(turns.nth(1).locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    expect(spend).not_to_have_text(before)
    live = spend.inner_text()
    page.reload()
    expect(spend).to_have_text(live)  # what a reload shows: the month's spend, this turn counted
