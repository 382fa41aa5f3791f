"""Background responses (`background: true`): answered at once as `queued`, then polled with GET until done."""

from __future__ import annotations

import time

import openai
import pytest

from .conftest import decode

TOOL = {"type": "image_generation", "quality": "low"}
SLOW = {"X-Emulator-Latency": "0.1"}


def poll(client, response_id: str, *, until: float = 10.0) -> list:
    """Every state seen until the response is done."""
    seen = []
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        response = client.responses.retrieve(response_id)
        if not seen or seen[-1].status != response.status:
            seen.append(response)
        if response.status not in ("queued", "in_progress"):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"{response_id} still {seen[-1].status} after {until} s")


def test_it_answers_at_once_with_a_queued_response_and_finishes_in_the_background(client):
    started = time.monotonic()
    queued = client.responses.create(
        model="gpt-5.4", input="A kite", tools=[TOOL], background=True, extra_headers=SLOW
    )

    assert time.monotonic() - started < 0.3
    assert (queued.status, queued.background, queued.output, queued.usage) == ("queued", True, [], None)
    states = poll(client, queued.id)
    assert [state.status for state in states] == ["queued", "in_progress", "completed"]
    final = states[-1]
    call = next(item for item in final.output if item.type == "image_generation_call")
    assert decode(call.result).size == (1024, 1024)
    assert final.usage.input_tokens > 0 and final.tool_usage.image_gen.output_tokens > 0


def test_a_background_response_can_be_chained_from(client):
    queued = client.responses.create(model="gpt-5.4", input="A kite", tools=[TOOL], background=True)
    poll(client, queued.id)

    follow_up = client.responses.create(
        model="gpt-5.4", input="Make it dark", tools=[TOOL], previous_response_id=queued.id
    )

    assert follow_up.status == "completed"


def test_a_blocked_background_response_ends_failed(client):
    queued = client.responses.create(
        model="gpt-5.4",
        input="A kite",
        tools=[TOOL],
        background=True,
        extra_headers={"X-Emulator-Fault": "moderation-output"},
    )

    final = poll(client, queued.id)[-1]
    assert (final.status, final.error.code) == ("failed", "image_content_policy_violation")


def test_background_needs_a_stored_response(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5.4", input="A kite", background=True, store=False)

    assert caught.value.param == "background"


def test_a_background_stream_can_be_polled_while_it_streams(client):
    stream = client.responses.create(
        model="gpt-5.4",
        input="A kite",
        tools=[{**TOOL, "partial_images": 1}],
        background=True,
        stream=True,
        extra_headers=SLOW,
    )
    events = iter(stream)
    created = next(events)

    assert (created.type, created.response.status) == ("response.created", "queued")
    assert client.responses.retrieve(created.response.id).status in ("queued", "in_progress")
    assert [event.type for event in events][-1] == "response.completed"
    assert client.responses.retrieve(created.response.id).status == "completed"
