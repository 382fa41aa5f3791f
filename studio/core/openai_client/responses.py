"""The Responses API with the image_generation tool: one conversation turn, streamed when it has partial images
(OpenAI refuses a stream without), else one plain call. Both models' usage; a blocked image as a moderation
block."""

from __future__ import annotations

from collections.abc import AsyncIterator

from studio.core.errors import ModelServiceError
from studio.core.openai_client.client import call_plain, call_streamed, data_url, decode_b64, get_client
from studio.core.openai_client.events import (
    CallUsage,
    Event,
    FinalImage,
    InputImage,
    PartialImage,
    ResponseCompleted,
)
from studio.core.openai_client.images import estimated_usage, image_usage, option_kwargs
from studio.core.requests import TurnRequest
from studio.core.usage import mainline_usage


def _turn_kwargs(request: TurnRequest, images: list[InputImage], mask: bytes | None) -> dict:
    tool = {"type": "image_generation", **option_kwargs(request.options)}
    if request.options.partial_images:
        tool["partial_images"] = request.options.partial_images
    if mask:
        tool["action"] = "edit"
        tool["input_image_mask"] = {"image_url": data_url(mask, "image/png")}
    content: str | list = request.prompt
    if images:
        content = [
            {
                "role": "user",
                "content": [{"type": "input_text", "text": request.prompt}]
                + [
                    {"type": "input_image", "image_url": data_url(image.data, image.mime), "detail": "auto"}
                    for image in images
                ],
            }
        ]
    kwargs = {
        "model": request.mainline_model,
        "input": content,
        "tools": [tool],
        "tool_choice": {"type": "image_generation"},
    }
    if request.previous_response_id:
        kwargs["previous_response_id"] = request.previous_response_id
    return kwargs


def _blocked(item_or_response) -> ModelServiceError:
    """A blocked image inside a Responses call: the same outcome as a moderation block on the Image API."""
    error = getattr(item_or_response, "error", None)
    extra = getattr(item_or_response, "model_extra", None) or {}
    error = error if error is not None else extra.get("error")
    details = _get(error, "moderation_details") or {}
    stage = _get(details, "moderation_stage") or "output"
    return ModelServiceError(
        "The safety system blocked the generated image. Rephrase the prompt (describe the scene without the "
        "flagged content) and try again; blocked images are not charged.",
        code="moderation_blocked",
        detail=_get(error, "message") or "",
        retryable=False,
        blocked_stage=stage,
        blocked_categories=list(_get(details, "categories") or []),
    )


def _get(obj, name: str):
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _is_blocked_call(item) -> bool:
    error = getattr(item, "error", None) or (getattr(item, "model_extra", None) or {}).get("error")
    return getattr(item, "status", "") == "failed" and _get(error, "code") == "moderation_blocked"


def _final_of(item) -> FinalImage:
    if _is_blocked_call(item):
        raise _blocked(item)
    if not item.result:
        raise ModelServiceError("The model finished the turn without an image. Try again.", code="no_image")
    return FinalImage(
        decode_b64(item.result),
        size=getattr(item, "size", None) or "",
        quality=getattr(item, "quality", None) or "",
        output_format=getattr(item, "output_format", None) or "",
        revised_prompt=getattr(item, "revised_prompt", None) or "",
        image_call_id=item.id,
    )


def _turn_usages(request: TurnRequest, response, partials: int) -> list[CallUsage]:
    """Both models' usage of one response: the mainline model's (`usage`) and the image tool's."""
    tool_usage = getattr(response, "tool_usage", None)
    image_gen = getattr(tool_usage, "image_gen", None) if tool_usage else None
    image = image_usage(request.options.model, image_gen, partials)
    if image is None:
        # `tool_usage` may be missing (it is from older traffic): the table's figure for the image as it was
        # made, whose call says its size and quality (the request may have said `auto`).
        call = next((item for item in response.output or [] if item.type == "image_generation_call"), None)
        image = estimated_usage(
            request, getattr(call, "quality", None), getattr(call, "size", None), partials
        )
    usages = [CallUsage(image, f"{response.id}:image")]
    if response.usage is not None:
        details = getattr(response.usage, "input_tokens_details", None)
        mainline = mainline_usage(
            request.mainline_model,
            input_tokens=response.usage.input_tokens or 0,
            cached_tokens=getattr(details, "cached_tokens", 0) or 0,
            output_tokens=response.usage.output_tokens or 0,
        )
        usages.append(CallUsage(mainline, f"{response.id}:mainline"))
    return usages


def _failed(response) -> ModelServiceError:
    for item in response.output or []:
        if getattr(item, "type", "") == "image_generation_call" and _is_blocked_call(item):
            return _blocked(item)
    error = getattr(response, "error", None)
    if _get(error, "code") in ("moderation_blocked", "image_content_policy_violation"):
        return _blocked(response)
    message = _get(error, "message") or "The model did not finish this turn."
    return ModelServiceError(
        f"The model service stopped this turn: {message}", code=_get(error, "code") or "response_failed"
    )


def respond(request: TurnRequest, images: list[InputImage], mask: bytes | None) -> AsyncIterator[Event]:
    """One Responses API turn that must call the image_generation tool: streamed when it has partial
    images (OpenAI refuses a stream without), else one plain call."""
    kwargs = _turn_kwargs(request, images, mask)
    api = get_client().responses
    if not request.options.partial_images:
        return _respond_plain(request, api, kwargs)

    async def parse(stream, request_id: str) -> AsyncIterator[Event]:
        final = text = None
        partials = 0
        async for event in stream:
            kind = event.type
            if kind == "response.image_generation_call.partial_image":
                partials += 1
                yield PartialImage(event.partial_image_index, decode_b64(event.partial_image_b64))
            elif kind == "response.output_item.done" and event.item.type == "image_generation_call":
                final = _final_of(event.item)
                yield final
            elif kind == "response.output_text.done":
                text = event.text
            elif kind == "response.completed":
                if final is None:
                    break
                for usage in _turn_usages(request, event.response, partials):
                    yield usage
                yield ResponseCompleted(event.response.id, assistant_text=text or "")
                return
            elif kind in ("response.failed", "response.incomplete"):
                raise _failed(event.response)
        raise ModelServiceError(
            "The response stream ended before the image was finished. Try again.", code="stream_cut"
        )

    return call_streamed(api.create, parse, **kwargs)


async def _respond_plain(request: TurnRequest, api, kwargs: dict) -> AsyncIterator[Event]:
    started, response = await call_plain(api.with_raw_response.create, **kwargs)
    yield started
    if response.status != "completed":
        raise _failed(response)
    calls = [item for item in response.output or [] if getattr(item, "type", "") == "image_generation_call"]
    if not calls:
        raise ModelServiceError("The model finished the turn without an image. Try again.", code="no_image")
    yield _final_of(calls[-1])
    for usage in _turn_usages(request, response, 0):
        yield usage
    yield ResponseCompleted(response.id, assistant_text=getattr(response, "output_text", "") or "")
