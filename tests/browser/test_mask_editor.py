"""The mask editor in Chromium: strokes, undo and redo, invert, shortcuts, and the exported PNG's alpha."""

from __future__ import annotations

import base64
import io
import itertools

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import log_in

UPLOAD = """
import io
from PIL import Image
from django.contrib.auth import get_user_model
from studio.core.storage import store_image
image = Image.new("RGB", (800, 600), (40, 90, 160))
out = io.BytesIO(); image.save(out, "PNG")
asset = store_image(get_user_model().objects.get(username="designer"), out.getvalue(), kind="upload")
print(asset.pk)
"""


def open_editor(page, server) -> None:
    image_id = server.manage("shell", "-c", UPLOAD).strip().splitlines()[-1]
    log_in(page, server)
    page.goto(f"{server.base_url}/images/{image_id}/edit")
    expect(page.get_by_role("img", name="The image with its mask")).to_be_visible()
    page.wait_for_function("() => document.getElementById('mask-editor').maskEditor?.image.complete")


@pytest.fixture
def editor(page, atelier_server):
    open_editor(page, atelier_server)
    return page


def to_screen(page, x: float, y: float) -> tuple[float, float]:
    """Image pixel -> page coordinates, through the editor's own zoom and offset."""
    return page.evaluate(
        """([x, y]) => {
          const e = document.getElementById('mask-editor').maskEditor;
          const r = e.viewport.getBoundingClientRect();
          return [r.left + e.offset.x + x * e.zoom, r.top + e.offset.y + y * e.zoom];
        }""",
        [x, y],
    )


def stroke(page, points) -> None:
    page.mouse.move(*to_screen(page, *points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*to_screen(page, *point), steps=8)
    page.mouse.up()


def exported_alpha(page) -> Image.Image:
    data_url = page.evaluate(
        """async () => {
          const blob = await document.getElementById('mask-editor').maskEditor.exportMask();
          return await new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(blob); });
        }"""
    )
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    assert image.mode == "RGBA"
    return image.getchannel("A")


def set_brush(page, size: int, hardness: int = 100) -> None:
    page.get_by_label("Brush size", exact=True).fill(str(size))
    page.get_by_label("Hardness", exact=True).fill(str(hardness))


def test_it_exports_alpha_where_the_strokes_went(editor, artifacts_dir):
    page = editor
    set_brush(page, 40)
    stroke(page, [(100, 100), (400, 100)])
    stroke(page, [(600, 300), (600, 500)])
    alpha = exported_alpha(page)
    assert alpha.size == (800, 600)
    for point in [(100, 100), (250, 100), (400, 100), (600, 300), (600, 420), (600, 500)]:
        assert alpha.getpixel(point) == 0, point
    for point in [(100, 200), (300, 400), (750, 50), (10, 590), (600, 200)]:
        assert alpha.getpixel(point) == 255, point
    page.screenshot(path=artifacts_dir / "mask-editor.png")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Invert the mask")
    page.screenshot(path=artifacts_dir / "mask-editor-shortcuts.png")


def test_undo_redo_invert_and_clear(editor):
    page = editor
    set_brush(page, 40)
    stroke(page, [(200, 200), (300, 200)])
    page.get_by_role("button", name="Undo").click()
    assert page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")
    page.get_by_role("button", name="Redo").click()
    assert exported_alpha(page).getpixel((250, 200)) == 0
    page.get_by_role("button", name="Invert").click()
    inverted = exported_alpha(page)
    assert inverted.getpixel((250, 200)) == 255
    assert inverted.getpixel((700, 500)) == 0
    page.get_by_role("button", name="Clear").click()
    assert page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")
    page.get_by_role("button", name="Fill").click()
    assert exported_alpha(page).getpixel((10, 10)) == 0


def test_keyboard_shortcuts_match_on_the_key_code(editor):
    page = editor
    set_brush(page, 40)
    stroke(page, [(100, 300), (200, 300)])
    page.keyboard.press("Control+KeyZ")
    assert page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")
    page.keyboard.press("Control+Shift+KeyZ")
    assert not page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")
    before = int(page.get_by_label("Brush size", exact=True).input_value())
    page.keyboard.press("BracketRight")
    assert int(page.get_by_label("Brush size", exact=True).input_value()) > before
    page.keyboard.press("KeyE")
    expect(page.get_by_role("button", name="Eraser")).to_have_attribute("aria-pressed", "true")
    stroke(page, [(100, 300), (200, 300)])
    assert page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")


def test_sending_attaches_the_mask_and_reopening_restores_it(editor, atelier_server):
    page = editor
    set_brush(page, 60)
    stroke(page, [(300, 250), (500, 250)])
    page.get_by_label("What should change?").fill("a bright window")
    page.get_by_role("button", name="Send the edit").click()
    page.wait_for_url(f"{atelier_server.base_url}/studio/")
    expect(page.locator(".job-card").first.locator(".badge-succeeded")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("slider", name="Compare before and after").first).to_be_visible()
    page.go_back()
    page.reload()
    page.wait_for_function("() => !document.getElementById('mask-editor').maskEditor.isEmpty()")
    alpha = exported_alpha(page)
    assert alpha.getpixel((400, 250)) == 0
    assert alpha.getpixel((100, 500)) == 255


def test_space_presses_a_focused_button_or_checkbox_instead_of_panning(editor):
    page = editor
    eraser = page.get_by_role("button", name="Eraser")
    eraser.focus()
    page.keyboard.press("Space")
    expect(eraser).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Brush").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Brush")).to_have_attribute("aria-pressed", "true")
    paste_back = page.get_by_role("checkbox").first
    before = paste_back.is_checked()
    paste_back.focus()
    page.keyboard.press("Space")
    assert paste_back.is_checked() is not before
    assert page.evaluate("!document.getElementById('mask-editor').hasAttribute('data-panning')")
    # Space over the canvas (nothing pressable focused) still pans.
    page.locator(".mask-editor").focus()
    page.keyboard.down("Space")
    assert page.evaluate("document.getElementById('mask-editor').hasAttribute('data-panning')")
    page.keyboard.up("Space")


def test_shortcuts_never_fire_while_typing_in_the_prompt(editor):
    page = editor
    set_brush(page, 40)
    stroke(page, [(100, 300), (200, 300)])
    prompt = page.get_by_label("What should change?")
    prompt.press_sequentially("bright [window] in the eaves ")
    prompt.press("Control+KeyZ")  # the field's own undo, not the mask's
    expect(page.get_by_role("button", name="Brush")).to_have_attribute("aria-pressed", "true")
    assert int(page.get_by_label("Brush size", exact=True).input_value()) == 40
    assert not page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")


@pytest.fixture
def phone(phone_page, atelier_server):
    open_editor(phone_page, atelier_server)
    return phone_page


def touch_stroke(page, points) -> None:
    """A one-finger stroke, as Chromium's own touch input (the pointer events a touch screen sends)."""
    cdp = page.context.new_cdp_session(page)
    screen = [to_screen(page, *point) for point in points]

    def touch(kind: str, at=None) -> None:
        touches = [{"x": at[0], "y": at[1], "id": 1, "radiusX": 4, "radiusY": 4, "force": 1}] if at else []
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

    touch("touchStart", screen[0])
    for (x0, y0), (x1, y1) in itertools.pairwise(screen):
        for step in range(1, 9):
            touch("touchMove", (x0 + (x1 - x0) * step / 8, y0 + (y1 - y0) * step / 8))
    touch("touchEnd")
    cdp.detach()


def test_painting_with_a_finger_on_a_phone(phone, artifacts_dir):
    page = phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for part in (page.locator(".editor-viewport"), page.locator(".editor-toolbar")):
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    toolbar = page.locator(".editor-toolbar")
    for control in toolbar.get_by_role("button").all():
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, control.inner_text()
    page.get_by_label("Brush size", exact=True).fill("60")
    page.get_by_label("Hardness", exact=True).fill("100")
    touch_stroke(page, [(100, 300), (250, 300), (400, 300)])
    alpha = exported_alpha(page)
    assert alpha.getpixel((250, 300)) == 0
    assert alpha.getpixel((700, 100)) == 255
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # painting did not scroll the page
    page.screenshot(path=artifacts_dir / "mask-editor-390.png", full_page=True)


def test_a_mask_dropped_or_pasted_on_the_editor_replaces_the_painted_one(editor):
    from tests.browser.file_events import DROP
    from tests.support.images import alpha_mask

    page = editor
    expect(page.get_by_text("Or drop a mask on the image, or paste one")).to_be_visible()
    mask = base64.b64encode(alpha_mask((800, 600), (500, 100, 700, 300))).decode()
    page.evaluate(DROP, ["drop", ".editor-canvas", mask, "mask.png"])
    page.wait_for_function("() => !document.getElementById('mask-editor').maskEditor.isEmpty()")
    alpha = exported_alpha(page)
    assert alpha.getpixel((600, 200)) == 0
    assert alpha.getpixel((100, 500)) == 255
    page.get_by_role("button", name="Undo").click()
    assert page.evaluate("document.getElementById('mask-editor').maskEditor.isEmpty()")
    other = base64.b64encode(alpha_mask((800, 600), (0, 0, 100, 100))).decode()
    page.evaluate(DROP, ["paste", ".mask-editor", other, "pasted.png"])
    page.wait_for_function("() => !document.getElementById('mask-editor').maskEditor.isEmpty()")
    assert exported_alpha(page).getpixel((50, 50)) == 0
