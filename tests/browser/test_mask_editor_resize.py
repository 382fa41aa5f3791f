"""The mask editor when the window changes size: a fitted image fits again (a phone's window widened, a desktop's
narrowed, a phone turned); a view the designer zoomed or panned is kept, with the image still within reach."""

from __future__ import annotations

import pytest

from tests.browser.test_mask_editor import exported_alpha, open_editor, set_brush, stroke

EDITOR = "document.getElementById('mask-editor').maskEditor"

# The image, fitted to the stage as it is now: centred, whole, and filling it one way.
IS_FITTED = f"""() => {{
  const e = {EDITOR};
  const stage = e.viewport.getBoundingClientRect();
  const width = e.width * e.zoom, height = e.height * e.zoom;
  const centred = Math.abs(e.offset.x - (stage.width - width) / 2) < 1
    && Math.abs(e.offset.y - (stage.height - height) / 2) < 1;
  const whole = width <= stage.width && height <= stage.height;
  return centred && whole && Math.max(width / stage.width, height / stage.height) > 0.9;
}}"""

# The image on the stage: where it is, and how much of it shows.
VIEW = f"""() => {{
  const e = {EDITOR};
  const stage = e.viewport.getBoundingClientRect();
  const left = Math.max(0, e.offset.x), right = Math.min(stage.width, e.offset.x + e.width * e.zoom);
  const top = Math.max(0, e.offset.y), bottom = Math.min(stage.height, e.offset.y + e.height * e.zoom);
  return {{ zoom: e.zoom, x: e.offset.x, shownWidth: right - left, shownHeight: bottom - top }};
}}"""


@pytest.fixture
def editor(page, atelier_server):
    open_editor(page, atelier_server)
    return page


@pytest.fixture
def phone(phone_page, atelier_server):
    open_editor(phone_page, atelier_server)
    return phone_page


def test_opened_on_a_phone_then_widened_or_turned_the_image_fits_again(phone, artifacts_dir):
    page = phone
    page.wait_for_function(IS_FITTED)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_function(IS_FITTED, timeout=3_000)
    page.screenshot(path=artifacts_dir / "mask-editor-390-widened-to-1440.png")
    # Painting after the refit lands where the image now is.
    set_brush(page, 40)
    stroke(page, [(300, 300), (500, 300)])
    alpha = exported_alpha(page)
    assert alpha.getpixel((400, 300)) == 0
    assert alpha.getpixel((400, 100)) == 255
    page.set_viewport_size({"width": 844, "height": 390})  # the phone turned on its side
    page.wait_for_function(IS_FITTED, timeout=3_000)


def test_opened_on_a_desktop_then_narrowed_the_image_is_not_cut_off(editor, artifacts_dir):
    page = editor
    page.wait_for_function(IS_FITTED)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(IS_FITTED, timeout=3_000)
    page.screenshot(path=artifacts_dir / "mask-editor-1440-narrowed-to-390.png")


def test_a_zoomed_and_panned_view_is_kept_within_reach_until_fit(editor):
    page = editor
    page.wait_for_function(IS_FITTED)
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    # Pan the image far to the right (Space and drag), its left edge past where a phone's stage ends.
    page.locator(".mask-editor").focus()
    stage = page.locator(".editor-viewport").bounding_box()
    page.keyboard.down("Space")
    page.mouse.move(stage["x"] + 100, stage["y"] + 200)
    page.mouse.down()
    page.mouse.move(stage["x"] + 900, stage["y"] + 200, steps=10)
    page.mouse.up()
    page.keyboard.up("Space")
    zoomed = page.evaluate(VIEW)
    assert zoomed["x"] > 500

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(f"() => ({VIEW})().shownWidth >= 48", timeout=3_000)
    view = page.evaluate(VIEW)
    assert view["zoom"] == zoomed["zoom"]  # the designer's zoom is kept
    assert view["shownHeight"] >= 48

    page.get_by_role("button", name="Fit").click()
    page.wait_for_function(IS_FITTED)
    page.set_viewport_size({"width": 1440, "height": 900})  # fitted again: it fits again
    page.wait_for_function(IS_FITTED, timeout=3_000)
