"""Jobs: `queue_job()`, the one way to queue anything, and one job's life (`run_job`): claim it, call the
model, store partials and finals, record usage, settle the budget, notify.

The worker (`studio.core.worker`) runs `run_job` in the embedded runner's threads (the default) or in
`db_worker` processes (scaled out); it hears of new jobs through the `job_queued` signal, so nothing here
calls up into it. Every step writes the row first and only then tells the channel layer to "look again",
so a reload at any moment shows the truth.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from studio.core import broadcast, budgets, cache, events, imaging, openai_client, pricing
from studio.core.openai_client import (
    FinalImage,
    InputImage,
    ModelServiceError,
    PartialImage,
    RequestStarted,
    ResponseCompleted,
)
from studio.core.requests import ImageRequest, JobRequest, TurnRequest, from_json, to_json
from studio.core.storage import delete_assets, store_image
from studio.core.usage import Usage, estimated_image_usage
from studio.models import GenerationJob, ImageAsset, UsageRecord

logger = logging.getLogger(__name__)
Status = GenerationJob.Status

job_queued = Signal()  # sent with `job_id` once a queued job's transaction commits


# -- Queueing -----------------------------------------------------------------------------------------


def queue_job(
    owner,
    request: JobRequest,
    *,
    fresh: bool = False,
    draft_of: GenerationJob | None = None,
    attach: Callable[[GenerationJob], None] | None = None,
) -> GenerationJob:
    """Queue what `request` asks for, or answer an Image API request from the cache (unless `fresh`).

    In one transaction: the job row, its budget reservation, `attach(job)` (where a conversation creates
    its Turn) and its scheduling, which happens when the transaction commits. Raises
    `requests.InvalidRequest` or `budgets.BudgetExceeded`; nothing is created then.
    """
    request.validate()
    inputs = _owned_images(owner, request.input_image_ids)
    mask = ImageAsset.objects.for_user(owner).filter(pk=request.mask_id).first() if request.mask_id else None
    fields = {
        "owner": owner,
        "kind": request.kind,
        "request": to_json(request),
        "draft_of": draft_of,
        **_summary(request),
    }
    with transaction.atomic():
        if isinstance(request, ImageRequest):
            fields["cache_key"] = cache.cache_key(request, inputs, mask)
            source = None if fresh else cache.cached_job(owner, fields["cache_key"])
            if source is not None:
                return cache.reuse(source, **fields)
        estimate = estimate_cost(request, inputs)
        job = GenerationJob.objects.create(stage="Queued", estimated_cost_usd=estimate, **fields)
        budgets.reserve(job, estimate)
        if attach is not None:
            attach(job)
        _schedule(job)
    return job


def _summary(request: JobRequest) -> dict:
    """The columns lists filter and search by, copied from the request."""
    options = request.options
    summary = {"prompt": request.prompt, "image_model": options.model, "quality": options.quality}
    summary["size"] = options.size
    if isinstance(request, TurnRequest):
        summary["previous_response_id"] = request.previous_response_id
    return summary


def estimate_cost(request: JobRequest, inputs: list[ImageAsset]) -> Decimal:
    options = request.options
    return pricing.estimate(
        options.model,
        options.quality,
        options.size,
        n=request.n,
        partial_images=options.partial_images,
        input_images=[(image.width, image.height) for image in inputs],
        prompt=request.prompt,
    ).cost_usd


def _owned_images(owner, ids: tuple[int, ...]) -> list[ImageAsset]:
    """The owner's images with these ids, in that order (missing ones left out)."""
    found = {image.pk: image for image in ImageAsset.objects.for_user(owner).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _schedule(job: GenerationJob) -> None:
    job_id = job.pk
    transaction.on_commit(lambda: job_queued.send(sender=GenerationJob, job_id=job_id))


# -- Actions from the user ----------------------------------------------------------------------------


def cancel_job(job: GenerationJob) -> bool:
    """Stop a queued or running job. The runner sees it at the next event and closes the stream."""
    with transaction.atomic():
        cancelled = GenerationJob.objects.filter(pk=job.pk, status__in=GenerationJob.ACTIVE_STATUSES).update(
            status=Status.CANCELLED, stage="Stopped", finished_at=timezone.now()
        )
        if cancelled:
            budgets.release(job)
            events.job_finished.send(sender=GenerationJob, job_id=job.pk)
    if cancelled:
        job.refresh_from_db()
        notify(job)
    return bool(cancelled)


def retry_job(job: GenerationJob) -> GenerationJob:
    """Queue a failed or cancelled job again, as it was first sent. Its old partial images go.
    Raises `budgets.BudgetExceeded` (the job is left as it was then)."""
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (Status.FAILED, Status.CANCELLED):
            return job
        budgets.reserve(job, job.estimated_cost_usd)
        job.status = Status.QUEUED
        job.stage = "Queued"
        job.error_code = job.error_message = job.error_param = job.blocked_stage = ""
        job.blocked_categories = []
        job.started_at = job.finished_at = None
        job.save()
        delete_assets(job.images.filter(kind=ImageAsset.Kind.PARTIAL))
        _schedule(job)
    notify(job)
    return job


# -- One job's life -----------------------------------------------------------------------------------

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


def notify(job: GenerationJob) -> None:
    broadcast.job_updated(job.pk, _conversation_id(job))


def _conversation_id(job: GenerationJob) -> int | None:
    request = from_json(job.request)
    return request.conversation_id if isinstance(request, TurnRequest) else None


class _Run:
    """What a running job knows: its row, its typed request, and its input images (read once)."""

    def __init__(self, job: GenerationJob) -> None:
        self.job = job
        self.request = from_json(job.request)
        self.conversation_id = _conversation_id(job)
        self.partials: dict[int, int] = {}  # partial images stored, per output index
        self._inputs: list[tuple[ImageAsset, bytes]] | None = None

    def inputs(self) -> list[tuple[ImageAsset, bytes]]:
        if self._inputs is None:
            owned = {image.pk: image for image in _owned_images(self.job.owner, self.request.input_image_ids)}
            missing = [pk for pk in self.request.input_image_ids if pk not in owned]
            if missing:
                raise ModelServiceError(
                    f"Input image #{missing[0]} was deleted before this job ran. Pick the images again.",
                    code="input_image_missing",
                    retryable=False,
                )
            self._inputs = [(owned[pk], _read(owned[pk])) for pk in self.request.input_image_ids]
        return self._inputs

    def mask(self) -> bytes | None:
        if self.request.mask_id is None:
            return None
        mask = ImageAsset.objects.filter(pk=self.request.mask_id, owner=self.job.owner).first()
        if mask is None:
            raise ModelServiceError(
                "The mask was deleted before this job ran. Paint it again.",
                code="mask_missing",
                retryable=False,
            )
        return _read(mask)


def _read(image: ImageAsset) -> bytes:
    with image.file.open("rb") as handle:
        return handle.read()


def run_job(job_id: int) -> None:
    """Run one job to its end. Never raises for a model-service fault: the job records it."""
    job = claim(job_id)
    if job is None:
        return
    notify(job)
    run = _Run(job)
    try:
        _consume(run, _open_events(run))
    except ModelServiceError as exc:
        _fail(job, exc)
    except Exception:
        logger.exception("job %s failed inside Atelier", job.pk)
        _fail(
            job,
            ModelServiceError("Atelier failed while handling this image. Try again.", code="internal_error"),
        )


def _open_events(run: _Run) -> Iterator:
    request = run.request
    images = [InputImage(data, asset.format) for asset, data in run.inputs()]
    if isinstance(request, TurnRequest):
        return openai_client.respond(request, images, run.mask())
    if request.input_image_ids:
        return openai_client.edit_images(request, images, run.mask())
    return openai_client.generate_images(request)


def _consume(run: _Run, events: Iterator) -> None:
    finals: list[tuple[FinalImage, ImageAsset]] = []
    for event in events:
        if isinstance(event, FinalImage):
            # Stored outside the writers' queue: a paste-back computes for a while before it writes.
            finals.append((event, _store_final(run, event)))
            continue
        with one_writer_at_a_time():
            stop = _handle(run, event, events, finals)
        if stop:
            return
    _succeed(run.job)


def _handle(run: _Run, event, events, finals: list) -> bool:
    """Store what one event brought. True when the job was stopped and the stream closed."""
    job = run.job
    if isinstance(event, RequestStarted):
        job.upstream_request_id = event.request_id[:80]
        job.stage = "Generating"
        job.save(update_fields=["upstream_request_id", "stage"])
    elif isinstance(event, PartialImage):
        if _was_cancelled(job):
            events.close()
            return True
        _store_partial(run, event)
    elif isinstance(event, ResponseCompleted):
        _complete_turn(run, event, *finals[-1])
    return False


def _was_cancelled(job: GenerationJob) -> bool:
    return GenerationJob.objects.filter(pk=job.pk, status=Status.CANCELLED).exists()


def _store(job: GenerationJob, data: bytes, kind: str, **fields) -> ImageAsset:
    """Store one of the job's images, in the writers' queue; its thumbnail is made when a list asks."""
    with one_writer_at_a_time():
        return store_image(job.owner, data, kind=kind, job=job, thumbnail=False, **fields)


def _store_partial(run: _Run, event: PartialImage) -> None:
    """The hot path of the live relay: one INSERT, one small message (the image's id, never its bytes)."""
    image = _store(
        run.job,
        event.image,
        ImageAsset.Kind.PARTIAL,
        dedupe=False,
        partial_index=event.index,
        output_index=event.output_index,
    )
    run.partials[event.output_index] = run.partials.get(event.output_index, 0) + 1
    broadcast.partial_ready(
        run.job.pk,
        run.conversation_id,
        image_id=image.pk,
        index=event.index,
        output_index=event.output_index,
        total=run.request.options.partial_images,
        width=image.width,
        height=image.height,
    )


def _store_final(run: _Run, event: FinalImage) -> ImageAsset:
    """Store a finished image at once (it is never lost, whatever happens next) and, for the Image
    API, record its usage. The page hears of it when the job succeeds, a moment later; its thumbnail is
    made when a list first asks for it, off the streaming path."""
    request, job = run.request, run.job
    fields = {"output_index": event.output_index, "mask_id": request.mask_id}
    if request.mask_id and request.paste_back_feather is not None:
        final = _pasted_back(run, event, fields)
    else:
        final = _store(job, event.image, ImageAsset.Kind.FINAL, **fields)
    if isinstance(request, ImageRequest):
        usage = event.usage or _estimated_usage(run, event)
        with one_writer_at_a_time():
            _record_usage(job, usage, event, api=UsageRecord.Api.IMAGES)
    return final


def _pasted_back(run: _Run, event: FinalImage, fields: dict) -> ImageAsset:
    job = run.job
    raw = _store(job, event.image, ImageAsset.Kind.RAW, **fields)
    (original_asset, original), *_ = run.inputs()
    if (original_asset.width, original_asset.height) != (raw.width, raw.height):
        # The model answered at another size: there is nothing to paste back onto, so keep its image.
        return _store(job, event.image, ImageAsset.Kind.FINAL, **fields)
    mask = run.mask()
    feather = run.request.paste_back_feather
    composite = imaging.paste_back(original, event.image, mask, feather_px=feather, out_format=raw.format)
    leak = imaging.leak_ratio(original, event.image, mask)
    return _store(job, composite, ImageAsset.Kind.FINAL, raw=raw, leak_ratio=leak, **fields)


def _estimated_usage(run: _Run, event: FinalImage) -> Usage:
    """The service reported no image usage (older Responses deployments): record the table's figure."""
    options = run.request.options
    return estimated_image_usage(
        options.model,
        event.quality or options.quality,
        event.size or options.size,
        prompt=run.request.prompt,
        partials=run.partials.get(event.output_index, 0),
    )


def _record_usage(job: GenerationJob, usage: Usage, image: FinalImage, *, api: str) -> UsageRecord:
    return UsageRecord.objects.create(
        owner_id=job.owner_id,
        job=job,
        api=api,
        model=usage.model,
        quality=image.quality or job.quality or "auto",
        size=image.size or job.size or "auto",
        input_text_tokens=usage.input_text_tokens,
        input_image_tokens=usage.input_image_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        output_tokens=usage.output_tokens,
        partial_image_tokens=usage.partial_image_tokens,
        cost_usd=usage.cost_usd,
    )


def _complete_turn(run: _Run, event: ResponseCompleted, image: FinalImage, final: ImageAsset) -> None:
    job = run.job
    if not image.size:
        image = replace(image, size=f"{final.width}x{final.height}")
    usage = event.image_usage or _estimated_usage(run, image)
    _record_usage(job, usage, image, api=UsageRecord.Api.RESPONSES)
    job.response_id = event.response_id
    job.assistant_text = event.assistant_text
    job.revised_prompt = image.revised_prompt
    job.image_call_id = image.image_call_id
    job.save(update_fields=["response_id", "assistant_text", "revised_prompt", "image_call_id"])


def _succeed(job: GenerationJob) -> None:
    with one_writer_at_a_time(), transaction.atomic():
        # A finished image wins over a late Stop: the user keeps what they paid for.
        GenerationJob.objects.filter(pk=job.pk).update(
            status=Status.SUCCEEDED, stage="Done", finished_at=timezone.now(), error_code="", error_message=""
        )
        job.refresh_from_db()
        actual = sum((record.cost_usd for record in job.usage_records.all()), Decimal("0"))
        budgets.settle(job, actual)
        events.job_finished.send(sender=GenerationJob, job_id=job.pk)
    notify(job)


def _fail(job: GenerationJob, exc: ModelServiceError) -> None:
    with one_writer_at_a_time(), transaction.atomic():
        failed = GenerationJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.FAILED,
            stage="Failed",
            finished_at=timezone.now(),
            error_code=exc.code[:60],
            error_message=exc.message,
            error_param=exc.param[:80],
            blocked_stage=exc.blocked_stage[:10],
            blocked_categories=exc.blocked_categories,
            upstream_request_id=exc.request_id[:80] or F("upstream_request_id"),
        )
        budgets.release(job)
        if failed:
            events.job_finished.send(sender=GenerationJob, job_id=job.pk)
    notify(job)
