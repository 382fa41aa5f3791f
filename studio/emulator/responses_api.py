"""`POST /v1/responses` with the `image_generation` tool, and `GET /v1/responses/{id}` (§6)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from .errors import APIError, moderation_blocked
from .faults import error_event, stream_error_object
from .images_api import STEPS_PER_IMAGE
from .rendering import rendered
from .response_objects import base_body, finished_body, image_call_item, message_item, new_id, remember
from .response_plan import Plan, plan_response
from .state import STATE
from .wire import Call, Event, JsonReply, StreamReply


async def create_response(call: Call) -> JsonReply | StreamReply:
    plan = plan_response(call.request.json())
    response_id = new_id("resp")
    if plan.body.get("stream") is True:
        return StreamReply(response_events(call, plan, response_id))
    await call.pace(1 + STEPS_PER_IMAGE)
    if plan.job is not None and call.suffers("moderation-output"):
        raise moderation_blocked("output", call.request.request_id)
    result = await rendered(plan.job) if plan.job is not None else None
    ids = (new_id("rs"), new_id("ig"), new_id("msg"))
    body = finished_body(plan, response_id, ids, result)
    remember(plan, body, ids[1], result)
    return JsonReply(200, body)


async def retrieve_response(call: Call, response_id: str) -> JsonReply:
    stored = STATE.responses.get(response_id)
    if stored is None:
        raise APIError(404, f"Response with id '{response_id}' not found.", param=None, code=None)
    return JsonReply(200, stored.body)


class Sequence:
    """Numbers the events of one stream from 0."""

    def __init__(self) -> None:
        self.number = 0

    def event(self, type: str, **fields: Any) -> Event:
        event = Event(type, {"type": type, **fields, "sequence_number": self.number})
        self.number += 1
        return event


async def response_events(call: Call, plan: Plan, response_id: str) -> AsyncIterator[Event]:
    """The event order recorded from the real API (§6.4)."""
    seq = Sequence()
    reasoning_id, call_id, message_id = new_id("rs"), new_id("ig"), new_id("msg")
    created = base_body(plan, response_id, int(time.time()))
    yield seq.event("response.created", response=created)
    yield seq.event("response.in_progress", response=created)
    await call.pace()
    reasoning = {"id": reasoning_id, "type": "reasoning", "summary": []}
    yield seq.event("response.output_item.added", output_index=0, item=reasoning)
    yield seq.event("response.output_item.done", output_index=0, item=reasoning)
    result = None
    message_index = 1
    if plan.job is not None:
        message_index = 2
        result = await rendered(plan.job)
        # Real traffic leaves `result` out here; the published schema requires it (null until done).
        item = {"id": call_id, "type": "image_generation_call", "status": "in_progress", "result": None}
        yield seq.event("response.output_item.added", output_index=1, item=item)
        yield seq.event("response.image_generation_call.in_progress", output_index=1, item_id=call_id)
        yield seq.event("response.image_generation_call.generating", output_index=1, item_id=call_id)
        for step in range(STEPS_PER_IMAGE - 1):
            await call.pace()
            if step >= plan.job.partials:
                continue
            yield seq.event(
                "response.image_generation_call.partial_image",
                output_index=1,
                item_id=call_id,
                partial_image_index=step,
                partial_image_b64=result.partials_b64[step],
                **plan.options.described(),  # type: ignore[union-attr]
            )
            if call.suffers("stream-error"):
                break
        await call.pace()
        if call.suffers("stream-error") or call.suffers("moderation-output"):
            for event in failure_events(call, plan, seq, created):
                yield event
            return
        yield seq.event("response.image_generation_call.completed", output_index=1, item_id=call_id)
        yield seq.event(
            "response.output_item.done", output_index=1, item=image_call_item(plan, call_id, result)
        )
    async for event in message_events(plan, seq, message_id, message_index):
        yield event
    body = finished_body(plan, response_id, (reasoning_id, call_id, message_id), result)
    remember(plan, body, call_id, result)
    yield seq.event("response.completed", response=body)


async def message_events(plan: Plan, seq: Sequence, message_id: str, index: int) -> AsyncIterator[Event]:
    yield seq.event(
        "response.output_item.added", output_index=index, item=message_item(message_id, "", "in_progress")
    )
    empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    part = {"item_id": message_id, "output_index": index, "content_index": 0}
    yield seq.event("response.content_part.added", **part, part=empty)
    words = plan.message.split(" ")
    for start in range(0, len(words), 3):
        delta = " ".join(words[start : start + 3]) + (" " if start + 3 < len(words) else "")
        yield seq.event("response.output_text.delta", **part, delta=delta, logprobs=[])
    yield seq.event("response.output_text.done", **part, text=plan.message, logprobs=[])
    yield seq.event("response.content_part.done", **part, part={**empty, "text": plan.message})
    yield seq.event(
        "response.output_item.done", output_index=index, item=message_item(message_id, plan.message)
    )


def failure_events(call: Call, plan: Plan, seq: Sequence, created: dict) -> list[Event]:
    """A mid-stream `error` event, then `response.failed` (the SDK raises on the first and never sees the second)."""
    if call.suffers("moderation-output"):
        error = moderation_blocked("output", call.request.request_id).error_object()
        failed_error = {"code": "image_content_policy_violation", "message": error["message"]}
    else:
        error = stream_error_object()
        failed_error = {"code": "server_error", "message": error["message"]}
    failed = {**created, "status": "failed", "error": failed_error}
    data = error_event(error, seq.number)
    seq.number += 1
    return [Event("error", data), seq.event("response.failed", response=failed)]
