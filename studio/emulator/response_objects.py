"""The Response object and its output items, `usage` and `tool_usage`, and keeping a response for later turns."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace

from .rendering import Rendered
from .response_plan import Plan
from .state import STATE, GeneratedImage, StoredResponse
from .tokens import image_usage


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


@dataclass(frozen=True)
class Layout:
    """The output items one call makes, in order: a reasoning item (reasoning models only), the image call
    (with the image tool), the assistant's message. Their ids, and each one's `output_index`."""

    reasoning_id: str | None
    call_id: str | None
    message_id: str

    @classmethod
    def of(cls, plan: Plan) -> Layout:
        return cls(
            new_id("rs") if plan.effort is not None else None,
            new_id("ig") if plan.job is not None else None,
            new_id("msg"),
        )

    @property
    def call_index(self) -> int:
        return 0 if self.reasoning_id is None else 1

    @property
    def message_index(self) -> int:
        return self.call_index + (self.call_id is not None)

    def reasoning_item(self) -> dict:
        return {"id": self.reasoning_id, "type": "reasoning", "summary": []}


def usage_for(plan: Plan) -> tuple[dict, dict | None]:
    """(`usage` of the mainline model, `tool_usage` of the image tool)."""
    assert plan.usage is not None
    if plan.options is None or plan.job is None:
        return plan.usage.body(), None
    image_gen = image_usage(
        plan.options,
        prompt=plan.revised_prompt,
        input_sizes=plan.context_sizes,
        images=1,
        partials_per_image=plan.job.partials,
    )
    return plan.usage.body(), {"image_gen": image_gen, "web_search": {"num_requests": 0}}


def base_body(plan: Plan, response_id: str, created_at: int, status: str = "in_progress") -> dict:
    """The Response object before it is done. Real traffic sends `usage: null` here; the published schema
    wants an object or nothing, so `usage` is left out until the end (the SDK reads both as None)."""
    body = plan.body
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": plan.background,
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
        "reasoning": {"effort": plan.effort, "summary": None},
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


def blocked_call_item(plan: Plan, call_id: str, error: dict) -> dict:
    """The image call the safety system stopped: `failed`, no image, and the moderation error on the item
    (`ImageGenerationCall.error` of the newest SDK)."""
    return {
        "id": call_id,
        "type": "image_generation_call",
        "status": "failed",
        "action": plan.action,
        "result": None,
        "revised_prompt": plan.revised_prompt,
        "error": error,
    }


def message_item(message_id: str, text: str | None) -> dict:
    """The assistant's message; `None` while it is being written: announced with no content at all, its part
    follows in `response.content_part.added` (clients append it, so a pre-filled part would be doubled)."""
    if text is None:
        return {
            "id": message_id,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
    content = [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]
    return {
        "id": message_id,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": content,
    }


def finished_body(
    plan: Plan, response_id: str, created_at: int, layout: Layout, result: Rendered | None
) -> dict:
    body = base_body(plan, response_id, created_at)
    output: list[dict] = [layout.reasoning_item()] if layout.reasoning_id is not None else []
    if result is not None and layout.call_id is not None:
        output.append(image_call_item(plan, layout.call_id, result))
    output.append(message_item(layout.message_id, plan.message))
    usage, tool_usage = usage_for(plan)
    body.update(status="completed", completed_at=int(time.time()), output=output, usage=usage)
    if tool_usage is not None:
        body["tool_usage"] = tool_usage
    return body


def remember(plan: Plan, body: dict, call_id: str | None, result: Rendered | None) -> None:
    """Store the response (unless `store: false`) so later turns can chain from it and GET can return it."""
    image = plan.previous.image if plan.previous is not None else None
    if result is not None and plan.options is not None and call_id is not None:
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
    remember_snapshot(plan, body, image)


def remember_snapshot(plan: Plan, body: dict, image: GeneratedImage | None = None) -> None:
    """Store the response as it stands now (a background response is polled while it works)."""
    if body.get("store") is False:
        return
    if image is None and plan.previous is not None:
        image = plan.previous.image
    prompts = (*plan.previous.prompts, plan.user.text) if plan.previous is not None else (plan.user.text,)
    usage = plan.usage
    stored = StoredResponse(
        body,
        image,
        prompts,
        context_tokens=usage.context_tokens if usage is not None else 0,
        input_tokens=usage.input_tokens if usage is not None else 0,
    )
    existing = STATE.responses.get(body["id"])
    if existing is not None:
        # A response expires counted from its creation, not from its last change.
        stored = replace(stored, stored_at=existing.stored_at)
    STATE.responses.put(body["id"], stored)
