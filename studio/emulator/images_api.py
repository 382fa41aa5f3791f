"""`POST /v1/images/generations` and `POST /v1/images/edits`: JSON answers or SSE streams (§2-§4)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from . import config
from .errors import bad_request, missing_parameter, moderation_blocked, unknown_parameter
from .faults import error_event, stream_error_object
from .rendering import RenderJob, rendered
from .tokens import image_usage
from .uploads import MAX_IMAGES, InputImage, check_image, check_mask
from .validation import Fields, ImageOptions, check_model, check_prompt, read_image_options
from .wire import Call, Event, JsonReply, StreamReply

# A generation is this many streamed steps of latency: up to three partial images, then the final one.
STEPS_PER_IMAGE = 4
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
    stream = fields.boolean("stream", False)
    partials = options.partial_images if stream else 0
    jobs = [RenderJob(prompt, options, partials=partials, variant=index) for index in range(options.n)]
    return await answer(call, "image_generation", jobs, options, prompt, [], stream=stream, fields=fields)


async def create_edit(call: Call) -> JsonReply | StreamReply:
    if not call.request.is_multipart():
        raise bad_request(
            "The emulator takes edits as multipart/form-data, the way the SDK sends them.",
            param=None,
            code="invalid_request",
        )
    form = call.request.form()
    fields = Fields(form.fields, from_form=True)
    model = check_model(fields)
    reject_unknown(form.fields, EDIT_SCALAR_FIELDS)
    for upload in form.files:
        if upload.field not in ("image", "image[]", "mask"):
            raise unknown_parameter(upload.field)
    prompt = check_prompt(fields)
    uploads = [upload for upload in form.files if upload.field in ("image", "image[]")]
    if not uploads:
        raise missing_parameter("image")
    if len(uploads) > MAX_IMAGES:
        raise bad_request(
            f"Invalid 'image': array too long. Expected an array with maximum length {MAX_IMAGES}, "
            f"but got an array with length {len(uploads)} instead.",
            param="image",
            code="array_above_max_length",
        )
    images: list[InputImage] = []
    for index, upload in enumerate(uploads):
        param = "image" if len(uploads) == 1 else f"image[{index}]"
        images.append(check_image(upload.data, upload.content_type, param=param))
    masks = [upload for upload in form.files if upload.field == "mask"]
    mask = check_mask(masks[0].data, masks[0].content_type, images[0]) if masks else None
    first_size = (images[0].width, images[0].height)
    options = read_image_options(
        fields, model=model, rule_param=str, reference=first_size, accepts_fidelity=True
    )
    stream = fields.boolean("stream", False)
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
