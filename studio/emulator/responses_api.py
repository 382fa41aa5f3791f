"""`POST /v1/responses` with the `image_generation` tool, and `GET /v1/responses/{id}` (§6)."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from . import config
from .conversation import UserInput, read_input
from .errors import (
    APIError,
    bad_request,
    invalid_type,
    missing_parameter,
    moderation_blocked,
    unknown_parameter,
)
from .faults import stream_error_object
from .images_api import STEPS_PER_IMAGE, error_event
from .rendering import Rendered, RenderJob, rendered
from .state import STATE, GeneratedImage, StoredResponse
from .tokens import image_usage, text_tokens
from .uploads import check_image, check_mask, decode_data_url
from .validation import (
    Fields,
    ImageOptions,
    check_model,
    check_prompt_text,
    read_image_options,
)
from .wire import Call, Event, JsonReply, StreamReply

TOOL_FIELDS = frozenset(
    {
        "type",
        "model",
        "action",
        "size",
        "quality",
        "background",
        "output_format",
        "output_compression",
        "moderation",
        "partial_images",
        "input_fidelity",
        "input_image_mask",
    }
)
# The newest SDK documents gpt-image-2.6-sunburst as the default; the emulator does not play the 2.5/2.6 family.
DEFAULT_TOOL_MODEL = "gpt-image-2"
# What the mainline model reads besides the user's words: its system prompt and the tool's definition.
MAINLINE_OVERHEAD_TOKENS = 240
REASONING_TOKENS = 64


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


@dataclass
class Plan:
    """What one Responses call will do, decided before any waiting."""

    body: dict
    previous: StoredResponse | None
    user: UserInput
    tools_echo: list[dict]
    options: ImageOptions | None
    action: str
    job: RenderJob | None
    revised_prompt: str
    message: str
    context_sizes: list[tuple[int, int]]


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


def plan_response(body: Any) -> Plan:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", param=None, code="invalid_type")
    fields = Fields(body)
    if fields.string("model") is None:
        raise missing_parameter("model")
    fields.boolean("stream", False)
    fields.boolean("store", True)
    previous = None
    previous_id = fields.string("previous_response_id")
    if previous_id is not None:
        previous = STATE.responses.get(previous_id)
        if previous is None:
            raise bad_request(
                f"Previous response with id '{previous_id}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
    user = read_input(body.get("input"))
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise invalid_type("tools", "an array", tools)
    text = check_prompt_text(user.text, "input") if user.texts else ""
    if not text and not user.images and not user.referenced:
        raise missing_parameter("input")
    for index, tool in enumerate(tools):
        if isinstance(tool, dict) and tool.get("type") == "image_generation":
            return plan_image_call(body, previous, user, text, tools, index)
    message = "I can only make images when the image_generation tool is enabled."
    return Plan(body, previous, user, list(tools), None, "none", None, "", message, [])


def plan_image_call(
    body: dict, previous: StoredResponse | None, user: UserInput, text: str, tools: list, index: int
) -> Plan:
    tool = tools[index]
    for key in tool:
        if key not in TOOL_FIELDS:
            raise unknown_parameter(f"tools[{index}].{key}")
    fields = Fields(tool, name=lambda key: f"tools[{index}].{key}")
    model = check_model(fields, default=DEFAULT_TOOL_MODEL)
    action = fields.choice("action", ("generate", "edit", "auto"), "auto")
    context = [image.data for image in user.images] + [image.data for image in user.referenced]
    sizes = [(image.width, image.height) for image in user.images]
    sizes += [(image.width, image.height) for image in user.referenced]
    chain_image = previous.image if previous is not None and not context else None
    if chain_image is not None:
        sizes = [(chain_image.width, chain_image.height)]
    reference = sizes[0] if sizes else None
    options = read_image_options(
        fields,
        model=model,
        rule_param=lambda _: "tools",
        allow_n=False,
        reference=reference,
        accepts_fidelity=True,
    )
    has_context = bool(context) or chain_image is not None
    if action == "auto":
        action = "edit" if has_context else "generate"
    if action == "edit" and not has_context:
        raise bad_request(
            "The image_generation tool was asked to edit, but there is no image in the conversation to edit.",
            param="tools",
            code="invalid_value",
        )
    mask = read_mask(tool.get("input_image_mask"), index, user, chain_image)
    partials = options.partial_images if body.get("stream") is True else 0
    prompts = (*previous.prompts, text) if previous is not None else (text,)
    if action == "generate":
        job = RenderJob(text or "Untitled", options, partials=partials)
        sizes = []
    elif chain_image is not None and mask is None:
        job = RenderJob(text, options, partials=partials, previous=chain_image.data, instruction=text)
    else:
        images = tuple(context) if context else (chain_image.data,)  # type: ignore[union-attr]
        job = RenderJob(
            text, options, partials=partials, images=images, edit=True, mask=mask, leak=config.edit_leak()
        )
    tools_echo = [echo_tool(tool, options) if number == index else tool for number, tool in enumerate(tools)]
    revised = revised_prompt(prompts, previous)
    message = assistant_message(text, previous is not None)
    return Plan(body, previous, user, tools_echo, options, action, job, revised, message, sizes)


def read_mask(raw: Any, index: int, user: UserInput, chain_image: GeneratedImage | None) -> bytes | None:
    if raw is None:
        return None
    param = f"tools[{index}].input_image_mask"
    if not isinstance(raw, dict) or not isinstance(raw.get("image_url"), str):
        raise bad_request(
            f"Invalid '{param}': the emulator takes the mask as a base64 data URL in 'image_url'.",
            param=param,
            code="invalid_value",
        )
    data, mime = decode_data_url(raw["image_url"], param=f"{param}.image_url")
    first = user.images[0] if user.images else None
    if first is None:
        source = user.referenced[0] if user.referenced else chain_image
        if source is None:
            raise bad_request("A mask needs an image to apply to.", param=param, code="invalid_value")
        first = check_image(source.data, f"image/{source.output_format}", param=param)
    return check_mask(data, mime, first, param=param).data


def echo_tool(tool: dict, options: ImageOptions) -> dict:
    """The tool as the server echoes it in `response.tools`: what was sent, with the defaults filled in."""
    echoed = {
        "type": "image_generation",
        "action": "auto",
        "background": "auto",
        "model": options.model,
        "moderation": "auto",
        "n": 1,
        "output_compression": 100,
        "output_format": "png",
        "partial_images": 0,
        "quality": "auto",
        "size": "auto",
    }
    echoed.update(tool)
    return echoed


def revised_prompt(prompts: tuple[str, ...], previous: StoredResponse | None) -> str:
    """What the mainline model sends the image model: the user's words, expanded."""
    latest = prompts[-1].strip().rstrip(".") or "An image"
    if previous is None or len(prompts) == 1:
        return (
            f"{latest}. A polished graphic design with a clear focal point, a bold sans-serif headline, "
            "a restrained palette of flat colours and generous negative space."
        )
    history = "; ".join(prompt.strip().rstrip(".") for prompt in prompts[:-1] if prompt.strip())
    return (
        f"Revise the previous design ({history}): {latest}. Keep the composition, typography and layout "
        "otherwise unchanged."
    )


def assistant_message(text: str, follow_up: bool) -> str:
    words = " ".join(text.split()[:8])
    return f"Done: I revised the image ({words})." if follow_up else f"Here is your design: {words}."


def usage_for(plan: Plan) -> tuple[dict, dict | None]:
    """(`usage` of the mainline model, `tool_usage` of the image tool)."""
    input_tokens = MAINLINE_OVERHEAD_TOKENS + text_tokens(plan.user.text)
    if plan.previous is not None:
        carried = plan.previous.body.get("usage") or {}
        input_tokens += carried.get("input_tokens", 0) + carried.get("output_tokens", 0)
    output_tokens = REASONING_TOKENS + text_tokens(plan.revised_prompt) + text_tokens(plan.message)
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": REASONING_TOKENS},
        "total_tokens": input_tokens + output_tokens,
    }
    if plan.options is None or plan.job is None:
        return usage, None
    image_gen = image_usage(
        plan.options,
        prompt=plan.revised_prompt,
        input_sizes=plan.context_sizes,
        images=1,
        partials_per_image=plan.job.partials,
    )
    return usage, {"image_gen": image_gen, "web_search": {"num_requests": 0}}


def base_body(plan: Plan, response_id: str, created_at: int) -> dict:
    """The Response object while in progress. Real traffic sends `usage: null` here; the published schema
    wants an object or nothing, so `usage` is left out until the end (the SDK reads both as None)."""
    body = plan.body
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": "in_progress",
        "background": False,
        "completed_at": None,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": body["model"],
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": "medium", "summary": None},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": plan.tools_echo,
        "top_logprobs": 0,
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "metadata": body.get("metadata") or {},
        **({"user": body["user"]} if isinstance(body.get("user"), str) else {}),
    }


def image_call_item(plan: Plan, call_id: str, result: Rendered) -> dict:
    assert plan.options is not None
    return {
        "id": call_id,
        "type": "image_generation_call",
        "status": "completed",
        "action": plan.action,
        **plan.options.described(),
        "result": result.final_b64,
        "revised_prompt": plan.revised_prompt,
    }


def message_item(message_id: str, text: str, status: str = "completed") -> dict:
    content = [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]
    return {"id": message_id, "type": "message", "status": status, "role": "assistant", "content": content}


def finished_body(plan: Plan, response_id: str, ids: tuple[str, str, str], result: Rendered | None) -> dict:
    reasoning_id, call_id, message_id = ids
    body = base_body(plan, response_id, int(time.time()))
    output: list[dict] = [{"id": reasoning_id, "type": "reasoning", "summary": []}]
    if result is not None:
        output.append(image_call_item(plan, call_id, result))
    output.append(message_item(message_id, plan.message))
    usage, tool_usage = usage_for(plan)
    body.update(status="completed", completed_at=int(time.time()), output=output, usage=usage)
    if tool_usage is not None:
        body["tool_usage"] = tool_usage
    return body


def remember(plan: Plan, body: dict, call_id: str, result: Rendered | None) -> None:
    """Store the response (unless `store: false`) so later turns can chain from it."""
    image = plan.previous.image if plan.previous is not None else None
    if result is not None and plan.options is not None:
        image = GeneratedImage(
            call_id=call_id,
            data=result.final,
            output_format=plan.options.output_format,
            width=plan.options.width,
            height=plan.options.height,
            prompt=plan.user.text,
            revised_prompt=plan.revised_prompt,
        )
        STATE.images.put(call_id, image)
    if body.get("store") is not False:
        prompts = (*plan.previous.prompts, plan.user.text) if plan.previous is not None else (plan.user.text,)
        STATE.responses.put(body["id"], StoredResponse(body, image, prompts))


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
