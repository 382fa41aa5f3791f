"""Stored responses expire (30 days on OpenAI): a chain through one answers `previous_response_not_found`,
with the `expired-chain` fault at once, or after ATELIER_EMULATOR_RESPONSE_TTL seconds."""

from __future__ import annotations

import base64
import time

import httpx2
import openai
import pytest

from tests.support.emulator import start_emulator

from .conftest import data_url, decode

TOOL = {"type": "image_generation", "quality": "low"}
EXPIRED = {"X-Emulator-Fault": "expired-chain"}
TTL = 1.0


@pytest.fixture(scope="module")
def short_lived():
    running = start_emulator(latency=0, env={"ATELIER_EMULATOR_RESPONSE_TTL": str(TTL)})
    yield openai.OpenAI(base_url=running.base_url, api_key="sk-test", max_retries=0, timeout=20)
    running.stop()


def test_it_answers_an_unknown_previous_response_with_the_real_body(emulator):
    body = {"model": "gpt-5.4", "input": "Darker", "previous_response_id": "resp_gone"}
    answer = httpx2.post(
        f"{emulator.base_url}/responses", headers={"Authorization": "Bearer sk-test"}, json=body, timeout=20
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "message": "Previous response with id 'resp_gone' not found.",
            "type": "invalid_request_error",
            "param": "previous_response_id",
            "code": "previous_response_not_found",
        }
    }


def test_the_expired_chain_fault_loses_a_stored_response(client):
    first = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])

    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model="gpt-5.4",
            input="Darker",
            tools=[TOOL],
            previous_response_id=first.id,
            extra_headers=EXPIRED,
        )

    assert (caught.value.code, caught.value.param) == ("previous_response_not_found", "previous_response_id")
    assert caught.value.message == f"Error code: 400 - Previous response with id '{first.id}' not found."


def test_the_fault_loses_an_earlier_image_given_back_by_id(client):
    first = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])
    call_id = next(item.id for item in first.output if item.type == "image_generation_call")

    with pytest.raises(openai.BadRequestError):
        client.responses.create(
            model="gpt-5.4",
            input=[
                {"role": "user", "content": [{"type": "input_text", "text": "Darker"}]},
                {"type": "image_generation_call", "id": call_id},
            ],
            tools=[TOOL],
            extra_headers=EXPIRED,
        )


def test_an_expired_chain_continues_from_the_image_sent_again(client):
    first = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])
    image = next(item.result for item in first.output if item.type == "image_generation_call")

    again = client.responses.create(
        model="gpt-5.4",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Make it dark"},
                    {"type": "input_image", "image_url": data_url(base64.b64decode(image)), "detail": "auto"},
                ],
            }
        ],
        tools=[TOOL],
        extra_headers=EXPIRED,
    )

    call = next(item for item in again.output if item.type == "image_generation_call")
    assert call.action == "edit"
    assert decode(call.result).size == (1024, 1024)


def test_the_fault_makes_a_stored_response_unretrievable(client):
    first = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])

    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id, extra_headers=EXPIRED)
    assert client.responses.retrieve(first.id).id == first.id


def test_stored_responses_expire_after_the_ttl(short_lived):
    first = short_lived.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL])
    second = short_lived.responses.create(
        model="gpt-5.4", input="Darker", tools=[TOOL], previous_response_id=first.id
    )
    time.sleep(TTL + 0.2)

    with pytest.raises(openai.BadRequestError) as caught:
        short_lived.responses.create(
            model="gpt-5.4", input="Lighter", tools=[TOOL], previous_response_id=second.id
        )
    assert caught.value.code == "previous_response_not_found"
    with pytest.raises(openai.NotFoundError):
        short_lived.responses.retrieve(first.id)
