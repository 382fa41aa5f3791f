"""Remove background and the text layer editor in Chromium: the matte slider re-renders the server's preview,
a text box is added, dragged and resized over the server's render, and both are saved as linked images."""

from __future__ import annotations

import hashlib
import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

UPLOAD = """
from PIL import Image, ImageDraw
import io
from django.contrib.auth import get_user_model
from studio.core.storage import store_image
image = Image.new("RGB", (900, 600), (12, 230, 40))
draw = ImageDraw.Draw(image)
draw.ellipse((300, 150, 600, 450), fill=(200, 40, 40))
draw.rectangle((410, 260, 490, 340), fill=(40, 60, 160))
out = io.BytesIO(); image.save(out, "PNG")
asset = store_image(get_user_model().objects.get(username="designer"), out.getvalue(), kind="upload")
print(asset.pk)
"""


@pytest.fixture
def image_id(page, atelier_server) -> str:
    log_in(page, atelier_server)
    return atelier_server.manage("shell", "-c", UPLOAD).strip().splitlines()[-1]


def test_the_matte_slider_rerenders_the_cut_out_and_save_keeps_it(
    page, atelier_server, image_id, artifacts_dir
):
    page.goto(f"{atelier_server.base_url}/images/{image_id}/cutout")
    preview = page.locator("img[data-cutout-preview]")
    expect(preview).to_be_visible(timeout=15000)
    first = preview.get_attribute("src")
    expect(page.get_by_text("not generated on a key colour")).to_be_visible()
    page.screenshot(path=artifacts_dir / "cutout-1440.png", full_page=True)

    page.get_by_label("Matte", exact=True).fill("90")
    expect(page.locator("[data-tightness-value]")).to_have_text("90")
    expect(page.locator('img[data-cutout-preview][data-tightness="90"]')).to_be_visible(timeout=15000)
    assert preview.get_attribute("src") != first

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts_dir / "cutout-390.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.get_by_role("button", name="Save the cut-out").click()
    expect(page.get_by_text("Saved the cut-out as image")).to_be_visible()
    expect(page.locator(".cutout-list li")).to_have_count(1)
    expect(page.get_by_role("link", name="Download cut-out")).to_be_visible()


def layers(page) -> list[dict]:
    return json.loads(page.locator("#id_layers").input_value())


def test_a_text_box_is_added_dragged_resized_and_exported_with_editable_layers(
    page, atelier_server, image_id, artifacts_dir
):
    page.goto(f"{atelier_server.base_url}/images/{image_id}/text")
    render = page.locator("img[data-text-render]")
    expect(render).to_be_visible()
    blank = render.get_attribute("src")

    page.get_by_role("button", name="Add text box").click()
    expect(render).not_to_have_attribute("src", blank, timeout=10000)
    page.get_by_label("Text", exact=True).fill("SUMMER SALE")
    page.get_by_label("Colour", exact=True).fill("#1a237e")
    with_text = render.get_attribute("src")
    expect(render).not_to_have_attribute("src", with_text, timeout=10000)
    assert layers(page)[0]["text"] == "SUMMER SALE" and layers(page)[0]["colour"] == "#1a237e"

    box = page.locator(".text-box").first
    before = layers(page)[0]
    bounds = box.bounding_box()
    scale = 900 / page.locator("#text-stage").bounding_box()["width"]
    page.mouse.move(bounds["x"] + bounds["width"] / 2, bounds["y"] + bounds["height"] / 2)
    page.mouse.down()
    page.mouse.move(bounds["x"] + bounds["width"] / 2 + 40, bounds["y"] + bounds["height"] / 2 + 60, steps=6)
    page.mouse.up()
    moved = layers(page)[0]
    assert (
        abs(moved["x"] - (before["x"] + 40 * scale)) <= 2
        and abs(moved["y"] - (before["y"] + 60 * scale)) <= 2
    )

    handle = page.locator(".text-box-handle").first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] - 60, handle["y"] + 20, steps=6)
    page.mouse.up()
    resized = layers(page)[0]
    assert resized["width"] < moved["width"] and resized["height"] > moved["height"]
    assert (resized["x"], resized["y"]) == (moved["x"], moved["y"])
    # The picture under the boxes catches up with the last change: the server's render of these very layers.
    latest = page.locator("#id_layers").input_value()
    digest = hashlib.sha256(latest.encode()).hexdigest()[:16]
    expect(page.locator(f'img[data-rendered="{digest}"]')).to_be_visible(timeout=10000)

    page.get_by_role("button", name="Write the prompt addition").click()
    expect(page.get_by_label("Add this to your prompt")).to_contain_text("empty")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts_dir / "text-editor-1440.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts_dir / "text-editor-390.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.get_by_label("Export as", exact=True).select_option("webp")
    page.get_by_role("button", name="Export image").click()
    expect(page.get_by_text("its layers stay editable here")).to_be_visible()
    assert page.url.rstrip("/") != f"{atelier_server.base_url}/images/{image_id}/text"
    expect(page.get_by_text(f"over its base image #{image_id}")).to_be_visible()
    expect(page.locator(".text-box")).to_have_count(1)
    assert layers(page)[0]["text"] == "SUMMER SALE" and layers(page)[0]["width"] == resized["width"]
