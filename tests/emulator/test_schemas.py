"""Every JSON body and every SSE event the emulator sends validates against OpenAI's published schema, and the
stream is framed as `event:` + `data:` + a blank line."""

from __future__ import annotations

import json

import httpx2
import pytest

from .conftest import data_url, png_bytes

HEADERS = {"Authorization": "Bearer sk-test"}

IMAGE_EVENT_SCHEMAS = {
    "image_generation.partial_image": "ImageGenPartialImageEvent",
    "image_generation.completed": "ImageGenCompletedEvent",
    "image_edit.partial_image": "ImageEditPartialImageEvent",
    "image_edit.completed": "ImageEditCompletedEvent",
    "error": "ResponseErrorEvent",
}
RESPONSE_EVENT_SCHEMAS = {
    "response.created": "ResponseCreatedEvent",
    "response.in_progress": "ResponseInProgressEvent",
    "response.output_item.added": "ResponseOutputItemAddedEvent",
    "response.output_item.done": "ResponseOutputItemDoneEvent",
    "response.image_generation_call.in_progress": "ResponseImageGenCallInProgressEvent",
    "response.image_generation_call.generating": "ResponseImageGenCallGeneratingEvent",
    "response.image_generation_call.partial_image": "ResponseImageGenCallPartialImageEvent",
    "response.image_generation_call.completed": "ResponseImageGenCallCompletedEvent",
    "response.content_part.added": "ResponseContentPartAddedEvent",
    "response.content_part.done": "ResponseContentPartDoneEvent",
    "response.output_text.delta": "ResponseTextDeltaEvent",
    "response.output_text.done": "ResponseTextDoneEvent",
    "response.completed": "ResponseCompletedEvent",
    "response.failed": "ResponseFailedEvent",
    "response.queued": "ResponseQueuedEvent",
    "error": "ResponseErrorEvent",
}


def sse_events(response: httpx2.Response) -> list[tuple[str, dict]]:
    """Parse the raw stream strictly: each event is exactly one `event:` line, one `data:` line, a blank line."""
    assert response.headers["content-type"].startswith("text/event-stream")
    text = response.text
    assert text.endswith("\n\n")
    events = []
    for block in text[:-2].split("\n\n"):
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        name, data = event_line[len("event: ") :], json.loads(data_line[len("data: ") :])
        assert data["type"] == name
        events.append((name, data))
    return events


def post(emulator, path: str, **kwargs) -> httpx2.Response:
    return httpx2.post(
        f"{emulator.base_url}{path}", headers={**HEADERS, **kwargs.pop("headers", {})}, timeout=20, **kwargs
    )


@pytest.mark.parametrize("size", ["1024x1024", "1536x864"])
def test_it_sends_generation_bodies_that_validate(emulator, schemas, size):
    response = post(
        emulator, "/images/generations", json={"model": "gpt-image-2", "prompt": "A kite", "size": size}
    )

    assert response.status_code == 200
    schemas.check("ImagesResponse", response.json())
    schemas.check("ImagesUsage", response.json()["usage"])


def test_it_sends_generation_events_that_validate(emulator, schemas):
    body = {"model": "gpt-image-2", "prompt": "A kite", "stream": True, "partial_images": 3}
    events = sse_events(post(emulator, "/images/generations", json=body))

    assert [name for name, _ in events] == ["image_generation.partial_image"] * 3 + [
        "image_generation.completed"
    ]
    for name, data in events:
        schemas.check(IMAGE_EVENT_SCHEMAS[name], data)


def test_it_sends_edit_bodies_and_events_that_validate(emulator, schemas):
    files = {"image": ("photo.png", png_bytes((1024, 1024)), "image/png")}
    fields = {"model": "gpt-image-2", "prompt": "Add a hat"}
    plain = post(emulator, "/images/edits", data=fields, files=files)
    streamed = post(
        emulator, "/images/edits", data={**fields, "stream": "true", "partial_images": "2"}, files=files
    )

    schemas.check("ImagesResponse", plain.json())
    events = sse_events(streamed)
    assert [name for name, _ in events] == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    for name, data in events:
        schemas.check(IMAGE_EVENT_SCHEMAS[name], data)


def test_it_sends_a_mid_stream_error_that_validates(emulator, schemas):
    body = {"model": "gpt-image-2", "prompt": "A kite", "stream": True, "partial_images": 1}
    events = sse_events(
        post(emulator, "/images/generations", json=body, headers={"X-Emulator-Fault": "stream-error"})
    )

    assert events[-1][0] == "error"
    schemas.check("ResponseErrorEvent", events[-1][1])


@pytest.mark.parametrize(
    "status, body, fault",
    [
        (400, {"model": "gpt-image-2", "prompt": "x", "size": "100x100"}, None),
        (400, {"model": "dall-e-3", "prompt": "x"}, None),
        (429, {"model": "gpt-image-2", "prompt": "x"}, "429"),
        (400, {"model": "gpt-image-2", "prompt": "x"}, "moderation-input"),
        (403, {"model": "gpt-image-2", "prompt": "x"}, "403-verify"),
        (500, {"model": "gpt-image-2", "prompt": "x"}, "500"),
    ],
)
def test_it_sends_error_bodies_that_validate(emulator, schemas, status, body, fault):
    headers = {"X-Emulator-Fault": fault} if fault else {}
    response = post(emulator, "/images/generations", json=body, headers=headers)

    assert response.status_code == status
    schemas.check("ErrorResponse", response.json())


def test_it_sends_a_response_body_that_validates(emulator, schemas):
    body = {"model": "gpt-5.4", "input": "A lighthouse poster", "tools": [{"type": "image_generation"}]}
    response = post(emulator, "/responses", json=body)

    assert response.status_code == 200
    schemas.check("Response", response.json())
    fetched = httpx2.get(f"{emulator.base_url}/responses/{response.json()['id']}", headers=HEADERS)
    schemas.check("Response", fetched.json())


def test_it_sends_response_events_that_validate_in_the_recorded_order(emulator, schemas):
    image = data_url(png_bytes((1024, 1024)))
    body = {
        "model": "gpt-5.4",
        "stream": True,
        "input": [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Make it a poster"},
                    {"type": "input_image", "image_url": image, "detail": "auto"},
                ],
            }
        ],
        "tools": [{"type": "image_generation", "partial_images": 2, "output_format": "webp"}],
    }
    events = sse_events(post(emulator, "/responses", json=body))

    names = [name for name, _ in events]
    assert names[:7] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.output_item.done",
        "response.output_item.added",
        "response.image_generation_call.in_progress",
        "response.image_generation_call.generating",
    ]
    assert names[7:11] == [
        "response.image_generation_call.partial_image",
        "response.image_generation_call.partial_image",
        "response.image_generation_call.completed",
        "response.output_item.done",
    ]
    assert names[11:13] == ["response.output_item.added", "response.content_part.added"]
    assert set(names[13:-4]) == {"response.output_text.delta"}
    assert names[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    for name, data in events:
        schemas.check(RESPONSE_EVENT_SCHEMAS[name], data)
    schemas.check("Response", events[-1][1]["response"])


def test_it_sends_a_failed_response_stream_that_validates(emulator, schemas):
    tool = {"type": "image_generation", "partial_images": 1}
    body = {"model": "gpt-5.4", "stream": True, "input": "A kite", "tools": [tool]}
    events = sse_events(post(emulator, "/responses", json=body, headers={"X-Emulator-Fault": "stream-error"}))

    assert [name for name, _ in events][-2:] == ["error", "response.failed"]
    for name, data in events:
        schemas.check(RESPONSE_EVENT_SCHEMAS[name], data)


def test_it_announces_the_message_with_no_content_and_sends_its_part_next(emulator):
    tool = {"type": "image_generation", "partial_images": 1, "quality": "low"}
    body = {"model": "gpt-5.4", "stream": True, "input": "A kite", "tools": [tool]}
    events = sse_events(post(emulator, "/responses", json=body))

    names = [name for name, _ in events]
    start = next(
        index
        for index, (name, data) in enumerate(events)
        if name == "response.output_item.added" and data["item"]["type"] == "message"
    )
    message = events[start][1]["item"]
    assert message["content"] == [] and message["status"] == "in_progress"
    added = events[start + 1][1]
    assert names[start + 1] == "response.content_part.added"
    assert (added["item_id"], added["content_index"], added["part"]["text"]) == (message["id"], 0, "")
    deltas = [data["delta"] for name, data in events if name == "response.output_text.delta"]
    text_done = next(data for name, data in events if name == "response.output_text.done")
    assert "".join(deltas) == text_done["text"]
    item_done = next(data for name, data in reversed(events) if name == "response.output_item.done")
    assert item_done["item"]["content"][0]["text"] == text_done["text"]
    assert len(item_done["item"]["content"]) == 1


@pytest.mark.parametrize("via", ["item", "error"])
def test_it_sends_a_blocked_image_stream_that_validates(emulator, schemas, via):
    tool = {"type": "image_generation", "partial_images": 1}
    body = {"model": "gpt-5.4", "stream": True, "input": "A kite", "tools": [tool]}
    headers = {"X-Emulator-Fault": f"moderation-output;via={via}"}
    events = sse_events(post(emulator, "/responses", json=body, headers=headers))

    assert events[-1][0] == "response.failed"
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    for name, data in events:
        schemas.check(RESPONSE_EVENT_SCHEMAS[name], data)


def test_it_sends_a_background_stream_that_validates(emulator, schemas):
    tool = {"type": "image_generation", "partial_images": 1, "quality": "low"}
    body = {"model": "gpt-5.4", "stream": True, "background": True, "input": "A kite", "tools": [tool]}
    events = sse_events(post(emulator, "/responses", json=body))

    assert [name for name, _ in events][:3] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0][1]["response"]["status"] == "queued"
    for name, data in events:
        schemas.check(RESPONSE_EVENT_SCHEMAS[name], data)


def test_it_sends_a_plain_blocked_response_that_validates(emulator, schemas):
    body = {"model": "gpt-5.4", "input": "A kite", "tools": [{"type": "image_generation"}]}
    response = post(emulator, "/responses", json=body, headers={"X-Emulator-Fault": "moderation-output"})

    assert response.status_code == 200
    schemas.check("Response", response.json())


@pytest.mark.parametrize(
    "body",
    [
        {"model": "gpt-4.1", "tools": [{"type": "image_generation", "partial_images": 1, "quality": "low"}]},
        {"model": "gpt-5.4-mini"},
    ],
    ids=["a model that does not reason", "words only"],
)
def test_it_sends_other_response_streams_that_validate(emulator, schemas, body):
    events = sse_events(post(emulator, "/responses", json={**body, "stream": True, "input": "A kite"}))

    assert events[-1][0] == "response.completed"
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    for name, data in events:
        schemas.check(RESPONSE_EVENT_SCHEMAS[name], data)
    schemas.check("Response", events[-1][1]["response"])
