"""Faults of a Responses call: the image blocked by moderation (the image call fails, the response fails), in
both of the forms the real server uses, and a server error in a plain call."""

from __future__ import annotations

import openai
import pytest

TOOL = {"type": "image_generation", "quality": "low"}
STREAMED_TOOL = {**TOOL, "partial_images": 2}


def blocked(via: str | None = None) -> dict:
    return {"X-Emulator-Fault": "moderation-output" + (f";via={via}" if via else "")}


def image_call(response):
    return next(item for item in response.output if item.type == "image_generation_call")


def test_a_blocked_image_fails_the_call_and_the_response(client):
    response = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL], extra_headers=blocked())

    call = image_call(response)
    assert (response.status, response.error.code) == ("failed", "image_content_policy_violation")
    assert (call.status, call.result) == ("failed", None)
    assert (call.error.code, call.error.type) == ("moderation_blocked", "image_generation_user_error")
    assert call.error.moderation_details.moderation_stage == "output"
    assert call.error.message == response.error.message
    assert "safety system" in call.error.message
    assert response.usage is None and response.tool_usage is None
    assert not any(item.type == "message" for item in response.output)


def test_a_blocked_image_streams_its_partials_then_the_failed_call(client):
    events = list(
        client.responses.create(
            model="gpt-5.4", input="A kite", tools=[STREAMED_TOOL], stream=True, extra_headers=blocked()
        )
    )

    types = [event.type for event in events]
    assert types.count("response.image_generation_call.partial_image") == 2
    assert "response.image_generation_call.completed" not in types
    assert types[-2:] == ["response.output_item.done", "response.failed"]
    assert events[-2].item.status == "failed" and events[-2].item.error.code == "moderation_blocked"
    assert events[-1].response.output[-1].id == events[-2].item.id


def test_the_streaming_helper_sees_the_failed_response(client):
    with client.responses.stream(
        model="gpt-5.4", input="A kite", tools=[STREAMED_TOOL], extra_headers=blocked()
    ) as stream:
        events = list(stream)

    assert events[-1].type == "response.failed"
    with pytest.raises(RuntimeError):
        stream.get_final_response()


def test_a_blocked_image_in_the_error_form_raises_mid_stream(client):
    stream = client.responses.create(
        model="gpt-5.4", input="A kite", tools=[STREAMED_TOOL], stream=True, extra_headers=blocked("error")
    )

    seen = []
    with pytest.raises(openai.APIError) as caught:
        for event in stream:
            seen.append(event.type)
    assert caught.value.code == "moderation_blocked"
    assert caught.value.body["moderation_details"]["moderation_stage"] == "output"
    assert seen.count("response.image_generation_call.partial_image") == 2


def test_a_blocked_image_in_the_error_form_is_a_400_for_a_plain_call(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL], extra_headers=blocked("error"))

    assert (caught.value.code, caught.value.type) == ("moderation_blocked", "image_generation_user_error")
    assert caught.value.body["moderation_details"]["moderation_stage"] == "output"


def test_a_failed_response_is_stored_as_failed(client):
    response = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL], extra_headers=blocked())

    fetched = client.responses.retrieve(response.id)

    assert fetched.status == "failed"
    assert image_call(fetched).error.code == "moderation_blocked"


def test_it_rejects_an_unknown_form_of_the_moderation_fault(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL], extra_headers=blocked("smoke"))

    assert caught.value.code == "unknown_emulator_fault"


def test_words_alone_are_never_blocked_as_an_image(client):
    response = client.responses.create(model="gpt-5.4", input="Say hello", extra_headers=blocked())

    assert response.status == "completed"


def test_a_stream_error_on_a_plain_call_is_a_server_error(emulator):
    client = openai.OpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=0)

    with pytest.raises(openai.InternalServerError) as caught:
        client.responses.create(
            model="gpt-5.4", input="A kite", tools=[TOOL], extra_headers={"X-Emulator-Fault": "stream-error"}
        )

    assert caught.value.code == "server_error"
