"""The mask editor in Chromium: strokes, undo and redo, invert, shortcuts, and the exported PNG's alpha."""

from __future__ import annotations

import base64
import io

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


@pytest.fixture
def editor(page, atelier_server):
    image_id = atelier_server.manage("shell", "-c", UPLOAD).strip().splitlines()[-1]
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/images/{image_id}/edit")
    expect(page.get_by_role("img", name="The image with its mask")).to_be_visible()
    page.wait_for_function("document.getElementById('mask-editor').maskEditor?.image.complete")
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
    page.get_by_label("Brush size").fill(str(size))
    page.get_by_label("Hardness").fill(str(hardness))


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
    page.get_by_role("button", name="Shortcuts").click()
    page.screenshot(path=artifacts_dir / "mask-editor.png")


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
    before = int(page.get_by_label("Brush size").input_value())
    page.keyboard.press("BracketRight")
    assert int(page.get_by_label("Brush size").input_value()) > before
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
    page.wait_for_function("!document.getElementById('mask-editor').maskEditor.isEmpty()")
    alpha = exported_alpha(page)
    assert alpha.getpixel((400, 250)) == 0
    assert alpha.getpixel((100, 500)) == 255
