"""The only module that imports `openai`.

It turns our requests (`ImageRequest`, `TurnRequest`) into SDK calls, the SDK's events into our own small
event types (with `Usage`, never the SDK's usage objects), and the SDK's exceptions into `ModelServiceError`
with a plain-English message. Nothing outside this module knows the SDK's shapes.
With no OPENAI_API_KEY the very same calls go to the emulator (settings point OPENAI_BASE_URL at it).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

import openai
from django.conf import settings

from studio.core.requests import ImageOptions, ImageRequest, TurnRequest
from studio.core.usage import Usage

EMULATOR_API_KEY = "sk-atelier-emulator"


# -- Events -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartialImage:
    index: int
    image: bytes
    output_index: int = 0


@dataclass(frozen=True)
class FinalImage:
    """A finished image. For a Responses turn, the ids and texts of the turn come with it."""

    image: bytes
    output_index: int = 0
    size: str = ""
    quality: str = ""
    output_format: str = ""
    usage: Usage | None = None
    revised_prompt: str = ""
    image_call_id: str = ""


@dataclass(frozen=True)
class ResponseCompleted:
    response_id: str
    assistant_text: str = ""
    image_usage: Usage | None = None


@dataclass(frozen=True)
class RequestStarted:
    request_id: str


Event = PartialImage | FinalImage | ResponseCompleted | RequestStarted


@dataclass(frozen=True)
class InputImage:
    """An image sent with a request: its bytes and format (png, jpeg or webp)."""

    data: bytes
    format: str

    @property
    def mime(self) -> str:
        return f"image/{self.format}"


# -- Errors -------------------------------------------------------------------------------------------


@dataclass
class ModelServiceError(Exception):
    """A fault of the model service, with what to tell the user."""

    message: str
    code: str = "service_error"
    request_id: str = ""
    detail: str = ""
    retryable: bool = True
    param: str = ""  # the request field the service refused
    blocked_stage: str = ""  # a moderation block: "input" or "output"
    blocked_categories: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def _error_fields(exc: openai.APIError) -> dict:
    body = exc.body if isinstance(exc.body, dict) else {}
    return {
        "code": str(getattr(exc, "code", None) or body.get("code") or ""),
        "param": getattr(exc, "param", None) or body.get("param") or "",
        "message": body.get("message") or getattr(exc, "message", "") or str(exc),
        "moderation": body.get("moderation_details") or {},
        "request_id": getattr(exc, "request_id", None) or "",
    }


def translate_error(exc: openai.OpenAIError) -> ModelServiceError:
    """Our exception, with a message a designer can act on, for any SDK exception."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelServiceError(
            "The model took too long to answer and the request timed out. Try again, perhaps at a lower "
            "quality or a smaller size.",
            code="timeout",
        )
    if isinstance(exc, openai.APIConnectionError):
        return ModelServiceError(
            "The connection to the model service dropped before the image was finished. Try again.",
            code="connection_error",
            detail=str(exc),
        )
    if not isinstance(exc, openai.APIError):
        return ModelServiceError(f"The model service client failed: {exc}", code="client_error")
    fields = _error_fields(exc)
    request_id, code, upstream = fields["request_id"], fields["code"], fields["message"]
    if code == "moderation_blocked" or "safety system" in upstream:
        stage = fields["moderation"].get("moderation_stage") or "unknown"
        categories = fields["moderation"].get("categories") or []
        where = {"input": "your prompt", "output": "the generated image"}.get(stage, "the request")
        return ModelServiceError(
            f"The safety system blocked {where}. Rephrase the prompt (describe the scene without the "
            "flagged content) and try again; blocked requests are not charged.",
            code="moderation_blocked",
            request_id=request_id,
            detail=upstream,
            retryable=False,
            blocked_stage=stage,
            blocked_categories=list(categories),
        )
    if isinstance(exc, openai.RateLimitError) or code in ("rate_limit_exceeded", "insufficient_quota"):
        if code == "insufficient_quota":
            text = "The OpenAI account has run out of quota. An admin needs to check its billing."
        else:
            text = "The model service is rate limiting this account. Wait a minute, then retry."
        return ModelServiceError(text, code=code or "rate_limited", request_id=request_id, detail=upstream)
    if isinstance(exc, openai.AuthenticationError):
        return ModelServiceError(
            "The OpenAI API key was refused. An admin needs to check OPENAI_API_KEY.",
            code="authentication_failed",
            request_id=request_id,
            detail=upstream,
            retryable=False,
        )
    if isinstance(exc, openai.PermissionDeniedError):
        if "verified" in upstream:
            return ModelServiceError(
                "This OpenAI organization must be verified before it can use this model. An admin can do "
                "this in the OpenAI platform settings (Organization > General), then retry.",
                code="organization_not_verified",
                request_id=request_id,
                detail=upstream,
                retryable=False,
            )
        return ModelServiceError(
            f"The model service refused access: {upstream}", code="permission_denied", request_id=request_id
        )
    if isinstance(exc, openai.BadRequestError | openai.NotFoundError | openai.UnprocessableEntityError):
        param = f" ({fields['param']})" if fields["param"] else ""
        return ModelServiceError(
            f"The model service rejected the request{param}: {upstream}",
            code=code or "invalid_request",
            request_id=request_id,
            detail=upstream,
            retryable=False,
            param=fields["param"],
        )
    if isinstance(exc, openai.InternalServerError):
        return ModelServiceError(
            "The model service had an internal error and did not finish the image. Try again in a moment.",
            code="server_error",
            request_id=request_id,
            detail=upstream,
        )
    # An `error` event inside a stream: the HTTP status was 200, so the SDK raises a bare APIError.
    return ModelServiceError(
        f"The model service stopped with an error while streaming: {upstream}",
        code=code or "stream_error",
        request_id=request_id,
        detail=upstream,
    )


# -- Client -------------------------------------------------------------------------------------------


@functools.cache
def _client(api_key: str, base_url: str, timeout: float, max_retries: int) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries)


def get_client() -> openai.OpenAI:
    """One client (and so one connection pool) per configuration, shared by the job threads."""
    return _client(
        settings.OPENAI_API_KEY or EMULATOR_API_KEY,
        settings.OPENAI_BASE_URL,
        settings.ATELIER_OPENAI_TIMEOUT,
        settings.ATELIER_OPENAI_MAX_RETRIES,
    )


def _extra_headers() -> dict[str, str]:
    return dict(getattr(settings, "ATELIER_OPENAI_EXTRA_HEADERS", {}) or {})


def _decode(b64: str | None) -> bytes:
    return base64.b64decode(b64 or "")


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _guard(events: Iterator[Event], stream) -> Iterator[Event]:
    """Translate SDK errors raised while iterating, and always close the HTTP stream."""
    try:
        yield RequestStarted(_request_id_of(stream))
        yield from events
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    finally:
        stream.close()


def _request_id_of(stream) -> str:
    response = getattr(stream, "response", None)
    return response.headers.get("x-request-id", "") if response is not None else ""


def _open(call, **kwargs):
    try:
        return call(stream=True, extra_headers=_extra_headers(), **kwargs)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc


# -- Image API ----------------------------------------------------------------------------------------

PARTIAL_IMAGE_TOKENS = 100  # what each partial image adds to a call's output tokens


def _option_kwargs(options: ImageOptions) -> dict:
    """The image options as both APIs take them, leaving out what is unset (the API's default)."""
    kwargs = {
        "model": options.model,
        "size": options.size,
        "quality": options.quality,
        "output_format": options.output_format,
        "partial_images": options.partial_images,
        "moderation": options.moderation,
    }
    if options.output_compression is not None:
        kwargs["output_compression"] = options.output_compression
    if options.background != "auto":
        kwargs["background"] = options.background
    return kwargs


def _image_usage(model: str, usage, partials: int) -> Usage | None:
    """Our Usage from an Image API (or image tool) usage block: input split into text and image tokens."""
    if usage is None:
        return None
    details = getattr(usage, "input_tokens_details", None)
    image_in = getattr(details, "image_tokens", 0) or 0
    text = getattr(details, "text_tokens", None)
    if text is None:
        text = (usage.input_tokens or 0) - image_in
    return Usage(
        model=model,
        input_text_tokens=text,
        input_image_tokens=image_in,
        cached_input_tokens=getattr(details, "cached_tokens", 0) or 0,
        output_tokens=usage.output_tokens or 0,
        partial_image_tokens=PARTIAL_IMAGE_TOKENS * partials,
    )


def _image_api_events(stream, prefix: str, model: str) -> Iterator[Event]:
    output_index = partials = 0
    for event in stream:
        if event.type == f"{prefix}.partial_image":
            partials += 1
            yield PartialImage(event.partial_image_index, _decode(event.b64_json), output_index)
        elif event.type == f"{prefix}.completed":
            yield FinalImage(
                _decode(event.b64_json),
                output_index=output_index,
                size=event.size or "",
                quality=event.quality or "",
                output_format=event.output_format or "",
                usage=_image_usage(model, getattr(event, "usage", None), partials),
            )
            output_index += 1
            partials = 0
    if output_index == 0:
        raise ModelServiceError(
            "The image stream ended before the image was finished. Try again.", code="stream_cut"
        )


def generate_images(request: ImageRequest) -> Iterator[Event]:
    """Stream `images.generate`: PartialImage events, then a FinalImage per image."""
    kwargs = {"prompt": request.prompt, "n": request.n, **_option_kwargs(request.options)}
    stream = _open(get_client().images.generate, **kwargs)
    return _guard(_image_api_events(stream, "image_generation", request.options.model), stream)


def edit_images(request: ImageRequest, images: list[InputImage], mask: bytes | None) -> Iterator[Event]:
    """Stream `images.edit` with up to 16 input images and an optional PNG mask (the first image's size)."""
    kwargs = {"prompt": request.prompt, "n": request.n, **_option_kwargs(request.options)}
    kwargs.pop("moderation")  # the edits endpoint has no moderation setting
    files = [(f"image-{i}.{image.format}", image.data, image.mime) for i, image in enumerate(images)]
    extra = {"mask": ("mask.png", mask, "image/png")} if mask else {}
    stream = _open(get_client().images.edit, image=files, **extra, **kwargs)
    return _guard(_image_api_events(stream, "image_edit", request.options.model), stream)


# -- Responses API ------------------------------------------------------------------------------------


def _response_events(stream, image_model: str) -> Iterator[Event]:
    final_seen = completed = False
    text = ""
    partials = 0
    for event in stream:
        kind = event.type
        if kind == "response.image_generation_call.partial_image":
            partials += 1
            yield PartialImage(event.partial_image_index, _decode(event.partial_image_b64))
        elif kind == "response.output_item.done" and event.item.type == "image_generation_call":
            item = event.item
            final_seen = True
            yield FinalImage(
                _decode(item.result),
                size=getattr(item, "size", None) or "",
                quality=getattr(item, "quality", None) or "",
                output_format=getattr(item, "output_format", None) or "",
                revised_prompt=getattr(item, "revised_prompt", None) or "",
                image_call_id=item.id,
            )
        elif kind == "response.output_text.done":
            text = event.text
        elif kind == "response.completed":
            completed = True
            response = event.response
            tool_usage = getattr(response, "tool_usage", None)
            image_gen = getattr(tool_usage, "image_gen", None) if tool_usage else None
            yield ResponseCompleted(
                response.id, assistant_text=text, image_usage=_image_usage(image_model, image_gen, partials)
            )
        elif kind in ("response.failed", "response.incomplete"):
            error = getattr(event.response, "error", None)
            message = getattr(error, "message", "") or "The model did not finish this turn."
            raise ModelServiceError(
                f"The model service stopped this turn: {message}", code=getattr(error, "code", "") or kind
            )
    if not (final_seen and completed):
        raise ModelServiceError(
            "The response stream ended before the image was finished. Try again.", code="stream_cut"
        )


def _turn_input(request: TurnRequest, images: list[InputImage]) -> str | list:
    """The user's message: the prompt alone, or the prompt with its reference images."""
    if not images:
        return request.prompt
    content = [{"type": "input_text", "text": request.prompt}] + [
        {"type": "input_image", "image_url": data_url(image.data, image.mime), "detail": "auto"}
        for image in images
    ]
    return [{"role": "user", "content": content}]


def respond(request: TurnRequest, images: list[InputImage], mask: bytes | None) -> Iterator[Event]:
    """Stream one Responses API turn that must call the image_generation tool."""
    tool = {"type": "image_generation", **_option_kwargs(request.options)}
    if mask:
        tool["action"] = "edit"
        tool["input_image_mask"] = {"image_url": data_url(mask, "image/png")}
    kwargs = {"previous_response_id": request.previous_response_id} if request.previous_response_id else {}
    stream = _open(
        get_client().responses.create,
        model=request.mainline_model,
        input=_turn_input(request, images),
        tools=[tool],
        tool_choice={"type": "image_generation"},
        **kwargs,
    )
    return _guard(_response_events(stream, request.options.model), stream)
