"""POST /v1/responses refuses what the real server refuses, with its exact bodies: streams without partial
images, models that do not exist or cannot call the tool, unknown parameters."""

from __future__ import annotations

import httpx2
import openai
import pytest

AUTH = {"Authorization": "Bearer sk-test"}
MAINLINE_MODELS = [
    "gpt-5.4",
    "gpt-5.4-mini",
    "gpt-5.4-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4o",
    "gpt-4o-mini",
    "o3",
]


def post(emulator, body: dict) -> httpx2.Response:
    return httpx2.post(f"{emulator.base_url}/responses", headers=AUTH, json=body, timeout=20)


@pytest.mark.parametrize(
    "tool", [{"partial_images": 0}, {}], ids=["partial_images 0", "partial_images left out"]
)
def test_it_refuses_a_stream_without_partial_images_with_the_real_body(emulator, tool):
    body = {
        "model": "gpt-5.4",
        "input": "A kite",
        "stream": True,
        "tools": [{"type": "image_generation", **tool}],
    }

    answer = post(emulator, body)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "message": "Streaming must have non-zero partial images.",
            "type": "image_generation_user_error",
            "param": "tools",
            "code": None,
        }
    }


def test_the_sdk_raises_a_bad_request_for_a_stream_without_partial_images(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model="gpt-5.4", input="A kite", tools=[{"type": "image_generation"}], stream=True
        )

    assert (caught.value.param, caught.value.code) == ("tools", None)


def test_it_answers_a_plain_call_with_partial_images_0(client):
    response = client.responses.create(
        model="gpt-5.4", input="A kite", tools=[{"type": "image_generation", "partial_images": 0}]
    )

    assert response.status == "completed"


def test_it_streams_text_only_without_the_image_tool(client):
    events = list(client.responses.create(model="gpt-5.4", input="Say hello", stream=True))

    assert events[-1].type == "response.completed"


@pytest.mark.parametrize("model", MAINLINE_MODELS)
def test_it_accepts_the_mainline_models_of_the_image_tool(client, model):
    response = client.responses.create(
        model=model, input="A kite", tools=[{"type": "image_generation", "quality": "low"}]
    )

    assert response.model == model
    assert any(item.type == "image_generation_call" for item in response.output)


def test_it_answers_an_unknown_model_with_the_real_body(emulator):
    answer = post(emulator, {"model": "gpt-9", "input": "A kite", "tools": [{"type": "image_generation"}]})

    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "message": "The requested model 'gpt-9' does not exist.",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }


def test_it_refuses_the_image_tool_on_a_model_without_it(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-3.5-turbo", input="A kite", tools=[{"type": "image_generation"}])

    assert (
        caught.value.message
        == "Error code: 400 - Tool 'image_generation' is not supported with gpt-3.5-turbo."
    )
    assert caught.value.param == "tools"


def test_it_names_an_unknown_top_level_parameter(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model="gpt-5.4",
            input="A kite",
            tools=[{"type": "image_generation"}],
            extra_body={"partial_images": 2},
        )

    assert (caught.value.code, caught.value.param) == ("unknown_parameter", "partial_images")


def test_it_refuses_a_reasoning_effort_on_a_model_that_does_not_reason(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4.1", input="A kite", reasoning={"effort": "high"})

    assert (caught.value.code, caught.value.param) == ("unsupported_parameter", "reasoning.effort")


def test_it_refuses_an_unknown_reasoning_effort(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5.4", input="A kite", reasoning={"effort": "extreme"})

    assert (caught.value.code, caught.value.param) == ("invalid_value", "reasoning.effort")


def test_a_model_that_does_not_reason_sends_no_reasoning_item(client):
    response = client.responses.create(
        model="gpt-4.1", input="A kite", tools=[{"type": "image_generation", "quality": "low"}]
    )

    assert [item.type for item in response.output] == ["image_generation_call", "message"]
    assert response.reasoning.effort is None
    assert response.usage.output_tokens_details.reasoning_tokens == 0


def test_a_model_that_does_not_reason_streams_its_items_at_the_right_indexes(client):
    events = list(
        client.responses.create(
            model="gpt-4o",
            input="A kite",
            tools=[{"type": "image_generation", "quality": "low", "partial_images": 1}],
            stream=True,
        )
    )

    added = [
        (event.output_index, event.item.type)
        for event in events
        if event.type == "response.output_item.added"
    ]
    assert added == [(0, "image_generation_call"), (1, "message")]
