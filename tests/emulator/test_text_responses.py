"""A text-only Responses call (no image tool) through the SDK: the emulator's mainline model rewrites a prompt
when asked to, strictly as OpenAI takes the call; and the `[block]` marker blocks an image prompt at the input
stage unless it is sent with `moderation: low`."""

from __future__ import annotations

import openai
import pytest

from .conftest import schemas  # noqa: F401 - the fixture

REWRITE = "Rewrite the user's image prompt so that a safety system accepts it. Answer with the prompt only."


def test_it_rewrites_a_prompt_without_markers_and_graphic_words(client, schemas):  # noqa: F811
    raw = client.responses.with_raw_response.create(
        model="gpt-5.4",
        instructions=REWRITE,
        input="A knight [block] in a bloody battle, poster style",
        store=False,
        reasoning={"effort": "low"},
    )
    response = raw.parse()

    assert response.status == "completed"
    assert response.output_text.startswith("A knight in a dramatic contest, poster style")
    assert "[block]" not in response.output_text
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.tools == []
    schemas.check("Response", raw.http_response.json())


def test_without_rewrite_instructions_it_still_says_images_need_the_tool(client):
    response = client.responses.create(model="gpt-4.1", input="Draw a cat")

    assert "image_generation tool" in response.output_text


def test_it_refuses_reasoning_effort_on_a_model_that_does_not_reason(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4.1", input="x", instructions=REWRITE, reasoning={"effort": "low"})

    assert caught.value.param == "reasoning.effort"


def test_a_block_marker_blocks_a_generation_at_the_input_stage(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(
            model="gpt-image-2", prompt="a poster [block]", size="1024x1024", quality="low"
        )

    assert caught.value.code == "moderation_blocked"
    assert caught.value.body["moderation_details"]["moderation_stage"] == "input"


def test_low_moderation_lets_a_block_marker_through(client):
    answer = client.images.generate(
        model="gpt-image-2", prompt="a poster [block]", size="1024x1024", quality="low", moderation="low"
    )

    assert answer.data[0].b64_json


def test_a_block_marker_blocks_a_turn_unless_its_tool_is_at_low_moderation(client):
    tool = {"type": "image_generation", "quality": "low", "size": "1024x1024"}
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5.4", input="a poster [block]", tools=[tool])
    assert caught.value.code == "moderation_blocked"

    response = client.responses.create(
        model="gpt-5.4", input="a poster [block]", tools=[{**tool, "moderation": "low"}]
    )
    assert response.status == "completed"
