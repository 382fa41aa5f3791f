"""The Response object and its output items, `usage` and `tool_usage`, and keeping a finished response for
later turns."""

from __future__ import annotations

import secrets
import time

from .rendering import Rendered
from .response_plan import Plan
from .state import STATE, GeneratedImage, StoredResponse
from .tokens import image_usage, text_tokens

# What the mainline model reads besides the user's words: its system prompt and the tool's definition.
MAINLINE_OVERHEAD_TOKENS = 240
REASONING_TOKENS = 64


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


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
