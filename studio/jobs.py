"""One job's life: claim it, call the model, store partials and finals, record usage, notify.

The same `run_job` runs in the embedded runner's threads (the default) and in `db_worker` processes
(scaled out, through `studio.tasks`). Every step writes the row first and only then tells the channel
layer to "look again", so a reload at any moment shows the truth.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from studio import broadcast, imaging, openai_client, pricing
from studio.assets import delete_assets, store_image
from studio.models import GenerationJob, ImageAsset, UsageRecord
from studio.openai_client import (
    FinalImage,
    ModelServiceError,
    PartialImage,
    RequestStarted,
    ResponseCompleted,
)

logger = logging.getLogger(__name__)
Status = GenerationJob.Status
PARTIAL_IMAGE_TOKENS = 100


_sqlite_writer = threading.RLock()


@contextmanager
def one_writer_at_a_time() -> Iterator[None]:
    """SQLite admits one writer at a time and makes the others sleep and poll, backing off up to 100 ms a
    try: under many jobs a partial image could wait a second for its INSERT. Job threads queue here instead
    and go in turn. With PostgreSQL this does nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


def claim(job_id: int) -> GenerationJob | None:
    """Atomically move a queued job to running; None if someone else has it (or it is not queued)."""
    with one_writer_at_a_time():
        claimed = GenerationJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.RUNNING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            stage="Sending to the model",
        )
    if not claimed:
        return None
    return GenerationJob.objects.select_related("owner").get(pk=job_id)


def _conversation_id(job: GenerationJob) -> int | None:
    turn = getattr(job, "turn", None) if job.kind == GenerationJob.Kind.RESPONSE else None
    return turn.conversation_id if turn else None


def notify(job: GenerationJob) -> None:
    broadcast.job_updated(job.pk, _conversation_id(job))


def run_job(job_id: int) -> None:
    """Run one job to its end. Never raises for a model-service fault: the job records it."""
    job = claim(job_id)
    if job is None:
        return
    notify(job)
    try:
        events = _open_events(job)
        _consume(job, events)
    except ModelServiceError as exc:
        _fail(job, exc)
    except Exception:
        logger.exception("job %s failed inside Atelier", job.pk)
        _fail(
            job,
            ModelServiceError("Atelier failed while handling this image. Try again.", code="internal_error"),
        )


def _open_events(job: GenerationJob) -> Iterator:
    request = job.request
    params = dict(request["params"])
    if job.kind == GenerationJob.Kind.IMAGE_GENERATE:
        return openai_client.generate_images(params)
    inputs = _input_images(job)
    mask = _mask_bytes(job)
    if job.kind == GenerationJob.Kind.IMAGE_EDIT:
        files = [(f"image-{i}.{a.format}", data, f"image/{a.format}") for i, (a, data) in enumerate(inputs)]
        return openai_client.edit_images(params, files, mask)
    tool = dict(params["tool"])
    if mask:
        tool["input_image_mask"] = {"image_url": openai_client.data_url(mask, "image/png")}
    content: str | list = params["prompt"]
    if inputs:
        content = [{"type": "input_text", "text": params["prompt"]}] + [
            {
                "type": "input_image",
                "image_url": openai_client.data_url(data, f"image/{a.format}"),
                "detail": "auto",
            }
            for a, data in inputs
        ]
        content = [{"role": "user", "content": content}]
    return openai_client.respond(
        model=params["model"],
        input=content,
        tool=tool,
        previous_response_id=params.get("previous_response_id") or None,
    )


def _input_images(job: GenerationJob) -> list[tuple[ImageAsset, bytes]]:
    ids = job.request.get("input_image_ids") or []
    assets = {a.pk: a for a in ImageAsset.objects.filter(pk__in=ids, owner=job.owner)}
    result = []
    for pk in ids:
        with assets[pk].file.open("rb") as handle:
            result.append((assets[pk], handle.read()))
    return result


def _mask_bytes(job: GenerationJob) -> bytes | None:
    mask_id = job.request.get("mask_id")
    if not mask_id:
        return None
    with ImageAsset.objects.get(pk=mask_id, owner=job.owner).file.open("rb") as handle:
        return handle.read()


def _consume(job: GenerationJob, events: Iterator) -> None:
    finals: list[tuple[FinalImage, ImageAsset]] = []
    partial_counts: dict[int, int] = {}
    for event in events:
        if isinstance(event, FinalImage):
            # Stored outside the writers' queue: a paste-back computes for a while before it writes.
            finals.append((event, _store_final(job, event, partial_counts.get(event.output_index, 0))))
            continue
        with one_writer_at_a_time():
            stop = _handle(job, event, events, finals, partial_counts)
        if stop:
            return
    _succeed(job)


def _handle(job: GenerationJob, event, events, finals: list, partial_counts: dict[int, int]) -> bool:
    """Store what one event brought. True when the job was stopped and the stream closed."""
    if isinstance(event, RequestStarted):
        job.upstream_request_id = event.request_id[:80]
        job.stage = "Generating"
        job.save(update_fields=["upstream_request_id", "stage"])
    elif isinstance(event, PartialImage):
        if _was_cancelled(job):
            events.close()
            return True
        _store_partial(job, event)
        partial_counts[event.output_index] = partial_counts.get(event.output_index, 0) + 1
    elif isinstance(event, ResponseCompleted):
        _complete_turn(job, event, *finals[-1], partials=sum(partial_counts.values()))
    return False


def _was_cancelled(job: GenerationJob) -> bool:
    return GenerationJob.objects.filter(pk=job.pk, status=Status.CANCELLED).exists()


def _store(job: GenerationJob, data: bytes, kind: str, **fields) -> ImageAsset:
    """Store one of the job's images, in the writers' queue; its thumbnail is made when a list asks."""
    with one_writer_at_a_time():
        return store_image(job.owner, data, kind=kind, job=job, thumbnail=False, **fields)


def _store_partial(job: GenerationJob, event: PartialImage) -> None:
    """The hot path of the live relay: one INSERT, one small message (the image's id, never its bytes)."""
    image = _store(
        job,
        event.image,
        ImageAsset.Kind.PARTIAL,
        dedupe=False,
        partial_index=event.index,
        output_index=event.output_index,
    )
    broadcast.partial_ready(
        job.pk,
        _conversation_id(job),
        turn_id=job.turn.pk if job.kind == GenerationJob.Kind.RESPONSE else None,
        image_id=image.pk,
        index=event.index,
        output_index=event.output_index,
        total=job.request.get("partial_images_total") or 0,
        width=image.width,
        height=image.height,
    )


def _store_final(job: GenerationJob, event: FinalImage, partials: int) -> ImageAsset:
    """Store a finished image at once (it is never lost, whatever happens next) and, for the Image
    API, record its usage. The page hears of it when the job succeeds, a moment later; its thumbnail is
    made when a list first asks for it, off the streaming path."""
    mask_id = job.request.get("mask_id")
    paste_back = job.request.get("paste_back_feather")
    fields = {"output_index": event.output_index, "mask_id": mask_id}
    if mask_id and paste_back is not None:
        final = _pasted_back(job, event, int(paste_back), fields)
    else:
        final = _store(job, event.image, ImageAsset.Kind.FINAL, **fields)
    if job.kind != GenerationJob.Kind.RESPONSE:
        with one_writer_at_a_time():
            _record_usage(job, event.usage, event.size, event.quality, partials, api=UsageRecord.Api.IMAGES)
    return final


def _pasted_back(job: GenerationJob, event: FinalImage, feather: int, fields: dict) -> ImageAsset:
    raw = _store(job, event.image, ImageAsset.Kind.RAW, **fields)
    (original_asset, original), *_ = _input_images(job)
    mask = _mask_bytes(job)
    if (original_asset.width, original_asset.height) != (raw.width, raw.height):
        # The model answered at another size: there is nothing to paste back onto, so keep its image.
        return _store(job, event.image, ImageAsset.Kind.FINAL, **fields)
    composite = imaging.paste_back(original, event.image, mask, feather_px=feather, out_format=raw.format)
    leak = imaging.leak_ratio(original, event.image, mask)
    return _store(job, composite, ImageAsset.Kind.FINAL, raw=raw, leak_ratio=leak, **fields)


def _record_usage(
    job: GenerationJob, usage: dict | None, size: str, quality: str, partials: int, *, api: str
) -> UsageRecord:
    params = job.request["params"]
    model = job.image_model
    quality = quality or params.get("quality") or (params.get("tool") or {}).get("quality") or "auto"
    size = size or params.get("size") or (params.get("tool") or {}).get("size") or "auto"
    if usage is None:
        # The service reported no image usage (older Responses deployments): record the table's figure.
        estimate = pricing.estimate(
            model, quality, size, partial_images=partials, prompt=params.get("prompt", "")
        )
        usage = {
            "input_tokens": estimate.input_text_tokens,
            "input_tokens_details": {"text_tokens": estimate.input_text_tokens, "image_tokens": 0},
            "output_tokens": estimate.output_tokens + estimate.partial_image_tokens,
        }
    details = usage.get("input_tokens_details") or {}
    text_tokens = details.get("text_tokens", usage.get("input_tokens", 0)) or 0
    return UsageRecord.objects.create(
        owner_id=job.owner_id,
        job=job,
        api=api,
        model=model,
        quality=quality,
        size=size,
        input_text_tokens=text_tokens,
        input_image_tokens=details.get("image_tokens", 0) or 0,
        output_tokens=usage.get("output_tokens", 0) or 0,
        partial_image_tokens=PARTIAL_IMAGE_TOKENS * partials,
        cost_usd=pricing.cost_from_usage(model, usage),
    )


def _complete_turn(
    job: GenerationJob, event: ResponseCompleted, image: FinalImage, final: ImageAsset, *, partials: int
) -> None:
    size = image.size or f"{final.width}x{final.height}"
    _record_usage(job, event.image_usage, size, image.quality, partials, api=UsageRecord.Api.RESPONSES)
    turn = job.turn
    turn.response_id = event.response_id
    turn.assistant_text = event.assistant_text
    turn.revised_prompt = image.revised_prompt
    turn.image_call_id = image.image_call_id
    turn.save(update_fields=["response_id", "assistant_text", "revised_prompt", "image_call_id"])


def _succeed(job: GenerationJob) -> None:
    with one_writer_at_a_time(), transaction.atomic():
        # A finished image wins over a late Stop: the user keeps what they paid for.
        GenerationJob.objects.filter(pk=job.pk).update(
            status=Status.SUCCEEDED, stage="Done", finished_at=timezone.now(), error_code="", error_message=""
        )
        job.refresh_from_db()
        _settle_budget(job)
    notify(job)


def _fail(job: GenerationJob, exc: ModelServiceError) -> None:
    with one_writer_at_a_time(), transaction.atomic():
        updated = GenerationJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.FAILED,
            stage="Failed",
            finished_at=timezone.now(),
            error_code=exc.code[:60],
            error_message=exc.message,
            upstream_request_id=exc.request_id[:80] or F("upstream_request_id"),
        )
        if updated and exc.extra:
            job.refresh_from_db()
            job.request = {**job.request, "error_extra": exc.extra}
            job.save(update_fields=["request"])
        _release_budget(job)
    notify(job)


def _settle_budget(job: GenerationJob) -> None:
    from studio import budgets

    actual = sum((record.cost_usd for record in job.usage_records.all()), Decimal("0"))
    budgets.settle(job, actual)


def _release_budget(job: GenerationJob) -> None:
    from studio import budgets

    budgets.release(job)


# -- Actions from the user ----------------------------------------------------------------------------


def cancel_job(job: GenerationJob) -> bool:
    """Stop a queued or running job. The runner sees it at the next event and closes the stream."""
    with transaction.atomic():
        cancelled = GenerationJob.objects.filter(pk=job.pk, status__in=GenerationJob.ACTIVE_STATUSES).update(
            status=Status.CANCELLED, stage="Stopped", finished_at=timezone.now()
        )
        if cancelled:
            _release_budget(job)
    if cancelled:
        job.refresh_from_db()
        notify(job)
    return bool(cancelled)


def retry_job(job: GenerationJob) -> GenerationJob:
    """Queue a failed or cancelled job again, as it was first sent. Its old partial images go."""
    from studio import budgets, runner

    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (Status.FAILED, Status.CANCELLED):
            return job
        budgets.reserve(job, job.estimated_cost_usd)
        job.status = Status.QUEUED
        job.stage = "Queued"
        job.error_code = job.error_message = ""
        job.started_at = job.finished_at = None
        job.request = {k: v for k, v in job.request.items() if k != "error_extra"}
        job.save()
        delete_assets(job.images.filter(kind=ImageAsset.Kind.PARTIAL))
        runner.enqueue(job)
    notify(job)
    return job
