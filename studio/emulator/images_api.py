"""`POST /v1/images/generations` and `POST /v1/images/edits`: JSON answers or SSE streams (§2-§4)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from . import config
from .errors import (
    bad_request,
    invalid_type,
    missing_parameter,
    moderation_blocked,
    string_too_long,
    unknown_parameter,
)
from .faults import error_event, stream_error_object
from .moderations_api import blocked_by_marker
from .rendering import RenderJob, rendered
from .tokens import image_usage
from .uploads import MAX_IMAGES, check_image, check_mask, decode_data_url
from .validation import Fields, ImageOptions, check_model, check_prompt, read_image_options
from .wire import Call, Event, Form, JsonReply, StreamReply

# A generation is this many streamed steps of latency: up to three partial images, then the final one.
STEPS_PER_IMAGE = 4
# `ImageRefParam.image_url`'s maxLength in the published spec (a data URL of a little under 15 MB of image).
MAX_IMAGE_URL = 20_971_520
SCALAR_FIELDS = frozenset(
    {
        "prompt",
        "model",
        "n",
        "size",
        "quality",
        "background",
        "output_format",
        "output_compression",
        "moderation",
        "stream",
        "partial_images",
        "user",
        "safety_identifier",
    }
)
EDIT_SCALAR_FIELDS = SCALAR_FIELDS | {"input_fidelity"}


async def create_generation(call: Call) -> JsonReply | StreamReply:
    body = call.request.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", param=None, code="invalid_type")
    fields = Fields(body)
    model = check_model(fields)
    reject_unknown(body, SCALAR_FIELDS)
    prompt = check_prompt(fields)
    options = read_image_options(fields, model=model, rule_param=str)
    stream = read_stream(fields, options)
    partials = options.partial_images if stream else 0
    jobs = [RenderJob(prompt, options, partials=partials, variant=index) for index in range(options.n)]
    return await answer(call, "image_generation", jobs, options, prompt, [], stream=stream, fields=fields)


async def create_edit(call: Call) -> JsonReply | StreamReply:
    """Multipart as the SDK sends it; also the JSON body of the published spec (images as data URLs)."""
    if call.request.is_multipart():
        fields, sources, mask_source = read_multipart_edit(call.request.form())
        images_param = "image"
    else:
        fields, sources, mask_source = read_json_edit(call.request.json())
        images_param = "images"  # the JSON body's field (`ImageRefParam` list)
    model = check_model(fields)
    prompt = check_prompt(fields)
    if not sources:
        raise missing_parameter(images_param)
    if len(sources) > MAX_IMAGES:
        raise bad_request(
            f"Invalid '{images_param}': array too long. Expected an array with maximum length {MAX_IMAGES}, "
            f"but got an array with length {len(sources)} instead.",
            param=images_param,
            code="array_above_max_length",
        )
    images = [check_image(data, mime, param=param) for data, mime, param in sources]
    mask = (
        check_mask(mask_source[0], mask_source[1], images[0], param=mask_source[2]) if mask_source else None
    )
    first_size = (images[0].width, images[0].height)
    options = read_image_options(
        fields, model=model, rule_param=str, reference=first_size, accepts_fidelity=True
    )
    stream = read_stream(fields, options)
    partials = options.partial_images if stream else 0
    jobs = [
        RenderJob(
            prompt,
            options,
            partials=partials,
            variant=index,
            images=tuple(image.data for image in images),
            edit=True,
            mask=mask.data if mask else None,
            leak=config.edit_leak(),
        )
        for index in range(options.n)
    ]
    input_sizes = [(image.width, image.height) for image in images]
    return await answer(call, "image_edit", jobs, options, prompt, input_sizes, stream=stream, fields=fields)


def read_stream(fields: Fields, options: ImageOptions) -> bool:
    stream = fields.boolean("stream", False)
    if stream and options.n > 1:
        # Several images with live partials are several n=1 streams; one n>1 call has no stream.
        raise bad_request("Streaming is only supported with n=1.", param="stream", code=None)
    return stream


Source = tuple[bytes, str, str]  # data, MIME type, the parameter it came in (for errors)


def read_multipart_edit(form: Form) -> tuple[Fields, list[Source], Source | None]:
    reject_unknown(form.fields, EDIT_SCALAR_FIELDS)
    for upload in form.files:
        if upload.field not in ("image", "image[]", "mask"):
            raise unknown_parameter(upload.field)
    uploads = [upload for upload in form.files if upload.field in ("image", "image[]")]
    sources = [
        (upload.data, upload.content_type, "image" if len(uploads) == 1 else f"image[{index}]")
        for index, upload in enumerate(uploads)
    ]
    masks = [upload for upload in form.files if upload.field == "mask"]
    mask = (masks[0].data, masks[0].content_type, "mask") if masks else None
    return Fields(form.fields, from_form=True), sources, mask


def read_json_edit(body: object) -> tuple[Fields, list[Source], Source | None]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", param=None, code="invalid_type")
    reject_unknown(body, EDIT_SCALAR_FIELDS | {"images", "mask"})
    references = body.get("images") or []
    if not isinstance(references, list):
        raise invalid_type("images", "an array", references)
    sources = [image_reference(reference, f"images[{index}]") for index, reference in enumerate(references)]
    mask = image_reference(body["mask"], "mask") if body.get("mask") is not None else None
    return Fields(body), sources, mask


def image_reference(reference: object, param: str) -> Source:
    """An `ImageRefParam`: exactly one of `image_url` (a data URL here: the emulator is offline) or `file_id`."""
    if not isinstance(reference, dict) or ("image_url" in reference) == ("file_id" in reference):
        raise bad_request(
            f"Invalid '{param}': expected exactly one of 'image_url' or 'file_id'.",
            param=param,
            code="invalid_value",
        )
    if "file_id" in reference:
        raise bad_request(
            f"File '{reference['file_id']}' not found: the emulator has no Files API; use a data URL.",
            param=f"{param}.file_id",
            code=None,
        )
    url = str(reference["image_url"])
    if len(url) > MAX_IMAGE_URL:
        raise string_too_long(f"{param}.image_url", len(url), MAX_IMAGE_URL)
    data, mime = decode_data_url(url, param=f"{param}.image_url")
    return data, mime, f"{param}.image_url"


def reject_unknown(raw: dict, known: frozenset[str]) -> None:
    for key in raw:
        if key not in known:
            raise unknown_parameter(key)


async def answer(
    call: Call,
    kind: str,
    jobs: list[RenderJob],
    options: ImageOptions,
    prompt: str,
    input_sizes: list[tuple[int, int]],
    *,
    stream: bool,
    fields: Fields,
) -> JsonReply | StreamReply:
    if blocked_by_marker(prompt, options.moderation):
        raise moderation_blocked("input", call.request.request_id)
    extra = (
        {"safety_identifier": fields.string("safety_identifier")} if fields.has("safety_identifier") else {}
    )
    if stream:
        return StreamReply(image_events(call, kind, jobs, options, prompt, input_sizes, extra))
    await call.pace(STEPS_PER_IMAGE)
    if call.suffers("moderation-output"):
        raise moderation_blocked("output", call.request.request_id)
    results = [await rendered(job) for job in jobs]
    usage = image_usage(
        options, prompt=prompt, input_sizes=input_sizes, images=len(jobs), partials_per_image=0
    )
    body = {
        "created": int(time.time()),
        **options.described(),
        "data": [{"b64_json": result.final_b64} for result in results],
        "usage": usage,
        **extra,
    }
    return JsonReply(200, body)


async def image_events(
    call: Call,
    kind: str,
    jobs: list[RenderJob],
    options: ImageOptions,
    prompt: str,
    input_sizes: list[tuple[int, int]],
    extra: dict,
) -> AsyncIterator[Event]:
    """Per image: its partial images, then its completed event (images one after another when n > 1).

    Each completed event carries that image's share of `usage` (the input counted on the first), so the
    usages of one request add up to what the request cost.
    """
    sent = 0
    for index, job in enumerate(jobs):
        result = await rendered(job)
        for step in range(STEPS_PER_IMAGE - 1):
            await call.pace()
            if step >= job.partials:
                continue
            yield Event(
                f"{kind}.partial_image",
                {
                    "type": f"{kind}.partial_image",
                    "b64_json": result.partials_b64[step],
                    "created_at": int(time.time()),
                    **options.described(),
                    "partial_image_index": step,
                },
            )
            sent += 1
            if call.suffers("stream-error") and index == 0:
                yield Event("error", error_event(stream_error_object(), sent))
                return
        await call.pace()
        if index == 0 and (call.suffers("stream-error") or call.suffers("moderation-output")):
            error = stream_error_object()
            if call.suffers("moderation-output"):
                error = moderation_blocked("output", call.request.request_id).error_object()
            yield Event("error", error_event(error, sent))
            return
        usage = image_usage(
            options,
            prompt=prompt if index == 0 else "",
            input_sizes=input_sizes if index == 0 else [],
            images=1,
            partials_per_image=job.partials,
        )
        yield Event(
            f"{kind}.completed",
            {
                "type": f"{kind}.completed",
                "b64_json": result.final_b64,
                "created_at": int(time.time()),
                **options.described(),
                "usage": usage,
                **extra,
            },
        )
        sent += 1
