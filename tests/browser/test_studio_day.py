"""The designer's day in the Studio (issue 15), in a real browser at 1440 and 390 px: the page empty and how it
starts a run, tiles that finish on their own, Finalize of the picked draft with its price first, tile actions that
can be read, and the month's spend following along.

These tests share one server (and its database) in this file's process, in order: the first sees an empty Studio.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}

# WCAG's contrast ratio of an element's text against what is really behind it: the first ancestor with an
# opaque background, with the translucent ones in between blended over it.
CONTRAST = """
(elements) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return elements.map((el) => {
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const rect = el.getBoundingClientRect();
    return { text: (el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05),
             visible: rect.width > 0 && rect.height > 0 && style.visibility !== "hidden" && Number(style.opacity) > 0.9 };
  });
}
"""

# Every element of a finished card that shows text of its own (the image stage aside: its notes sit on pictures).
CARD_TEXT = """
(card) => [...card.querySelectorAll("*")].filter((el) => !el.closest(".tile-stage") &&
  [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
"""


def low_contrast(page, locator) -> list[dict]:
    results = locator.evaluate_all(CONTRAST)
    assert results, "nothing to measure"
    return [r for r in results if not r["visible"] or r["ratio"] < 4.5]


def no_sideways_scroll(page) -> None:
    """Nothing of the Studio (the page's main part) reaches past the window's right edge. (The top bar is the
    shared layout's, measured by its own tests.)"""
    overflow = page.evaluate(
        """() => [...document.querySelectorAll("main *")]
             .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
             .map((el) => `${el.tagName}.${el.className} ends at ${el.getBoundingClientRect().right}`)"""
    )
    assert not overflow, f"the Studio scrolls sideways: {overflow[:5]}"


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["width"] > 0
    )


def open_studio(page, server) -> None:
    log_in(page, server)
    page.goto(f"{server.base_url}/studio/")
    expect(page.locator(".estimate-cost")).to_contain_text("$")


def start_draft(page, prompt: str, *, n: int = 1, partials: int = 0) -> None:
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Images", exact=True).fill(str(n))
    page.get_by_label("Partial images", exact=True).select_option(str(partials))
    jobs = page.locator(".job-item").count()
    page.get_by_role("button", name="Draft (low quality)").click()
    expect(page.locator(".job-item")).to_have_count(jobs + 1)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_the_empty_studio_fits_and_enter_never_starts_a_paid_run(
    page, atelier_server, artifacts_dir, viewport
):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.set_viewport_size(viewport)
    open_studio(page, atelier_server)
    jobs_before = page.locator(".job-item").count()
    if not jobs_before:  # the first run of this file: an empty Studio, seen at both widths
        expect(page.locator(".job-empty")).to_be_visible()
        for size in (PHONE, DESKTOP, viewport):
            page.set_viewport_size(size)
            page.screenshot(path=artifacts_dir / f"studio-empty-{size['width']}.png", full_page=True)
    # The Generate button is in view without scrolling, its price beside it; the page never scrolls sideways.
    assert in_view(page, page.get_by_role("button", name="Generate", exact=True))
    assert in_view(page, page.locator(".estimate-cost"))
    no_sideways_scroll(page)
    # A favicon, and no other missing file.
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{atelier_server.base_url}{icon}").ok
    assert not missing, missing

    # No stale placeholder: compression is off while the format (PNG) has none.
    expect(page.get_by_label("Compression", exact=True)).to_be_disabled()
    page.get_by_label("Format", exact=True).select_option("jpeg")
    expect(page.get_by_label("Compression", exact=True)).to_be_enabled()
    page.get_by_label("Format", exact=True).select_option("png")

    prompt = page.get_by_label("Prompt", exact=True)
    expect(page.locator("#id_prompt_help")).to_contain_text("Ctrl+Enter")
    prompt.fill("A risograph flyer for a bike repair cafe")
    prompt.press("End")
    prompt.press("Enter")
    page.get_by_label("Size", exact=True).press("Enter")
    page.wait_for_timeout(800)
    expect(page.locator(".job-item")).to_have_count(jobs_before)  # nothing was sent, nothing was paid
    assert prompt.input_value() == "A risograph flyer for a bike repair cafe\n"

    prompt.press("Control+Enter")
    expect(page.locator(".job-item")).to_have_count(jobs_before + 1)
    expect(page.locator(".job-empty")).to_be_hidden()  # the hint goes as soon as a job is listed
    expect(page.locator(".job-card").first.locator(".badge-succeeded")).to_be_visible(timeout=30_000)


def test_each_tile_shows_its_final_as_it_arrives_and_the_spend_follows(page, atelier_server, artifacts_dir):
    open_studio(page, atelier_server)
    spend = page.locator("#budget-meter strong")
    before = spend.inner_text()
    # Watch the first card: was any tile finished while the job was still running?
    page.evaluate(
        """() => { window.__earlyFinal = false; new MutationObserver(() => {
             const card = document.querySelector("#jobs .job-card");
             if (card && card.dataset.status !== "succeeded" && card.querySelector(".tile-final")) window.__earlyFinal = true;
             if (card) (window.__states ||= new Set()).add(card.dataset.status);
           }).observe(document.getElementById("jobs"), {subtree: true, childList: true, attributes: true}); }"""
    )
    start_draft(page, "Three badges for a botanical garden, flat, two colours", n=3, partials=2)
    card = page.locator(".job-card").first
    expect(card.locator("img.is-partial").first).to_be_visible(timeout=20_000)
    page.screenshot(path=artifacts_dir / "studio-live-tiles-1440.png")
    expect(card.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    assert page.evaluate("window.__earlyFinal"), "no tile showed its final before the whole job was done"
    # The card said it was running (it caught up with the row when its live channel opened).
    assert "running" in page.evaluate("[...window.__states]")
    expect(card.locator(".tile-final")).to_have_count(3)
    # The month's spend in the top bar moved when the job settled, without a reload.
    expect(spend).not_to_have_text(before)
    page.screenshot(path=artifacts_dir / "studio-finished-tiles-1440.png")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_tile_actions_are_labelled_and_readable(page, atelier_server, artifacts_dir, viewport):
    page.set_viewport_size(viewport)
    open_studio(page, atelier_server)
    card = page.locator(".job-card", has=page.locator(".tile-final")).first
    tile = card.locator(".tile").first
    expect(tile.get_by_role("button", name="Finalize image 1")).to_be_visible()
    for name in ("Edit a region of image 1", "Download image 1"):
        expect(tile.get_by_role("link", name=name)).to_be_visible()
    assert not low_contrast(page, card.locator(".tile-actions .btn")), "tile actions below 4.5:1"
    assert not low_contrast(page, card.locator(".job-actions .btn"))
    ratios = card.evaluate(f"(card) => ({CONTRAST})(({CARD_TEXT})(card))")
    weak = [r for r in ratios if r["ratio"] < 4.5]
    assert not weak, f"card text below 4.5:1: {weak}"
    no_sideways_scroll(page)
    card.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / f"studio-tiles-{viewport['width']}.png")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_finalize_the_picked_draft_with_its_price_first_and_a_bad_size_answered_in_place(
    page, atelier_server, artifacts_dir, viewport
):
    page.set_viewport_size(viewport)
    open_studio(page, atelier_server)
    start_draft(page, f"Two stamps of a lighthouse, {viewport['width']}", n=2)
    card_id = page.locator(".job-card").first.get_attribute("id")
    draft = page.locator(".job-item", has=page.locator(f"#{card_id}"))  # the card and its Finalize form
    expect(draft.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    cards = page.locator(".job-card").count()

    draft.get_by_role("button", name="Finalize image 2").click()
    form = draft.locator(".finalize-form")
    expect(form).to_contain_text("Finalize image 2")
    expect(form.locator(".finalize-cost")).to_contain_text("$")  # the price, before anything is sent
    assert not low_contrast(page, form.locator(".btn"))
    weak = [r for r in form.evaluate(f"(form) => ({CONTRAST})(({CARD_TEXT})(form))") if r["ratio"] < 4.5]
    assert not weak, f"Finalize form text below 4.5:1: {weak}"
    size = form.get_by_label("Final size", exact=True)
    expect(size).to_be_focused()
    size.fill("100x100")
    expect(form.locator(".finalize-estimate")).to_contain_text("No price")
    form.get_by_role("button", name="Finalize image 2").click()
    # Answered in place: the form says what is wrong; no card was added.
    expect(draft.locator(".finalize-form [role=alert]")).to_contain_text("multiples of 16")
    expect(page.locator(".job-card")).to_have_count(cards)
    no_sideways_scroll(page)
    draft.locator(".finalize-form").scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / f"studio-finalize-error-{viewport['width']}.png")

    form = draft.locator(".finalize-form")
    form.get_by_label("Final size", exact=True).fill("1024x1536")
    form.get_by_label("Final format", exact=True).select_option("webp")
    expect(form.locator(".finalize-cost")).to_contain_text("$")
    price = form.locator(".finalize-cost").inner_text()
    form.get_by_role("button", name="Finalize image 2").click()
    final = page.locator(".job-card").first
    expect(final).to_contain_text(re.compile(r"Final of #\d+"), timeout=10_000)
    expect(page.locator(".job-card")).to_have_count(cards + 1)
    expect(draft.locator(".finalize-form")).to_have_count(0)  # the form closes once sent
    expect(final.locator(".tile")).to_have_count(1)  # one image: the picked one, finished
    expect(final).to_contain_text("1024x1536")
    expect(final.locator(".job-cost")).to_contain_text(price.replace("≈ ", ""))
    expect(final.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    final.scroll_into_view_if_needed()
    expect(final.locator(".tile-stage img")).to_have_js_property("complete", True)
    page.screenshot(path=artifacts_dir / f"studio-finalized-{viewport['width']}.png")

    # The other choice, named as what it does: the prompt again at high quality.
    draft.get_by_role("button", name="Re-run the prompt at high quality…").click()
    expect(draft.locator(".finalize-form")).to_contain_text("new images")
    draft.get_by_role("button", name="Cancel").click()
    expect(draft.locator(".finalize-form")).to_have_count(0)
