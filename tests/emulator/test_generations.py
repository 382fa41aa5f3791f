"""POST /v1/images/generations through the real SDK, sync and async, streaming and not."""

from __future__ import annotations

import base64

import pytest

from .conftest import decode


def test_it_returns_an_image_of_the_requested_size_and_format(client):
    result = client.images.generate(
        model="gpt-image-2", prompt="A poster for a jazz night", size="1536x864", output_format="webp"
    )

    image = decode(result.data[0].b64_json)
    assert (image.format, image.size) == ("WEBP", (1536, 864))
    assert (result.size, result.output_format) == ("1536x864", "webp")


@pytest.mark.parametrize("output_format, pillow_format", [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_it_encodes_every_output_format(client, output_format, pillow_format):
    result = client.images.generate(model="gpt-image-2", prompt="A lemon", output_format=output_format)

    assert decode(result.data[0].b64_json).format == pillow_format


def test_it_honours_output_compression(client):
    def jpeg_size(compression: int) -> int:
        result = client.images.generate(
            model="gpt-image-2",
            prompt="A detailed market scene",
            quality="high",
            output_format="jpeg",
            output_compression=compression,
        )
        return len(base64.b64decode(result.data[0].b64_json))

    assert jpeg_size(10) < jpeg_size(95)


def test_it_resolves_auto_to_the_values_it_used(client):
    result = client.images.generate(model="gpt-image-2", prompt="A fox", size="auto", quality="auto")

    assert (result.size, result.quality, result.background) == ("1024x1024", "medium", "opaque")


def test_it_gives_the_same_bytes_for_the_same_request(client):
    def generate() -> str:
        return client.images.generate(model="gpt-image-2", prompt="A red bicycle on a hill").data[0].b64_json

    assert generate() == generate()


def test_it_gives_different_images_for_different_prompts(client):
    first = client.images.generate(model="gpt-image-2", prompt="A red bicycle").data[0].b64_json
    second = client.images.generate(model="gpt-image-2", prompt="A green tractor").data[0].b64_json

    assert first != second


def test_it_returns_n_different_images(client):
    result = client.images.generate(model="gpt-image-1.5", prompt="Three logo ideas", n=3)

    assert len(result.data) == 3
    assert len({item.b64_json for item in result.data}) == 3


def test_it_counts_tokens_from_the_price_tables(client):
    high = client.images.generate(model="gpt-image-2", prompt="A cute baby sea otter", quality="high")
    legacy = client.images.generate(model="gpt-image-1.5", prompt="A cute baby sea otter", quality="low")

    assert high.usage.output_tokens == 7024
    assert high.usage.input_tokens_details.text_tokens > 0
    assert high.usage.input_tokens_details.image_tokens == 0
    assert high.usage.total_tokens == high.usage.input_tokens + high.usage.output_tokens
    assert legacy.usage.output_tokens == 272


def test_it_counts_fewer_tokens_for_a_wide_image_than_a_square_one(client):
    square = client.images.generate(model="gpt-image-2", prompt="A kite", size="1024x1024", quality="high")
    wide = client.images.generate(model="gpt-image-2", prompt="A kite", size="1536x1024", quality="high")

    assert wide.usage.output_tokens == 5488 < square.usage.output_tokens


def test_it_sends_request_id_and_processing_time_headers(client):
    raw = client.images.with_raw_response.generate(model="gpt-image-2", prompt="A kite")

    assert raw.headers["x-request-id"].startswith("req_")
    assert int(raw.headers["openai-processing-ms"]) >= 0
    assert raw.parse().data[0].b64_json


def test_it_streams_partial_images_then_the_final_one(client):
    stream = client.images.generate(
        model="gpt-image-2",
        prompt="A lighthouse at dusk",
        stream=True,
        partial_images=3,
        size="1024x1536",
        quality="high",
    )
    events = list(stream)

    assert [event.type for event in events] == ["image_generation.partial_image"] * 3 + [
        "image_generation.completed"
    ]
    assert [event.partial_image_index for event in events[:3]] == [0, 1, 2]
    assert {decode(event.b64_json).size for event in events} == {(1024, 1536)}
    assert events[-1].usage.output_tokens == 5488 + 3 * 100


def test_its_partial_images_get_finer_towards_the_final(client):
    events = list(
        client.images.generate(model="gpt-image-2", prompt="A city map", stream=True, partial_images=3)
    )
    final = decode(events[-1].b64_json).convert("RGB")

    def distance(event) -> float:
        partial = decode(event.b64_json).convert("RGB")
        return sum(abs(a - b) for a, b in zip(partial.tobytes(), final.tobytes(), strict=True)) / len(
            final.tobytes()
        )

    distances = [distance(event) for event in events[:3]]
    assert distances[0] > distances[1] > distances[2] > 0


def test_it_streams_only_the_final_image_without_partials(client):
    events = list(client.images.generate(model="gpt-image-2", prompt="A lemon", stream=True))

    assert [event.type for event in events] == ["image_generation.completed"]
    assert events[0].usage.output_tokens == 1756


@pytest.mark.asyncio
async def test_it_serves_the_async_client(async_client):
    result = await async_client.images.generate(model="gpt-image-2", prompt="An orange cat", size="2048x1152")

    assert decode(result.data[0].b64_json).size == (2048, 1152)


@pytest.mark.asyncio
async def test_it_streams_to_the_async_client(async_client):
    stream = await async_client.images.generate(
        model="gpt-image-2", prompt="An orange cat", stream=True, partial_images=2
    )
    types = [event.type async for event in stream]

    assert types == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]


def test_it_records_what_it_received(client, emulator):
    client.images.generate(model="gpt-image-2", prompt="Recorded prompt", extra_headers={"X-Trace": "t-1"})

    record = [entry for entry in emulator.received() if entry["headers"].get("x-trace") == "t-1"][-1]
    assert (record["method"], record["path"]) == ("POST", "/v1/images/generations")
    assert record["json"] == {"model": "gpt-image-2", "prompt": "Recorded prompt"}
    assert record["headers"]["authorization"] == "Bearer sk-test"
    assert record["fault"] is None
