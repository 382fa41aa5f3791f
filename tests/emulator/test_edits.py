"""POST /v1/images/edits: multipart as the SDK sends it, masks that guide (and leak), references that shape."""

from __future__ import annotations

import hashlib
import io

import openai
import pytest
from PIL import Image, ImageChops, ImageDraw

from tests.support.emulator import start_emulator

from .conftest import data_url, decode, png_bytes


def photo(size=(1024, 1024), colour=(40, 120, 200)) -> tuple[str, bytes, str]:
    return ("photo.png", png_bytes(size, colour), "image/png")


def hole_mask(size=(1024, 1024), box=(256, 256, 768, 768)) -> bytes:
    """Opaque everywhere except a transparent square: the area to edit."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle(box, fill=(0, 0, 0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def changed(before: Image.Image, after: Image.Image, box) -> float:
    """Mean absolute difference (0-255) inside `box`."""
    difference = ImageChops.difference(before.convert("RGB").crop(box), after.convert("RGB").crop(box))
    histogram = difference.convert("L").histogram()
    return sum(level * count for level, count in enumerate(histogram)) / sum(histogram)


def test_it_edits_one_image_sent_as_image(client, emulator):
    result = client.images.edit(model="gpt-image-2", prompt="Make it a poster", image=photo((1536, 1024)))

    assert decode(result.data[0].b64_json).size == (1536, 1024)
    record = [entry for entry in emulator.received() if entry["path"] == "/v1/images/edits"][-1]
    assert [file["field"] for file in record["files"]] == ["image"]
    assert record["form"]["prompt"] == "Make it a poster"


def test_it_takes_repeated_image_fields_and_records_their_digests(client, emulator):
    images = [photo(colour=(index * 60, 90, 90)) for index in range(3)]
    result = client.images.edit(
        model="gpt-image-1.5", prompt="A gift basket", image=images, input_fidelity="high"
    )

    assert decode(result.data[0].b64_json).size == (1024, 1024)
    record = [entry for entry in emulator.received() if entry["path"] == "/v1/images/edits"][-1]
    assert [file["field"] for file in record["files"]] == ["image[]"] * 3
    assert record["files"][0]["sha256"] == hashlib.sha256(images[0][1]).hexdigest()
    assert record["files"][0]["content_type"] == "image/png"
    assert record["form"]["input_fidelity"] == "high"


def test_it_bills_input_image_tokens_for_every_image(client):
    one = client.images.edit(model="gpt-image-2", prompt="A basket", image=photo())
    two = client.images.edit(model="gpt-image-2", prompt="A basket", image=[photo(), photo(colour=(1, 2, 3))])

    assert one.usage.input_tokens_details.image_tokens == 768
    assert two.usage.input_tokens_details.image_tokens == 2 * 768


def test_it_sizes_an_auto_edit_like_its_first_image(client):
    result = client.images.edit(
        model="gpt-image-2", prompt="Brighter", image=photo((1536, 1024)), size="auto"
    )

    assert result.size == "1536x1024"


def test_it_changes_the_masked_area_and_leaks_a_little_outside(client):
    original = photo()
    result = client.images.edit(
        model="gpt-image-2",
        prompt="A big red balloon",
        image=original,
        mask=("mask.png", hole_mask(), "image/png"),
    )
    before, after = Image.new("RGB", (1024, 1024), original_colour(original)), decode(result.data[0].b64_json)

    inside = changed(before, after, (300, 300, 700, 700))
    outside = changed(before, after, (0, 0, 200, 200))
    assert inside > 20
    assert 0 < outside < inside / 4


def original_colour(image_tuple) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(image_tuple[1])).convert("RGB").getpixel((0, 0))


def test_it_keeps_pixels_outside_the_mask_when_the_leak_is_switched_off():
    leakless = start_emulator(env={"ATELIER_EMULATOR_EDIT_LEAK": "0"})
    try:
        client = openai.OpenAI(base_url=leakless.base_url, api_key="sk-test")
        original = photo()
        result = client.images.edit(
            model="gpt-image-2",
            prompt="A red balloon",
            image=original,
            mask=("mask.png", hole_mask(), "image/png"),
        )
    finally:
        leakless.stop()
    before, after = Image.new("RGB", (1024, 1024), original_colour(original)), decode(result.data[0].b64_json)

    assert changed(before, after, (0, 0, 250, 250)) == 0
    assert changed(before, after, (300, 300, 700, 700)) > 20


def test_it_lets_reference_images_shape_the_result(client):
    plain = client.images.edit(
        model="gpt-image-2", prompt="A product poster", image=photo(colour=(250, 250, 250))
    )
    red = client.images.edit(
        model="gpt-image-2", prompt="A product poster", image=photo(colour=(220, 20, 20))
    )

    plain_image, red_image = decode(plain.data[0].b64_json), decode(red.data[0].b64_json)
    assert changed(plain_image, red_image, (0, 0, 1024, 1024)) > 5


def test_it_gives_the_same_bytes_for_the_same_edit(client):
    def run() -> str:
        mask = ("mask.png", hole_mask(), "image/png")
        return (
            client.images.edit(model="gpt-image-2", prompt="A moon", image=photo(), mask=mask)
            .data[0]
            .b64_json
        )

    assert run() == run()


def test_it_streams_an_edit(client):
    stream = client.images.edit(
        model="gpt-image-2",
        prompt="A moon",
        image=photo(),
        stream=True,
        partial_images=2,
        output_format="jpeg",
    )
    events = list(stream)

    assert [event.type for event in events] == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    assert decode(events[-1].b64_json).format == "JPEG"
    assert events[-1].usage.input_tokens_details.image_tokens == 768


@pytest.mark.asyncio
async def test_it_serves_edits_to_the_async_client(async_client):
    result = await async_client.images.edit(model="gpt-image-2", prompt="A moon", image=photo())

    assert decode(result.data[0].b64_json).size == (1024, 1024)


def test_it_takes_the_json_edit_body_of_the_published_spec(client):
    result = client.post(
        "/images/edits",
        cast_to=object,
        body={
            "model": "gpt-image-1.5",
            "prompt": "Replace the background with a snowy mountain scene",
            "images": [{"image_url": data_url(png_bytes((1024, 1536)))}],
            "output_format": "jpeg",
        },
    )

    assert decode(result["data"][0]["b64_json"]).size == (1024, 1536)
    assert result["output_format"] == "jpeg"


@pytest.mark.parametrize(
    ("images", "code", "param"),
    [
        ([], "missing_required_parameter", "images"),
        (
            [{"image_url": "data:image/png;base64," + "A" * 20_971_520}],
            "string_above_max_length",
            "images[0].image_url",
        ),
    ],
    ids=["no images", "an image_url over the spec's maxLength"],
)
def test_it_names_the_json_bodys_own_fields_when_it_refuses_them(client, images, code, param):
    body = {"model": "gpt-image-2", "prompt": "A hat", "images": images}
    with pytest.raises(openai.BadRequestError) as caught:
        client.post("/images/edits", cast_to=object, body=body)

    assert (caught.value.code, caught.value.param) == (code, param)
