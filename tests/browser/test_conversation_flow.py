"""The designer's day in a conversation, in Chromium at 1440 and 390 px: follow-ups typed while a turn runs
queue behind it (or go now as a branch), a failed turn's error is never under the composer, long
conversations open at the latest turn with lazy sized images, the branch map jumps and branches, and the
reference-image field is there and labelled."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, page):
    width, height = WIDTHS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    page.width_name = request.param
    return page


def send_prompt(page, text: str) -> None:
    page.get_by_label("Prompt", exact=True).fill(text)
    page.get_by_role("button", name="Generate").click()


def slow_partials(page) -> None:
    page.get_by_text("Image options").click()
    page.get_by_label("Partial images", exact=True).select_option("3")
    page.get_by_text("Image options").click()


def no_sideways_scroll(page) -> None:
    """Nothing of the conversation page (its main area) reaches past the right edge of the window."""
    wider = page.evaluate(
        """() => [...document.querySelectorAll('main, main *')]
              .filter((e) => e.getBoundingClientRect().right + window.scrollX > window.innerWidth + 1)
              .filter((e) => !e.closest('details:not([open]) > :not(summary)'))
              .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right + window.scrollX)}`)"""
    )
    assert wider == [], f"wider than the window: {wider[:5]}"


def test_a_follow_up_queues_behind_the_running_turn_or_goes_now_as_a_branch(
    page, atelier_server, artifacts_dir
):
    log_in(page, atelier_server)
    slow_partials(page)
    send_prompt(page, "A lighthouse at dusk, flat illustration")
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    slow_partials(page)
    send_prompt(page, "make it pink")
    turns = page.locator("#turns > .turn")
    pink = turns.nth(1)
    expect(pink).to_contain_text("Queued: will continue from the turn above")
    expect(pink).to_contain_text("Waiting for the turn above")
    page.screenshot(path=artifacts_dir / "conversation-queued.png")
    expect(turns.nth(0).locator(".badge-succeeded")).to_be_visible(timeout=60_000)
    send_prompt(page, "add stars")  # while "make it pink", sent as soon as the turn above finished, runs
    stars = turns.nth(2)
    expect(stars).to_contain_text("Queued: will continue from the turn above")
    stars.get_by_role("button", name="Send now as a branch").click()
    expect(stars.locator(".badge", has_text="Branch")).to_be_visible()
    expect(stars).not_to_contain_text("Queued: will continue from the turn above")

    for turn in (turns.nth(0), pink, stars):
        expect(turn.locator(".badge-succeeded")).to_be_visible(timeout=60_000)
    expect(pink.locator(".badge", has_text="Branch")).to_have_count(0)  # sent from the turn above, no branch
    # The map: the first turn's line goes on with "make it pink"; "add stars" branched from the first.
    branch_map = page.locator("#branch-map")
    expect(branch_map).to_contain_text("1 branch")
    expect(branch_map.locator(".branch-line .branch-line")).to_have_count(1)
    page.screenshot(path=artifacts_dir / "conversation-branch-1440.png", full_page=True)


def start_a_turn_and_a_follow_up_then_stop_the_first(page, atelier_server) -> None:
    log_in(page, atelier_server)
    slow_partials(page)
    send_prompt(page, "A slow mural of a harbour at night")
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    send_prompt(page, "add fishing boats")
    turns = page.locator("#turns > .turn")
    expect(turns.nth(1)).to_contain_text("Queued: will continue from the turn above")
    turns.nth(0).get_by_role("button", name="Stop").click()
    expect(turns.nth(0).locator(".badge-cancelled")).to_be_visible()
    discard = turns.nth(0).get_by_role("button", name="Discard")
    if discard.count():  # a partial had arrived: the follow-up waits for the draft's fate
        expect(turns.nth(1)).to_contain_text("keep or discard")
        discard.click()


def test_a_failed_turns_error_is_not_under_the_composer(sized_page, atelier_server, artifacts_dir):
    page = sized_page
    start_a_turn_and_a_follow_up_then_stop_the_first(page, atelier_server)
    failed = page.locator("#turns > .turn").nth(1)
    error = failed.locator(".turn-error")
    expect(error).to_contain_text("Not sent: the turn above")
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    expect(failed.get_by_role("button", name="Send now as a branch")).to_be_visible()
    page.wait_for_timeout(300)  # the reveal runs on the next frame
    # The top bar (base.html, another piece of work) may still overflow at 390 px: measure this page's own
    # layout from the left edge.
    page.evaluate("window.scrollTo(0, window.scrollY)")
    # Measured, not seen: the error box's corners and centre are the error box, not the composer.
    covered = page.evaluate(
        """() => {
          const box = document.querySelector('#turns > .turn:nth-child(2) .turn-error').getBoundingClientRect();
          const points = [[box.left + 8, box.top + 8], [box.right - 8, box.bottom - 8],
                          [(box.left + box.right) / 2, (box.top + box.bottom) / 2]];
          const hits = points.map(([x, y]) => [x, y, document.elementFromPoint(x, y)]);
          return hits.filter(([x, y, hit]) => !hit || !hit.closest('.turn-error'))
                     .map(([x, y, hit]) => `(${x}, ${y}): ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`);
        }"""
    )
    assert covered == [], "the composer (or something else) covers the failed turn's error"
    composer_top = page.locator("#composer").bounding_box()["y"]
    error_box = error.bounding_box()
    assert error_box["y"] + error_box["height"] <= composer_top
    no_sideways_scroll(page)
    page.screenshot(path=artifacts_dir / f"conversation-error-{page.width_name}.png")


def seed_long_conversation(atelier_server, turns: int = 60, size: int = 256) -> int:
    output = atelier_server.manage(
        "seed_conversation", "--turns", str(turns), "--size", str(size), "--branch-every", "9"
    )
    return int(output.strip().splitlines()[-1])


def test_a_long_conversation_opens_at_the_latest_turn_with_lazy_sized_images(
    sized_page, atelier_server, artifacts_dir
):
    page = sized_page
    conversation = seed_long_conversation(atelier_server)
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/c/{conversation}/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)

    last = page.locator("#turns > .turn").last
    expect(last).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 1000
    image = last.locator(".turn-stage img")
    assert image.get_attribute("loading") == "lazy"
    assert "thumb?w=256 256w" in image.get_attribute("srcset")
    assert image.get_attribute("width") == "256" and image.get_attribute("height") == "256"
    assert (
        last.get_by_role("link", name=re.compile("Open the full image")).get_attribute("href").endswith("/")
    )
    # Lazy: only the images near the latest turns were fetched, as thumbnails; never the full files.
    fetched = page.evaluate(
        "performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/images/'))"
    )
    stage_images = [url for url in fetched if re.search(r"thumb\?w=(256|512|1024)$", url)]
    assert 0 < len(stage_images) < 12
    assert len([url for url in fetched if url.endswith("thumb?w=128")]) < 45  # the map's, near its view
    assert not [url for url in fetched if re.search(r"/images/\d+/$", url)]
    no_sideways_scroll(page)
    page.screenshot(path=artifacts_dir / f"conversation-long-{page.width_name}.png")

    # The branch map: a node jumps to its turn; "Branch from here" sets the composer to branch.
    toggle = page.locator("#branch-map-toggle")
    if not toggle.evaluate("(details) => details.open"):
        page.evaluate("window.scrollTo(0, 0)")
        toggle.locator("summary").click()
    page.screenshot(path=artifacts_dir / f"conversation-map-{page.width_name}.png")
    node = page.locator("#branch-map .branch-link", has_text="Turn 5:").first
    node.click()
    expect(page).to_have_url(re.compile(r"#turn-\d+$"))
    target = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{target}")).to_be_in_viewport()
    expect(page.locator(f"#{target}")).to_contain_text("Turn 5:")
    page.locator("#branch-map .branch-node", has_text="Turn 3:").first.get_by_role(
        "button", name=re.compile("Branch from")
    ).first.click()
    chip = page.locator("#branch-chip")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("Branching from “Turn 3:")
    no_sideways_scroll(page)


def test_the_reference_field_is_visible_labelled_and_sent(
    sized_page, atelier_server, artifacts_dir, tmp_path
):
    page = sized_page
    log_in(page, atelier_server)
    field = page.get_by_label("Reference images")
    expect(field).to_be_visible()
    from tests.support.images import solid

    reference = tmp_path / "reference.png"
    reference.write_bytes(solid((320, 200)))
    field.set_input_files(reference)
    send_prompt(page, f"A poster in the style of the reference ({page.width_name})")
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    expect(page.locator("#turns > .turn").last.locator(".badge-succeeded")).to_be_visible(timeout=60_000)
    sent = atelier_server.manage(
        "shell",
        "-c",
        "from studio.models import GenerationJob; j = GenerationJob.objects.latest('pk'); "
        "print(len(j.request['input_image_ids']), j.images.model.objects.get(pk=j.request['input_image_ids'][0]).width)",
    )
    assert sent.strip().splitlines()[-1].split() == ["1", "320"]
    no_sideways_scroll(page)
    # The header's title, Rename, cost and Delete do not overlap (they wrap on a phone).
    boxes = [
        page.locator(selector).bounding_box()
        for selector in ("#thread-title", ".rename-form button", "#conversation-cost", ".thread-meta button")
    ]
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            apart = (
                one["x"] + one["width"] <= other["x"] + 1
                or other["x"] + other["width"] <= one["x"] + 1
                or one["y"] + one["height"] <= other["y"] + 1
                or other["y"] + other["height"] <= one["y"] + 1
            )
            assert apart, f"header controls overlap: {one} {other}"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts_dir / f"conversation-short-top-{page.width_name}.png")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.screenshot(path=artifacts_dir / f"conversation-short-{page.width_name}.png")


def test_the_latest_turns_other_formats_menu_opens_clear_of_the_composer_and_closes_on_escape(
    sized_page, atelier_server, artifacts_dir
):
    page = sized_page
    conversation = seed_long_conversation(atelier_server, turns=3, size=1024)
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/c/{conversation}/")
    page.wait_for_load_state("load")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    latest = page.locator("#turns > .turn").last
    toggle = latest.get_by_label("Other download formats")
    menu = latest.locator(".download-menu")
    toggle.click()
    webp = latest.get_by_role("link", name="Download WebP")
    expect(webp).to_be_visible()
    page.wait_for_timeout(100)  # the menu has found its side
    page.screenshot(path=artifacts_dir / f"conversation-download-menu-{page.width_name}.png")
    # Every item is inside the window and is what is under the pointer there, not the composer.
    covered = page.evaluate(
        """(menu) => [...menu.querySelectorAll('.menu a')].flatMap((item) => {
          const box = item.getBoundingClientRect();
          const points = [[box.left + 4, box.top + 4], [box.right - 4, box.bottom - 4]];
          return points.filter(([x, y]) => y < 0 || y > innerHeight || document.elementFromPoint(x, y) !== item)
                       .map(([x, y]) => `${item.textContent} at (${x}, ${y})`);
        })""",
        menu.element_handle(),
    )
    assert covered == [], f"menu items hidden or covered: {covered}"
    with page.expect_download() as download:
        webp.click(timeout=5_000)
    assert download.value.suggested_filename.endswith(".webp")

    # Escape closes it, from an item or from its toggle, and gives the focus back to the toggle.
    webp.focus()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(toggle).to_be_focused()
    # The shortcut sheet opened from an open menu does not leave it open behind.
    page.keyboard.press("Enter")
    page.keyboard.press("?")
    expect(page.locator("#shortcut-sheet")).to_be_visible()
    expect(menu).not_to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-sheet")).to_be_hidden()
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(toggle).to_be_focused()
    # The shortcut sheet opened from an open menu does not leave it open behind.
    page.keyboard.press("Enter")
    page.keyboard.press("?")
    expect(page.locator("#shortcut-sheet")).to_be_visible()
    expect(menu).not_to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-sheet")).to_be_hidden()
    expect(toggle).to_be_focused()
