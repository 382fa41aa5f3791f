"""POST /v1/responses with the image_generation tool, and the previous_response_id chain."""

from __future__ import annotations

import io

import openai
import pytest
from PIL import Image, ImageStat

from .conftest import data_url, decode, png_bytes

TOOL = {"type": "image_generation", "quality": "low"}


def image_call(response):
    return next(item for item in response.output if item.type == "image_generation_call")


def image_of(response) -> Image.Image:
    return decode(image_call(response).result).convert("RGB")


def brightness(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0]


def test_it_generates_an_image_with_a_revised_prompt_and_a_message(client):
    response = client.responses.create(model="gpt-5.4", input="A poster for a jazz night", tools=[TOOL])

    call = image_call(response)
    assert response.id.startswith("resp_") and call.id.startswith("ig_")
    assert response.status == "completed"
    assert [item.type for item in response.output] == ["reasoning", "image_generation_call", "message"]
    assert response.output[0].id.startswith("rs_") and response.output[2].id.startswith("msg_")
    assert "jazz night" in call.revised_prompt and len(call.revised_prompt) > len("A poster for a jazz night")
    assert response.output_text
    assert (call.size, call.quality, call.background, call.output_format) == (
        "1024x1024",
        "low",
        "opaque",
        "png",
    )
    assert decode(call.result).size == (1024, 1024)


def test_it_echoes_the_tool_with_its_defaults(client):
    response = client.responses.create(model="gpt-5.4", input="A kite", tools=[{"type": "image_generation"}])

    tool = response.tools[0]
    assert (tool.type, tool.model, tool.size, tool.quality, tool.output_format) == (
        "image_generation",
        "gpt-image-2",
        "auto",
        "auto",
        "png",
    )
    assert (tool.background, tool.moderation, tool.output_compression, tool.action) == (
        "auto",
        "auto",
        100,
        "auto",
    )


def test_it_reports_mainline_usage_and_image_tool_usage(client):
    response = client.responses.create(model="gpt-5.4", input="A kite", tools=[{**TOOL, "quality": "high"}])

    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.output_tokens_details.reasoning_tokens > 0
    assert response.tool_usage.image_gen.output_tokens == 7024
    assert response.tool_usage.image_gen.input_tokens_details.text_tokens > 0


def test_it_streams_the_recorded_event_order_with_partial_images(client):
    stream = client.responses.create(
        model="gpt-5.4", input="A lighthouse", tools=[{**TOOL, "partial_images": 3}], stream=True
    )
    events = list(stream)

    assert [event.sequence_number for event in events] == list(range(len(events)))
    partials = [event for event in events if event.type == "response.image_generation_call.partial_image"]
    assert [event.partial_image_index for event in partials] == [0, 1, 2]
    assert {decode(event.partial_image_b64).size for event in partials} == {(1024, 1024)}
    completed = events[-1]
    assert completed.type == "response.completed"
    assert image_call(completed.response).result
    assert completed.response.tool_usage.image_gen.output_tokens == 200 + 3 * 100


def test_it_answers_the_streaming_helper(client):
    tools = [{**TOOL, "partial_images": 1}]
    with client.responses.stream(model="gpt-5.4", input="A lighthouse", tools=tools) as stream:
        final = stream.get_final_response()

    assert image_call(final).status == "completed"


def test_it_follows_a_chain_of_three_turns(client):
    first = client.responses.create(model="gpt-5.4", input="A coffee shop poster", tools=[TOOL])
    second = client.responses.create(
        model="gpt-5.4", input="Make it dark", tools=[TOOL], previous_response_id=first.id
    )
    third = client.responses.create(
        model="gpt-5.4", input="Change the background to green", tools=[TOOL], previous_response_id=second.id
    )

    assert third.previous_response_id == second.id
    assert brightness(image_of(second)) < brightness(image_of(first)) * 0.75
    red, green, blue = image_of(third).getpixel((2, 2))
    assert green > red and green > blue
    assert image_of(third).getpixel((2, 2)) != image_of(second).getpixel((2, 2))
    assert "coffee shop poster" in image_call(third).revised_prompt
    assert "background" in image_call(third).revised_prompt
    assert image_call(second).action == "edit"


def test_it_adds_texture_when_asked_for_realism(client):
    first = client.responses.create(model="gpt-5.4", input="A flat blue poster", tools=[TOOL])
    realistic = client.responses.create(
        model="gpt-5.4", input="Make it more realistic", tools=[TOOL], previous_response_id=first.id
    )

    def colours(image: Image.Image) -> int:
        return len(image.getcolors(1 << 24))

    assert colours(image_of(realistic)) > 10 * colours(image_of(first))


def test_it_still_changes_something_for_an_unknown_instruction_and_always_the_same(client):
    first = client.responses.create(model="gpt-5.4", input="A tidy poster", tools=[TOOL])

    def follow() -> str:
        reply = client.responses.create(
            model="gpt-5.4", input="Give it more whimsy", tools=[TOOL], previous_response_id=first.id
        )
        return image_call(reply).result

    assert follow() == follow() != image_call(first).result


def test_it_builds_on_an_earlier_call_given_back_by_id(client):
    first = client.responses.create(model="gpt-5.4", input="A tidy poster", tools=[TOOL])
    reply = client.responses.create(
        model="gpt-5.4",
        input=[
            {"role": "user", "content": [{"type": "input_text", "text": "Make it dark"}]},
            {"type": "image_generation_call", "id": image_call(first).id},
        ],
        tools=[TOOL],
    )

    assert image_call(reply).action == "edit"
    assert brightness(image_of(reply)) < brightness(image_of(first))


def test_it_edits_an_input_image_given_as_a_data_url(client):
    picture = png_bytes((1536, 1024), (220, 30, 30))
    reply = client.responses.create(
        model="gpt-5.4",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Turn this into a sale poster"},
                    {"type": "input_image", "image_url": data_url(picture), "detail": "auto"},
                ],
            }
        ],
        tools=[TOOL],
    )

    call = image_call(reply)
    assert (call.action, call.size) == ("edit", "1536x1024")
    assert reply.tool_usage.image_gen.input_tokens_details.image_tokens > 0


def test_it_applies_the_tool_mask_to_the_input_image(client):
    mask = Image.new("RGBA", (1024, 1024), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 512, 1024))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    picture = png_bytes((1024, 1024), (30, 30, 220))
    reply = client.responses.create(
        model="gpt-5.4",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "A yellow sun on the left"},
                    {"type": "input_image", "image_url": data_url(picture), "detail": "auto"},
                ],
            }
        ],
        tools=[{**TOOL, "input_image_mask": {"image_url": data_url(buffer.getvalue())}}],
    )

    image = image_of(reply)
    left_red, _, _ = image.getpixel((100, 500))
    right = image.getpixel((1000, 500))
    assert right[2] > 150 and right[0] < 80
    assert left_red != 30


def test_it_returns_a_stored_response_by_id(client):
    created = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])

    fetched = client.responses.retrieve(created.id)

    assert fetched.id == created.id
    assert image_call(fetched).result == image_call(created).result


def test_it_does_not_keep_a_response_sent_with_store_false(client):
    created = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL], store=False)

    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model="gpt-5.4", input="Darker", tools=[TOOL], previous_response_id=created.id
        )
    assert caught.value.code == "previous_response_not_found"


def test_it_answers_in_words_only_without_the_image_tool(client):
    response = client.responses.create(model="gpt-5.4", input="A kite")

    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert response.output_text


@pytest.mark.asyncio
async def test_it_streams_a_chain_to_the_async_client(async_client):
    first = await async_client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])
    stream = await async_client.responses.create(
        model="gpt-5.4",
        input="Make it dark",
        tools=[{**TOOL, "partial_images": 1}],
        previous_response_id=first.id,
        stream=True,
    )
    events = [event async for event in stream]

    assert events[-1].type == "response.completed"
    assert events[-1].response.previous_response_id == first.id
