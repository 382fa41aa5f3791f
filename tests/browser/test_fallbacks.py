"""Prompt checks and a blocked job's fallbacks in a real browser, on the emulator: the flag shows before
sending (its `[flag]` marker), and a job the emulator blocks (`[block]`) gets to a usable image by a
rephrasing, and by a gallery image."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def block_a_job(page, server, prompt: str):
    page.goto(f"{server.base_url}/studio/")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Partial images", exact=True).select_option("0")
    page.get_by_role("button", name="Draft (low quality)").click()
    card = page.locator(".job-card").first
    expect(card).to_contain_text("[block]")
    page.wait_for_timeout(3_000)
    page.reload()  # the row is the truth, whether or not the card heard of the block live
    card = page.locator(".job-card").first
    expect(card.locator(".badge-failed")).to_be_visible(timeout=30_000)
    expect(card.locator(".fallbacks h3")).to_have_text(
        "Blocked by moderation: ways around it", timeout=10_000
    )
    return card


def test_the_prompt_check_flags_before_sending(page, atelier_server):
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/studio/")

    page.get_by_label("Prompt", exact=True).fill("A knight [flag:violence/graphic] in battle")

    expect(page.locator("#prompt-check")).to_contain_text("Graphic violence", timeout=5_000)
    expect(page.locator("#prompt-check")).to_contain_text("You can still send it")


def test_a_blocked_job_gets_a_rephrased_image(page, atelier_server, artifacts_dir):
    log_in(page, atelier_server)
    card = block_a_job(page, atelier_server, "A knight [block] in a bloody battle, poster")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        card.scroll_into_view_if_needed()
        page.screenshot(path=artifacts_dir / f"fallbacks-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    card.get_by_role("button", name="Suggest a rephrasing").click()
    prompt = card.get_by_label("Rephrased prompt")
    expect(prompt).to_have_value(
        "A knight in a dramatic contest, poster, shown in a calm, non-graphic way suitable for all audiences."
    )
    expect(card).to_contain_text("cost $")
    card.get_by_role("button", name="Send rephrased").click()

    new = page.locator(".job-card").first
    expect(new).to_contain_text("A knight in a dramatic contest", timeout=10_000)
    expect(new.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-resolution=rephrased]")).to_be_visible(timeout=10_000)


def test_a_blocked_job_gets_an_image_from_the_gallery(page, atelier_server):
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/studio/")
    page.get_by_label("Prompt", exact=True).fill("A castle gate at dusk")
    page.get_by_label("Partial images", exact=True).select_option("0")
    page.get_by_role("button", name="Draft (low quality)").click()
    expect(page.locator(".job-card").first.locator(".badge-succeeded")).to_be_visible(timeout=30_000)

    card = block_a_job(page, atelier_server, "A castle gate [block] at dusk")
    card.locator(".fallback-pick").first.click()

    picked = card.locator(".fallback-picked")
    expect(picked).to_contain_text("From your gallery")
    expect(picked.get_by_role("link", name="Edit region")).to_be_visible()
    expect(card.locator("[data-resolution=fallback_image]")).to_be_visible()
