"""Our own request types: what a job asks for, validated before anything is stored or paid, stored as JSON
and read back the same."""

from __future__ import annotations

import pytest

from studio.core.requests import ImageOptions, ImageRequest, InvalidRequest, TurnRequest, from_json, to_json


def test_an_image_request_survives_its_json():
    request = ImageRequest(
        prompt="a kite",
        options=ImageOptions(size="1536x1024", quality="high", output_format="webp", output_compression=80),
        n=3,
        input_image_ids=(4, 2),
        mask_id=9,
        paste_back_feather=8,
    )
    assert from_json(to_json(request)) == request
    assert request.kind == "image_edit"


def test_a_turn_request_survives_its_json():
    request = TurnRequest(
        prompt="make it dusk",
        options=ImageOptions(partial_images=2),
        mainline_model="gpt-5.4",
        conversation_id=7,
        previous_response_id="resp_abc",
    )
    assert from_json(to_json(request)) == request
    assert request.kind == "response"


def test_reading_ignores_keys_it_does_not_know():
    data = {**to_json(ImageRequest(prompt="a kite")), "retired_field": 1}
    data["options"]["also_retired"] = True
    assert from_json(data) == ImageRequest(prompt="a kite")


@pytest.mark.parametrize(
    ("request_", "field", "message"),
    [
        (ImageRequest(prompt="  "), "prompt", "Write a prompt first."),
        (ImageRequest(prompt="x" * 32_001), "prompt", "at most 32,000 characters"),
        (ImageRequest(prompt="a", n=11), "n", "1 to 10"),
        (ImageRequest(prompt="a", options=ImageOptions(model="dall-e-3")), "model", "Unknown image model"),
        (ImageRequest(prompt="a", options=ImageOptions(size="1000x1000")), "size", "multiples of 16"),
        (ImageRequest(prompt="a", options=ImageOptions(partial_images=4)), "partial_images", "0 to 3"),
        (ImageRequest(prompt="a", options=ImageOptions(output_compression=50)), "output_compression", "JPEG"),
        (ImageRequest(prompt="a", options=ImageOptions(background="transparent")), "background", "cannot"),
        (
            ImageRequest(
                prompt="a",
                options=ImageOptions(model="gpt-image-1.5", background="transparent", output_format="jpeg"),
            ),
            "background",
            "needs PNG or WebP",
        ),
        (ImageRequest(prompt="a", mask_id=3), "mask", "needs an image"),
        (ImageRequest(prompt="a", input_image_ids=tuple(range(17))), "images", "at most 16"),
        (TurnRequest(prompt="a"), "mainline_model", "mainline model"),
    ],
)
def test_it_refuses_what_the_api_would_refuse(request_, field, message):
    with pytest.raises(InvalidRequest, match=message) as refused:
        request_.validate()
    assert refused.value.field == field


def test_transparency_with_png_or_webp_on_a_model_that_has_it_is_fine():
    for output_format in ("png", "webp"):
        options = ImageOptions(model="gpt-image-1.5", background="transparent", output_format=output_format)
        ImageRequest(prompt="a sticker", options=options).validate()
