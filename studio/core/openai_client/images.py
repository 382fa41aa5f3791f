"""The Image API: generations and edits, one streamed image at a time (OpenAI streams only n=1) or all n in one
plain call."""

from __future__ import annotations

from collections.abc import AsyncIterator

from studio.core.errors import ModelServiceError
from studio.core.openai_client.client import call_plain, call_streamed, decode_b64, get_client
from studio.core.openai_client.events import CallUsage, Event, FinalImage, InputImage, PartialImage
from studio.core.requests import ImageOptions, ImageRequest
from studio.core.usage import Usage, estimated_image_usage

PARTIAL_IMAGE_TOKENS = 100  # what each partial image adds to a call's output tokens


def option_kwargs(options: ImageOptions) -> dict:
    """The image options as both APIs take them, leaving out what is unset (the API's default)."""
    kwargs = {
        "model": options.model,
        "size": options.size,
        "quality": options.quality,
        "output_format": options.output_format,
        "moderation": options.moderation,
    }
    if options.output_compression is not None:
        kwargs["output_compression"] = options.output_compression
    if options.background != "auto":
        kwargs["background"] = options.background
    return kwargs


def image_usage(model: str, usage, partials: int) -> Usage | None:
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


def _image_call(request: ImageRequest, images: list[InputImage], mask: bytes | None, **kwargs) -> tuple:
    """The SDK method and arguments of a generation (no input images) or an edit."""
    kwargs = {"prompt": request.prompt, **option_kwargs(request.options), **kwargs}
    api = get_client().images
    if not images:
        return api, "generate", kwargs
    kwargs.pop("moderation")  # the edits endpoint has no moderation setting
    kwargs["image"] = [
        (f"image-{i}.{image.format}", image.data, image.mime) for i, image in enumerate(images)
    ]
    if mask:
        kwargs["mask"] = ("mask.png", mask, "image/png")
    return api, "edit", kwargs


def stream_image(
    request: ImageRequest, images: list[InputImage], mask: bytes | None, *, output_index: int = 0
) -> AsyncIterator[Event]:
    """One image, streamed (n=1: OpenAI streams nothing else): PartialImage events, its FinalImage, its usage.
    Several live variants are several of these streams side by side, one `output_index` each."""
    api, method, kwargs = _image_call(
        request, images, mask, n=1, partial_images=request.options.partial_images
    )
    prefix = "image_generation" if method == "generate" else "image_edit"
    model = request.options.model

    async def parse(stream, request_id: str) -> AsyncIterator[Event]:
        partials = 0
        async for event in stream:
            if event.type == f"{prefix}.partial_image":
                partials += 1
                yield PartialImage(event.partial_image_index, decode_b64(event.b64_json), output_index)
            elif event.type == f"{prefix}.completed":
                yield FinalImage(
                    decode_b64(event.b64_json),
                    output_index=output_index,
                    size=event.size or "",
                    quality=event.quality or "",
                    output_format=event.output_format or "",
                )
                usage = image_usage(model, getattr(event, "usage", None), partials)
                yield CallUsage(
                    usage or estimated_usage(request, event.quality, event.size, partials), request_id
                )
                return
        raise ModelServiceError(
            "The image stream ended before the image was finished. Try again.", code="stream_cut"
        )

    return call_streamed(getattr(api, method), parse, **kwargs)


async def create_images(
    request: ImageRequest, images: list[InputImage], mask: bytes | None
) -> AsyncIterator[Event]:
    """All `n` images in one plain call (no partial images): a FinalImage each, then the call's usage."""
    api, method, kwargs = _image_call(request, images, mask, n=request.n)
    started, answer = await call_plain(getattr(api.with_raw_response, method), **kwargs)
    yield started
    for index, item in enumerate(answer.data or []):
        yield FinalImage(
            decode_b64(item.b64_json),
            output_index=index,
            size=answer.size or "",
            quality=answer.quality or "",
            output_format=answer.output_format or "",
        )
    usage = image_usage(request.options.model, answer.usage, 0)
    yield CallUsage(
        usage or estimated_usage(request, answer.quality, answer.size, 0, n=request.n), started.request_id
    )


def estimated_usage(request, quality: str | None, size: str | None, partials: int, n: int = 1) -> Usage:
    """The table's figure, for a service that reported no usage."""
    return estimated_image_usage(
        request.options.model,
        quality or request.options.quality,
        size or request.options.size,
        prompt=request.prompt,
        partials=partials,
        n=n,
    )
