"""The text layer editor: the server's render as the preview, exports that keep their layers editable and
re-render pixel for pixel, the "leave room for text" prompt, and who may do what."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from PIL import Image

from studio.core import overlays
from studio.core.storage import store_image
from studio.core.text_layers import TextLayer
from studio.models import ImageAsset
from tests.support.images import decode, encode

pytestmark = pytest.mark.django_db
WIDTH, HEIGHT = 640, 400
BOX = {"x": 100, "y": 60, "width": 400, "height": 120}
HEADLINE = {"text": "OPEN 24H", **BOX, "size": 64, "colour": "#000000", "font": "inter", "weight": "bold"}


@pytest.fixture
def base(alice) -> ImageAsset:
    return store_image(alice, encode(Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))), kind="upload")


def layers_post(*layers, output_format="png") -> dict:
    return {"layers": json.dumps(list(layers)), "output_format": output_format}


def pixels_of(data: bytes) -> np.ndarray:
    return np.asarray(decode(data).convert("RGB")).astype(int)


def preview_of(response) -> np.ndarray:
    src = re.search(rb'src="data:image/png;base64,([^"]+)"', response.content).group(1)
    return pixels_of(base64.b64decode(src))


def test_the_owner_sees_the_editor_with_its_controls(alice_client, base):
    page = alice_client.get(f"/images/{base.pk}/text")
    assert page.status_code == 200
    for part in (
        b"Add text box",
        b"Letter spacing",
        b"Outline",
        b"Shadow",
        b"Export image",
        b"Leave room for text",
    ):
        assert part in page.content
    assert f'data-width="{WIDTH}"'.encode() in page.content
    assert b"Noto Serif" in page.content and b"JetBrains Mono" in page.content


def test_other_users_and_anonymous_users_get_nothing(client, charlie, base):
    urls = [f"/images/{base.pk}/text/{action}" for action in ("preview", "room", "export")]
    assert client.get(f"/images/{base.pk}/text").status_code == 302
    for url in urls:
        assert client.post(url, layers_post(HEADLINE)).status_code == 302
    client.force_login(charlie)
    assert client.get(f"/images/{base.pk}/text").status_code == 404
    for url in urls:
        assert client.post(url, layers_post(HEADLINE)).status_code == 404
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.OVERLAY).exists()


def test_the_preview_draws_the_text_only_inside_its_box(alice_client, base):
    response = alice_client.post(f"/images/{base.pk}/text/preview", layers_post(HEADLINE))
    assert response.status_code == 200
    pixels = preview_of(response)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)  # small enough to be shown at full size
    ink = pixels.min(axis=2) < 128
    ys, xs = np.nonzero(ink)
    assert ink.sum() > 2000
    assert xs.min() >= BOX["x"] and xs.max() < BOX["x"] + BOX["width"]
    assert ys.min() >= BOX["y"] and ys.max() < BOX["y"] + BOX["height"]
    assert xs.min() - BOX["x"] <= 0.1 * 64  # left-aligned: the ink starts at the box's left edge
    # Exactly the string: the same pixels as the core's own render of that layer.
    assert (pixels == pixels_of(overlays.render(base, [TextLayer.from_dict(HEADLINE)]))).all()


def test_an_invalid_layer_is_refused_with_the_box_at_fault(alice_client, base):
    response = alice_client.post(
        f"/images/{base.pk}/text/preview", layers_post(HEADLINE, {**HEADLINE, "font": "comic-sans"})
    )
    assert response.status_code == 422
    assert b"Text box 2: Unknown font" in response.content
    garbled = alice_client.post(f"/images/{base.pk}/text/preview", {"layers": "{not json"})
    assert garbled.status_code == 422 and b"could not be read" in garbled.content


def test_an_export_is_a_new_linked_image_whose_layers_reopen_and_rerender_identically(alice_client, base):
    styled = {
        **HEADLINE,
        "outline": {"width": 2, "colour": "#ff0000"},
        "shadow": {"dx": 3, "dy": 3, "blur": 4, "colour": "#00000099"},
    }
    response = alice_client.post(f"/images/{base.pk}/text/export", layers_post(styled, output_format="png"))
    exported = ImageAsset.objects.get(kind=ImageAsset.Kind.OVERLAY)
    assert response.status_code == 302 and response.url == f"/images/{exported.pk}/text"
    assert exported.derived_from == base and exported.format == "png"
    assert exported.recipe["layers"][0]["text"] == "OPEN 24H"
    with exported.file.open("rb") as handle:
        stored = pixels_of(handle.read())
    again_base, again_layers = overlays.base_and_layers(exported)
    assert again_base == base
    assert (pixels_of(overlays.render(again_base, again_layers)) == stored).all()
    # Reopening the export shows its boxes over the base, and exporting again links to the same base.
    page = alice_client.get(f"/images/{exported.pk}/text")
    assert b"OPEN 24H" in page.content and f"over its base image #{base.pk}".encode() in page.content
    alice_client.post(
        f"/images/{exported.pk}/text/export",
        layers_post({**HEADLINE, "text": "CLOSED"}, output_format="webp"),
    )
    second = ImageAsset.objects.filter(kind=ImageAsset.Kind.OVERLAY).latest("pk")
    assert second.derived_from == base and second.format == "webp"


def test_an_export_needs_a_text_box(alice_client, base):
    response = alice_client.post(f"/images/{base.pk}/text/export", layers_post())
    assert response.status_code == 422
    assert b"Add a text box first" in response.content


def test_the_room_prompt_asks_for_empty_space_where_the_boxes_are(alice_client, base):
    top = {**HEADLINE, "x": 0, "y": 0, "width": WIDTH, "height": 130}
    response = alice_client.post(f"/images/{base.pk}/text/room", layers_post(top))
    assert response.status_code == 200
    assert b"the top third of the image, across the full width, empty for a headline" in response.content
    assert b"OPEN 24H" not in response.content  # the text itself is never quoted to the model
    assert b"data-copy" in response.content
    assert alice_client.post(f"/images/{base.pk}/text/room", layers_post()).status_code == 422
