"""The X-Emulator-Fault switch, seen through the SDK: retries that succeed, errors that raise, streams that break."""

from __future__ import annotations

import time

import openai
import pytest

PARAMS = {"model": "gpt-image-2", "prompt": "A kite"}


def fault(name: str, **extra) -> dict:
    return {"X-Emulator-Fault": name, "X-Trace": f"{name}-{time.monotonic_ns()}", **extra}


def attempts(emulator, headers: dict) -> list[dict]:
    return [entry for entry in emulator.received() if entry["headers"].get("x-trace") == headers["X-Trace"]]


@pytest.mark.parametrize("name", ["429;retry-after=0.05", "500", "503"])
def test_the_sdk_retries_and_then_succeeds(client, emulator, name):
    headers = fault(name)

    result = client.images.generate(**PARAMS, extra_headers=headers)

    assert result.data[0].b64_json
    seen = attempts(emulator, headers)
    assert [entry["fault"] for entry in seen] == [name.split(";")[0], None]
    assert [entry["headers"]["x-stainless-retry-count"] for entry in seen] == ["0", "1"]


def test_a_fault_applies_to_as_many_attempts_as_asked(client, emulator):
    headers = fault("503;times=2")

    client.images.generate(**PARAMS, extra_headers=headers)

    assert [entry["fault"] for entry in attempts(emulator, headers)] == ["503", "503", None]


def test_a_429_carries_retry_after_and_rate_limit_headers(emulator):
    client = openai.OpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=0)

    with pytest.raises(openai.RateLimitError) as caught:
        client.images.generate(**PARAMS, extra_headers=fault("429"))

    headers = caught.value.response.headers
    assert (headers["retry-after"], caught.value.code) == ("1", "rate_limit_exceeded")
    assert headers["x-ratelimit-remaining-requests"] == "0"


def test_the_sdk_retries_a_429_before_a_stream_starts(client):
    stream = client.images.generate(**PARAMS, stream=True, extra_headers=fault("429;retry-after=0.05"))

    assert [event.type for event in stream] == ["image_generation.completed"]


@pytest.mark.parametrize(
    "name, error, status, code",
    [
        ("401", openai.AuthenticationError, 401, "invalid_api_key"),
        ("403-verify", openai.PermissionDeniedError, 403, None),
        ("moderation-input", openai.BadRequestError, 400, "moderation_blocked"),
    ],
)
def test_it_raises_errors_that_are_not_retried(client, emulator, name, error, status, code):
    headers = fault(name)

    with pytest.raises(error) as caught:
        client.images.generate(**PARAMS, extra_headers=headers)

    assert (caught.value.status_code, caught.value.code) == (status, code)
    assert len(attempts(emulator, headers)) == 1


def test_an_unverified_organisation_is_told_so(client):
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.images.generate(**PARAMS, extra_headers=fault("403-verify"))

    assert "organization must be verified to use the model `gpt-image-2`" in caught.value.message


@pytest.mark.parametrize("stage", ["input", "output"])
def test_a_moderation_block_names_its_stage(client, stage):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(**PARAMS, extra_headers=fault(f"moderation-{stage}"))

    assert caught.value.type == "image_generation_user_error"
    assert caught.value.body["moderation_details"]["moderation_stage"] == stage
    assert caught.value.request_id in caught.value.body["message"]


def test_an_output_moderation_block_arrives_mid_stream(client):
    stream = client.images.generate(
        **PARAMS, stream=True, partial_images=2, extra_headers=fault("moderation-output")
    )

    seen = []
    with pytest.raises(openai.APIError) as caught:
        for event in stream:
            seen.append(event.type)
    assert seen == ["image_generation.partial_image"] * 2
    assert caught.value.code == "moderation_blocked"


@pytest.mark.parametrize("endpoint", ["images", "responses"])
def test_a_mid_stream_error_raises(client, endpoint):
    if endpoint == "images":
        stream = client.images.generate(
            **PARAMS, stream=True, partial_images=2, extra_headers=fault("stream-error")
        )
    else:
        stream = client.responses.create(
            model="gpt-5.4",
            input="A kite",
            tools=[{"type": "image_generation", "partial_images": 2}],
            stream=True,
            extra_headers=fault("stream-error"),
        )

    seen = []
    with pytest.raises(openai.APIError) as caught:
        for event in stream:
            seen.append(event.type)
    assert caught.value.code == "server_error"
    assert any(kind.endswith("partial_image") for kind in seen)


@pytest.mark.parametrize("endpoint", ["images", "responses"])
def test_a_cut_stream_ends_without_its_completed_event(client, endpoint):
    if endpoint == "images":
        stream = client.images.generate(**PARAMS, stream=True, partial_images=2, extra_headers=fault("cut"))
    else:
        stream = client.responses.create(
            model="gpt-5.4",
            input="A kite",
            tools=[{"type": "image_generation", "partial_images": 2}],
            stream=True,
            extra_headers=fault("cut"),
        )

    seen = []
    with pytest.raises(openai.APIConnectionError):
        for event in stream:
            seen.append(event.type)
    assert seen and not any(kind.endswith("completed") for kind in seen)


def test_a_cut_plain_answer_is_retried_by_the_sdk(client, emulator):
    headers = fault("cut")

    result = client.images.generate(**PARAMS, extra_headers=headers)

    assert result.data[0].b64_json
    assert [entry["fault"] for entry in attempts(emulator, headers)] == ["cut", None]


def test_a_hang_outlasts_the_client_timeout(emulator):
    client = openai.OpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=0, timeout=0.5)
    started = time.monotonic()

    with pytest.raises(openai.APITimeoutError):
        client.images.generate(**PARAMS, extra_headers=fault("hang"))

    assert time.monotonic() - started < 5


def test_it_rejects_an_unknown_fault_name(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(**PARAMS, extra_headers=fault("gremlins"))

    assert caught.value.code == "unknown_emulator_fault"


def test_the_latency_header_slows_one_request(client):
    started = time.monotonic()
    client.images.generate(**PARAMS, extra_headers={"X-Emulator-Latency": "0.1"})

    assert time.monotonic() - started >= 0.4


def test_a_stream_error_on_a_plain_call_is_a_server_error(emulator):
    client = openai.OpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=0)

    with pytest.raises(openai.InternalServerError):
        client.images.generate(**PARAMS, extra_headers=fault("stream-error"))
