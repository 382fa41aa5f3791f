"""`POST /v1/responses` with the `image_generation` tool, and `GET /v1/responses/{id}` (§6).

Every call runs the same steps, the events of the recorded stream: a streamed call sends them, a plain call
answers with the response they end with, and a background call answers at once with the queued response and
keeps working, storing each new state of the response for `GET` to find.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from .errors import SERVER_ERROR, APIError, moderation_blocked
from .faults import error_event, stream_error_object
from .images_api import STEPS_PER_IMAGE
from .moderations_api import blocked_by_marker
from .rendering import rendered
from .response_objects import (
    Layout,
    base_body,
    blocked_call_item,
    finished_body,
    image_call_item,
    message_item,
    new_id,
    remember,
    remember_snapshot,
)
from .response_plan import Plan, plan_response
from .state import STATE
from .wire import Call, Event, JsonReply, StreamReply

logger = logging.getLogger(__name__)
# What a failed Response's `error.code` says of a blocked image: the published ResponseErrorCode has no
# `moderation_blocked` (that code is on the image call's own error, and on the `error` event).
BLOCKED_RESPONSE_CODE = "image_content_policy_violation"


async def create_response(call: Call) -> JsonReply | StreamReply:
    plan = plan_response(call.request.json(), chain_expired=call.suffers("expired-chain"))
    if plan.options is not None and blocked_by_marker(plan.user.text, plan.options.moderation):
        raise moderation_blocked("input", call.request.request_id)
    response_id = new_id("resp")
    if plan.stream:
        return StreamReply(response_events(call, plan, response_id))
    if plan.background:
        return JsonReply(200, start_in_background(call, plan, response_id))
    return JsonReply(200, await final_response(response_events(call, plan, response_id)))


async def retrieve_response(call: Call, response_id: str) -> JsonReply:
    stored = None if call.suffers("expired-chain") else STATE.live_response(response_id)
    if stored is None:
        raise APIError(404, f"Response with id '{response_id}' not found.", param=None, code=None)
    return JsonReply(200, stored.body)


async def final_response(events: AsyncIterator[Event]) -> dict:
    """A plain call's answer: the response the events end with; an `error` event is the HTTP error instead."""
    try:
        async for event in events:
            if event.type == "error":
                raise error_answer(event.data["error"])
            if event.type in ("response.completed", "response.failed"):
                return event.data["response"]
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    raise RuntimeError("the response events ended without a final response")


def error_answer(error: dict[str, Any]) -> APIError:
    standard = ("message", "type", "param", "code")
    return APIError(
        400 if error.get("code") == "moderation_blocked" else 500,
        error["message"],
        type=error.get("type") or SERVER_ERROR,
        param=error.get("param"),
        code=error.get("code"),
        extra={key: value for key, value in error.items() if key not in standard},
    )


def start_in_background(call: Call, plan: Plan, response_id: str) -> dict:
    queued = base_body(plan, response_id, int(time.time()), status="queued")
    # Stored before the answer leaves, so a GET right after it finds the response whenever the work starts.
    remember_snapshot(plan, queued)
    # The work outlives this request: it runs on a Call of its own, which the client leaving does not cut short.
    worker = Call(replace(call.request, disconnected=asyncio.Event()), call.fault, call.latency)
    task = asyncio.ensure_future(work_in_background(worker, plan, response_id, queued))
    STATE.tasks.add(task)
    task.add_done_callback(STATE.tasks.discard)
    return queued


async def work_in_background(call: Call, plan: Plan, response_id: str, queued: dict) -> None:
    try:
        async for _event in response_events(call, plan, response_id):
            pass  # nobody listens: each new state is stored as the events go
    except Exception:
        logger.exception("background response %s failed", response_id)
        error = {"code": "server_error", "message": stream_error_object()["message"]}
        remember_snapshot(plan, {**queued, "status": "failed", "error": error})


class Sequence:
    """Numbers the events of one stream from 0."""

    def __init__(self) -> None:
        self.number = 0

    def event(self, type: str, **fields: Any) -> Event:
        event = Event(type, {"type": type, **fields, "sequence_number": self.number})
        self.number += 1
        return event


async def response_events(call: Call, plan: Plan, response_id: str) -> AsyncIterator[Event]:
    """The event order recorded from the real API (§6.4); a background response is queued first."""
    seq = Sequence()
    layout = Layout.of(plan)
    created_at = int(time.time())
    if plan.background:
        # A background response is stored at every change of state, for GET to find while it works.
        queued = base_body(plan, response_id, created_at, status="queued")
        remember_snapshot(plan, queued)
        yield seq.event("response.created", response=queued)
        yield seq.event("response.queued", response=queued)
        await call.pace()
    progress = base_body(plan, response_id, created_at)
    if plan.background:
        remember_snapshot(plan, progress)
    else:
        yield seq.event("response.created", response=progress)
    yield seq.event("response.in_progress", response=progress)
    await call.pace()
    done: list[dict] = []
    if layout.reasoning_id is not None:
        reasoning = layout.reasoning_item()
        yield seq.event("response.output_item.added", output_index=0, item=reasoning)
        yield seq.event("response.output_item.done", output_index=0, item=reasoning)
        done.append(reasoning)
    result = None
    if plan.job is not None and layout.call_id is not None:
        call_id, index = layout.call_id, layout.call_index
        result = await rendered(plan.job)
        # Real traffic leaves `result` out here; the published schema requires it (null until done).
        item = {"id": call_id, "type": "image_generation_call", "status": "in_progress", "result": None}
        yield seq.event("response.output_item.added", output_index=index, item=item)
        yield seq.event("response.image_generation_call.in_progress", output_index=index, item_id=call_id)
        yield seq.event("response.image_generation_call.generating", output_index=index, item_id=call_id)
        for step in range(STEPS_PER_IMAGE - 1):
            await call.pace()
            if step >= plan.job.partials:
                continue
            yield seq.event(
                "response.image_generation_call.partial_image",
                output_index=index,
                item_id=call_id,
                partial_image_index=step,
                partial_image_b64=result.partials_b64[step],
                **plan.options.described(),  # type: ignore[union-attr]
            )
            if call.suffers("stream-error"):
                break
        await call.pace()
        ending = failure_of(call)
        if ending == "error":
            for event in error_events(call, plan, seq, progress, done):
                yield event
            return
        if ending == "blocked":
            for event in blocked_events(call, plan, seq, progress, done, layout):
                yield event
            return
        yield seq.event("response.image_generation_call.completed", output_index=index, item_id=call_id)
        yield seq.event(
            "response.output_item.done", output_index=index, item=image_call_item(plan, call_id, result)
        )
    async for event in message_events(plan, seq, layout):
        yield event
    body = finished_body(plan, response_id, created_at, layout, result)
    remember(plan, body, layout.call_id, result)
    yield seq.event("response.completed", response=body)


async def message_events(plan: Plan, seq: Sequence, layout: Layout) -> AsyncIterator[Event]:
    message_id, index = layout.message_id, layout.message_index
    yield seq.event("response.output_item.added", output_index=index, item=message_item(message_id, None))
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


def failure_of(call: Call) -> str | None:
    """How the image call ends under a fault: None (it does not fail), "error" (an `error` event, then
    `response.failed`) or "blocked" (the image call fails with its moderation error, then `response.failed`)."""
    if call.suffers("stream-error"):
        return "error"
    if call.suffers("moderation-output"):
        return "error" if call.fault_option("via") == "error" else "blocked"
    return None


def error_events(call: Call, plan: Plan, seq: Sequence, progress: dict, done: list[dict]) -> list[Event]:
    """A mid-stream `error` event, then `response.failed` (the SDK raises on the first and never sees the second)."""
    if call.suffers("moderation-output"):
        error = moderation_blocked("output", call.request.request_id).error_object()
        failed_error = {"code": BLOCKED_RESPONSE_CODE, "message": error["message"]}
    else:
        error = stream_error_object()
        failed_error = {"code": "server_error", "message": error["message"]}
    failed = {**progress, "status": "failed", "error": failed_error, "output": list(done)}
    remember_snapshot(plan, failed)
    data = error_event(error, seq.number)
    seq.number += 1
    return [Event("error", data), seq.event("response.failed", response=failed)]


def blocked_events(
    call: Call, plan: Plan, seq: Sequence, progress: dict, done: list[dict], layout: Layout
) -> list[Event]:
    """The output was blocked: the image call is done as `failed` with `moderation_blocked` (stage `output`),
    and the response fails. No image, so no image tokens to bill: the failed response has no usage."""
    assert layout.call_id is not None
    error = moderation_blocked("output", call.request.request_id).error_object()
    item = blocked_call_item(plan, layout.call_id, error)
    failed = {
        **progress,
        "status": "failed",
        "error": {"code": BLOCKED_RESPONSE_CODE, "message": error["message"]},
        "output": [*done, item],
    }
    remember_snapshot(plan, failed)
    return [
        seq.event("response.output_item.done", output_index=layout.call_index, item=item),
        seq.event("response.failed", response=failed),
    ]
