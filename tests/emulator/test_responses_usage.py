"""A Response's `usage` is the mainline model's tokens (a follow-up reads the whole chain again, much of it from
the prompt cache); the image tool's tokens are apart, in `tool_usage.image_gen`."""

from __future__ import annotations

from .conftest import data_url, png_bytes

TOOL = {"type": "image_generation", "quality": "high"}


def test_a_first_turn_reads_the_tool_definition_and_the_words_with_nothing_cached(client):
    short = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])
    longer = client.responses.create(
        model="gpt-5.4",
        input="A kite over a green hill at dawn, with a red tail and a long string",
        tools=[TOOL],
    )

    usage = short.usage
    assert 3_000 < usage.input_tokens < 3_300
    assert usage.input_tokens_details.cached_tokens == 0
    assert longer.usage.input_tokens > usage.input_tokens
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens


def test_a_reasoning_model_bills_its_reasoning_as_output(client):
    medium = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])
    high = client.responses.create(
        model="gpt-5.4", input="A kite", tools=[TOOL], reasoning={"effort": "high"}
    )

    details = medium.usage.output_tokens_details
    assert details.reasoning_tokens == 1024
    assert medium.usage.output_tokens > details.reasoning_tokens
    assert high.usage.output_tokens_details.reasoning_tokens > details.reasoning_tokens
    assert high.reasoning.effort == "high"


def test_a_follow_up_reads_the_earlier_turns_and_finds_most_of_them_cached(client):
    first = client.responses.create(model="gpt-5.4", input="A coffee shop poster", tools=[TOOL])
    second = client.responses.create(
        model="gpt-5.4", input="Make it dark", tools=[TOOL], previous_response_id=first.id
    )
    third = client.responses.create(
        model="gpt-5.4", input="Make it bigger", tools=[TOOL], previous_response_id=second.id
    )

    # The second turn reads the first one's input, its visible output and its image again.
    assert second.usage.input_tokens > first.usage.input_tokens + 700
    assert third.usage.input_tokens > second.usage.input_tokens + 700
    cached = second.usage.input_tokens_details.cached_tokens
    assert cached % 128 == 0
    assert first.usage.input_tokens - 128 < cached <= first.usage.input_tokens
    assert cached > second.usage.input_tokens / 2
    assert third.usage.input_tokens_details.cached_tokens > cached


def test_a_follow_up_does_not_carry_the_earlier_turns_instructions(client):
    """`instructions` are not carried over by `previous_response_id` (§6.2): two chains that differ only in
    the first turn's instructions bill the same input for a follow-up without any."""
    plain = client.responses.create(model="gpt-5.4", input="A coffee shop poster", tools=[TOOL])
    instructed = client.responses.create(
        model="gpt-5.4",
        input="A coffee shop poster",
        tools=[TOOL],
        instructions="Draw everything in a flat style with thick outlines. " * 40,
    )
    after_plain = client.responses.create(
        model="gpt-5.4", input="Make it dark", tools=[TOOL], previous_response_id=plain.id
    )
    after_instructed = client.responses.create(
        model="gpt-5.4", input="Make it dark", tools=[TOOL], previous_response_id=instructed.id
    )

    assert instructed.usage.input_tokens > plain.usage.input_tokens + 300
    assert after_instructed.usage.input_tokens == after_plain.usage.input_tokens


def test_input_images_are_read_by_the_mainline_model_too(client):
    picture = data_url(png_bytes((1024, 1024)))

    def turn(detail: str):
        content = [
            {"type": "input_text", "text": "A poster from this"},
            {"type": "input_image", "image_url": picture, "detail": detail},
        ]
        return client.responses.create(
            model="gpt-5.4", input=[{"role": "user", "content": content}], tools=[TOOL]
        )

    words = client.responses.create(model="gpt-5.4", input="A poster from this", tools=[TOOL])
    assert turn("high").usage.input_tokens - words.usage.input_tokens == 765
    assert turn("low").usage.input_tokens - words.usage.input_tokens == 85


def test_the_image_tool_tokens_are_apart_from_the_mainline_usage(client):
    response = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])

    image_gen = response.tool_usage.image_gen
    assert image_gen.output_tokens == 7024
    assert image_gen.input_tokens == image_gen.input_tokens_details.text_tokens > 0
    assert response.usage.output_tokens < image_gen.output_tokens


def test_words_alone_have_no_tool_usage(client):
    response = client.responses.create(model="gpt-4.1-mini", input="Say hello")

    assert response.tool_usage is None
    assert response.usage.input_tokens < 50
    assert response.usage.output_tokens_details.reasoning_tokens == 0


def test_a_streamed_turn_reports_the_same_mainline_usage_as_a_plain_one(client):
    tool = {**TOOL, "partial_images": 1}
    plain = client.responses.create(model="gpt-5.4", input="A lighthouse", tools=[tool])
    events = list(client.responses.create(model="gpt-5.4", input="A lighthouse", tools=[tool], stream=True))

    streamed = events[-1].response
    assert streamed.usage.input_tokens == plain.usage.input_tokens
    assert streamed.usage.output_tokens == plain.usage.output_tokens
    assert streamed.tool_usage.image_gen.output_tokens == plain.tool_usage.image_gen.output_tokens + 100
