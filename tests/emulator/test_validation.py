"""Every validation error reaches the SDK as the real server's exception, with its `code` and `param`."""

from __future__ import annotations

import io

import httpx2
import openai
import pytest
from PIL import Image

from .conftest import data_url, decode, png_bytes

AUTH = {"Authorization": "Bearer sk-test"}


def generate(**params):
    return lambda client: client.images.generate(**{"model": "gpt-image-2", "prompt": "A kite", **params})


def edit(image=None, **params):
    image = image or ("photo.png", png_bytes((1024, 1024)), "image/png")
    return lambda client: client.images.edit(
        **{"model": "gpt-image-2", "prompt": "A hat", "image": image, **params}
    )


def respond(tool=None, **params):
    tool = {"type": "image_generation", **(tool or {})}
    body = {"model": "gpt-5.4", "input": "A kite", "tools": [tool], **params}
    return lambda client: client.responses.create(**body)


def rgba_png(size, alpha=0) -> bytes:
    return png_bytes(size, (0, 0, 0, alpha), mode="RGBA")


def jpeg_bytes(size) -> bytes:
    return encoded(Image.new("RGB", size), "JPEG")


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def image_input(url: str, detail: str = "auto") -> list[dict]:
    content = [
        {"type": "input_text", "text": "Edit this"},
        {"type": "input_image", "image_url": url, "detail": detail},
    ]
    return [{"role": "user", "content": content}]


CASES = {
    "an unknown model": (generate(model="gpt-image-9"), "invalid_value", "model"),
    "a retired model": (generate(model="dall-e-3"), "invalid_value", "model"),
    "gpt-image-1, shut down": (generate(model="gpt-image-1"), "invalid_value", "model"),
    "a size not divisible by 16": (generate(size="1792x936"), "invalid_value", "size"),
    "a size that is not WxH": (generate(size="9:16"), "invalid_value", "size"),
    "a size too long an edge": (generate(size="4096x2048"), "invalid_value", "size"),
    "a size too narrow": (generate(size="3072x768"), "invalid_value", "size"),
    "a size too small": (generate(size="512x512"), "invalid_value", "size"),
    "a free size on a 1.x model": (
        generate(model="gpt-image-1.5", size="2048x2048"),
        "invalid_value",
        "size",
    ),
    "n of 0": (generate(n=0), "integer_below_min_value", "n"),
    "n of 11": (generate(n=11), "integer_above_max_value", "n"),
    "partial_images of 4": (
        generate(stream=True, partial_images=4),
        "integer_above_max_value",
        "partial_images",
    ),
    "a stream of two images": (generate(stream=True, n=2, partial_images=1), None, "stream"),
    "a stream of two edits": (edit(stream=True, n=2), None, "stream"),
    "output_compression of 101": (
        generate(output_compression=101),
        "integer_above_max_value",
        "output_compression",
    ),
    "output_compression below 0": (
        generate(output_compression=-1),
        "integer_below_min_value",
        "output_compression",
    ),
    "an unknown quality": (generate(quality="ultra"), "invalid_value", "quality"),
    "response_format": (generate(response_format="b64_json"), "unknown_parameter", "response_format"),
    "style": (generate(style="vivid"), "unknown_parameter", "style"),
    "a transparent background on gpt-image-2": (
        generate(background="transparent"),
        "invalid_value",
        "background",
    ),
    "an empty prompt": (generate(prompt=""), "string_below_min_length", "prompt"),
    "a prompt over 32,000 characters": (generate(prompt="x" * 32_001), "string_above_max_length", "prompt"),
    "input_fidelity on gpt-image-2": (edit(input_fidelity="high"), "unsupported_parameter", "input_fidelity"),
    "an image of the wrong MIME type": (
        edit(image=("photo.gif", b"GIF89a", "image/gif")),
        "unsupported_file_mimetype",
        "image",
    ),
    "raw bytes sent without a filename": (
        edit(image=png_bytes((1024, 1024))),
        "unsupported_file_mimetype",
        "image",
    ),
    "an image over 50 MB": (
        edit(image=("big.png", b"\x89PNG" + b"\0" * (50 * 1024 * 1024), "image/png")),
        "image_file_too_large",
        "image",
    ),
    "17 images": (
        edit(image=[(f"{index}.png", png_bytes((1024, 1024)), "image/png") for index in range(17)]),
        "array_above_max_length",
        "image",
    ),
    "a mask that is not a PNG": (
        edit(mask=("mask.jpg", jpeg_bytes((1024, 1024)), "image/jpeg")),
        "invalid_image_format",
        "mask",
    ),
    "a mask without alpha": (
        edit(mask=("mask.png", png_bytes((1024, 1024)), "image/png")),
        "invalid_image_format",
        "mask",
    ),
    "a mask of another size": (
        edit(mask=("mask.png", rgba_png((512, 512)), "image/png")),
        "invalid_value",
        "mask",
    ),
    "a GIF declared as a PNG": (
        edit(image=("photo.png", encoded(Image.new("RGB", (1024, 1024)), "GIF"), "image/png")),
        "invalid_image_format",
        "image",
    ),
    "a BMP declared as a PNG": (
        edit(image=("photo.png", encoded(Image.new("RGB", (1024, 1024)), "BMP"), "image/png")),
        "invalid_image_format",
        "image",
    ),
    "a PNG mask on a JPEG image": (
        edit(
            image=("photo.jpg", jpeg_bytes((1024, 1024)), "image/jpeg"),
            mask=("mask.png", rgba_png((1024, 1024)), "image/png"),
        ),
        "invalid_image_format",
        "mask",
    ),
    "a PNG mask on a WebP image": (
        edit(
            image=("photo.webp", encoded(Image.new("RGB", (1024, 1024)), "WEBP"), "image/webp"),
            mask=("mask.png", rgba_png((1024, 1024)), "image/png"),
        ),
        "invalid_image_format",
        "mask",
    ),
    "a PNG mask in the tool on a JPEG input image": (
        respond(
            {"input_image_mask": {"image_url": data_url(rgba_png((1024, 1024)))}},
            input=image_input(data_url(jpeg_bytes((1024, 1024)), "image/jpeg")),
        ),
        "invalid_image_format",
        "tools[0].input_image_mask",
    ),
    "an input image detail that does not exist": (
        respond(input=image_input(data_url(png_bytes((1024, 1024))), detail="ultra")),
        "invalid_value",
        "input[0].content[1].detail",
    ),
    "previous_response_id with a conversation": (
        respond(previous_response_id="resp_any", conversation="conv_any"),
        "mutually_exclusive_parameters",
        None,
    ),
    "n in the Responses tool": (respond({"n": 2}), "unknown_parameter", "tools[0].n"),
    "a bad size in the Responses tool": (respond({"size": "1000x1000"}), "invalid_value", "tools"),
    "partial_images of 4 in the tool": (
        respond({"partial_images": 4}),
        "integer_above_max_value",
        "tools[0].partial_images",
    ),
    "output_compression of 101 in the tool": (
        respond({"output_compression": 101}),
        "integer_above_max_value",
        "tools[0].output_compression",
    ),
    "a retired tool model": (respond({"model": "dall-e-2"}), "invalid_value", "tools[0].model"),
    "an unknown previous_response_id": (
        respond(previous_response_id="resp_nope"),
        "previous_response_not_found",
        "previous_response_id",
    ),
    "an input image that is not a data URL": (
        respond(
            input=[
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "Edit this"},
                        {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "auto"},
                    ],
                }
            ]
        ),
        "invalid_image_url",
        "input[0].content[1].image_url",
    ),
    "a mask in the tool with no image to apply to": (
        respond({"input_image_mask": {"image_url": data_url(rgba_png((1024, 1024)))}}),
        "invalid_value",
        "tools[0].input_image_mask",
    ),
}


@pytest.mark.parametrize("call, code, param", CASES.values(), ids=CASES.keys())
def test_it_rejects_with_the_real_error(client, call, code, param):
    with pytest.raises(openai.BadRequestError) as caught:
        call(client)

    assert caught.value.status_code == 400
    assert (caught.value.code, caught.value.param) == (code, param)
    assert caught.value.request_id.startswith("req_")


def test_it_quotes_the_real_message_for_a_bad_size(client):
    with pytest.raises(openai.BadRequestError) as caught:
        generate(model="gpt-image-1.5", size="123x456")(client)

    assert caught.value.message == (
        "Error code: 400 - Invalid size '123x456'. Supported sizes are 1024x1024, 1024x1536, 1536x1024, and auto."
    )
    assert caught.value.type == "image_generation_user_error"


@pytest.mark.parametrize("path", ["/images/generations", "/images/edits"])
def test_it_refuses_to_stream_more_than_one_image_with_the_real_body(emulator, path):
    fields = {"model": "gpt-image-2", "prompt": "A kite", "n": 3, "stream": True}
    if path.endswith("edits"):
        files = {"image": ("photo.png", png_bytes((1024, 1024)), "image/png")}
        fields = {key: str(value).lower() for key, value in fields.items()}
        answer = httpx2.post(f"{emulator.base_url}{path}", headers=AUTH, data=fields, files=files, timeout=20)
    else:
        answer = httpx2.post(f"{emulator.base_url}{path}", headers=AUTH, json=fields, timeout=20)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "message": "Streaming is only supported with n=1.",
            "type": "invalid_request_error",
            "param": "stream",
            "code": None,
        }
    }


def test_it_makes_several_images_without_a_stream(client):
    result = client.images.generate(model="gpt-image-2", prompt="A kite", n=2, quality="low")

    assert len(result.data) == 2


def test_it_accepts_every_size_within_gpt_image_2_rules(client):
    for size in ("3840x2160", "2160x3840", "1024x3072", "816x816"):
        assert client.images.generate(model="gpt-image-2", prompt="A kite", size=size).size == size


def test_it_accepts_a_transparent_background_on_gpt_image_1_5(client):
    result = client.images.generate(model="gpt-image-1.5", prompt="A sticker", background="transparent")

    image = decode(result.data[0].b64_json)
    assert result.background == "transparent"
    assert image.mode == "RGBA" and image.getextrema()[3][0] == 0


def test_it_rejects_a_missing_api_key(emulator):
    client = openai.OpenAI(base_url=emulator.base_url, api_key="unused", max_retries=0)

    with pytest.raises(openai.AuthenticationError) as caught:
        client.images.generate(model="gpt-image-2", prompt="A kite", extra_headers={"Authorization": ""})

    assert caught.value.status_code == 401
    assert "You didn't provide an API key" in caught.value.message


def test_it_answers_404_for_an_unknown_route(client):
    with pytest.raises(openai.NotFoundError):
        client.post("/images/variations-of-nothing", cast_to=object, body={})


def test_it_answers_404_for_an_unknown_response_id(client):
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_missing")
