"""The Studio in a real browser: a draft arrives live, then the final of its second image, linked to it; the gallery
shows them."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_a_draft_then_its_final_arrive_live(page, atelier_server, artifacts_dir):
    log_in(page, atelier_server)
    page.get_by_role("link", name="Studio").click()
    page.get_by_label("Prompt", exact=True).fill("A travel poster of Lisbon trams at golden hour")
    page.get_by_label("Images", exact=True).fill("2")
    page.get_by_label("Partial images", exact=True).select_option("2")
    expect(page.locator("#estimate")).to_contain_text("$")
    page.get_by_role("button", name="Draft (low quality)").click()

    draft = page.locator(".job-item").first  # the card, and the Finalize form that opens under it
    expect(draft.locator("img.is-partial").first).to_be_visible(timeout=20_000)
    expect(draft.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    expect(draft.locator(".tile img")).to_have_count(2)
    expect(draft).to_contain_text("Draft")

    draft.get_by_role("button", name="Finalize image 2").click()
    form = draft.locator(".finalize-form")
    expect(form.locator(".finalize-cost")).to_contain_text("$")
    form.get_by_role("button", name="Finalize image 2").click()
    final = page.locator(".job-card").first
    expect(final).to_contain_text(re.compile(r"Final of #\d+"), timeout=10_000)
    expect(final.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    expect(final).to_contain_text("high")
    page.screenshot(path=artifacts_dir / "studio.png")

    page.get_by_role("link", name="Gallery").click()
    page.get_by_label("Search prompts", exact=True).fill("Lisbon trams")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".gallery-item")).to_have_count(3)  # the draft's two and the final of the second
    page.screenshot(path=artifacts_dir / "gallery.png")


def test_the_estimate_changes_with_the_options(page, atelier_server):
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/studio/")
    page.get_by_label("Quality", exact=True).select_option("low")
    page.get_by_label("Partial images", exact=True).select_option("0")
    expect(page.locator(".estimate-cost")).to_have_text("$0.006")
    page.get_by_label("Quality", exact=True).select_option("high")
    expect(page.locator(".estimate-cost")).to_have_text("$0.211")
    page.get_by_label("Model", exact=True).select_option("gpt-image-2")
    expect(page.get_by_label("Background", exact=True).locator("option[value=transparent]")).to_be_disabled()
