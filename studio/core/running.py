"""One job's life, on the worker's event loop: call the model, store partials and finals as they come, record
usage once per upstream response, settle or release the budget, notify. `run_job` is the entry point; the
worker claims the job first and cancels the task for a Stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from studio.core import broadcast, budgets, cutouts, events, imaging, openai_client
from studio.core.errors import ModelServiceError
from studio.core.jobs import conversation_of, notify, owned_images
from studio.core.openai_client import (
    CallUsage,
    FinalImage,
    InputImage,
    PartialImage,
    RequestStarted,
    ResponseCompleted,
)
from studio.core.requests import TurnRequest, from_json, restarted
from studio.core.storage import atomic_with_files, store_image
from studio.core.usage import estimated_image_usage, estimated_mainline_usage
from studio.core.writers import one_writer_at_a_time
from studio.models import GenerationJob, ImageAsset, UsageRecord

logger = logging.getLogger(__name__)
Status = GenerationJob.Status


# -- One job's life -----------------------------------------------------------------------------------


def db(function: Callable) -> Callable:
    """`function` as a coroutine, run in a thread: off the event loop, many at once. Inline (tests) it runs in
    the thread that queued the job, on its connection and inside its transaction."""
    return sync_to_async(function, thread_sensitive=settings.ATELIER_JOB_RUNNER == "inline")


class _Run:
    """What a running job knows: its row, its typed request, and its input images (read once)."""

    def __init__(self, job: GenerationJob, on_limits: Callable[[str, dict], None] | None) -> None:
        self.job = job
        self.request = from_json(job.request)
        self.conversation_id = conversation_of(job)
        self.on_limits = on_limits
        self.finals: dict[int, ImageAsset] = {}
        self._inputs: list[tuple[ImageAsset, bytes]] | None = None

    def inputs(self) -> list[tuple[ImageAsset, bytes]]:
        if self._inputs is None:
            ids = self.request.input_image_ids
            owned = {image.pk: image for image in owned_images(self.job.owner, ids)}
            missing = [pk for pk in ids if pk not in owned]
            if missing:
                raise ModelServiceError(
                    f"Input image #{missing[0]} was deleted before this job ran. Pick the images again.",
                    code="input_image_missing",
                    retryable=False,
                )
            self._inputs = [(owned[pk], _read(owned[pk])) for pk in ids]
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

    def sent_images(self) -> tuple[list[InputImage], bytes | None]:
        images = [InputImage(data, asset.format) for asset, data in self.inputs()]
        mask = self.mask()
        if mask is not None and images[0].format != "png":
            # The service wants the mask and the image it applies to (the first) in one format, and a mask is
            # a PNG (it needs alpha): a JPEG or WebP first image goes as a PNG of the same pixels.
            images[0] = InputImage(imaging.convert_format(images[0].data, "png"), "png")
        return images, mask


def _read(image: ImageAsset) -> bytes:
    with image.file.open("rb") as handle:
        return handle.read()


async def run_job(job: GenerationJob, *, on_limits: Callable[[str, dict], None] | None = None) -> None:
    """Run one claimed job to its end: `succeeded` or `failed` with a reason, its reservation settled or
    released. A Stop cancels the task running this (the job is `cancelled` already, its partials kept).
    `on_limits(model, headers)` hears the service's rate-limit headers."""
    await notify(job)
    run = _Run(job, on_limits)
    try:
        # Only a job claimed before (taken over, or put back in line) can have stored anything already.
        if job.attempts <= 1 or not await db(_finished_before)(job):
            await _call_the_model(run)
        if cutouts.asks_for_key_out(run.request):  # most jobs do not: no trip to a database thread
            await db(cutouts.key_out_finals)(job, store=_store)  # after the finals are stored: they are kept
    except ModelServiceError as exc:
        # A worker (with rate limits to honour) puts a rate-limited job back in line, a few times.
        if exc.code == "rate_limit_exceeded" and on_limits is not None and await db(_back_in_line)(job, exc):
            on_limits(run.request.options.model, {"retry-after": str(exc.retry_after or 20)})
            await notify(job)
            return
        if isinstance(run.request, TurnRequest) and run.finals:
            # The turn's image came before the stream broke: the turn has its image, kept and charged. What
            # was lost is the reply and the response id: the next turn goes on from the image, as from a draft.
            await db(_succeed)(job, reply=LOST_REPLY)
        else:
            await db(_fail)(job, exc)
    except asyncio.CancelledError:
        raise  # a Stop (the row says so already) or a shutdown (the lease runs out; another worker resumes)
    except Exception:
        logger.exception("job %s failed inside Atelier", job.pk)
        await db(_fail)(
            job,
            ModelServiceError("Atelier failed while handling this image. Try again.", code="internal_error"),
        )
    else:
        await db(_succeed)(job)
    await notify(job)


async def _call_the_model(run: _Run) -> None:
    request = run.request
    # Most turns send no image: no trip to a database thread for them (it is the latency that counts here).
    sends_images = bool(request.input_image_ids) or request.mask_id is not None
    images, mask = await db(run.sent_images)() if sends_images else ([], None)
    if isinstance(request, TurnRequest):
        try:
            await _consume(run, openai_client.respond(request, images, mask))
        except ModelServiceError as exc:
            if exc.code != "previous_response_not_found" or request.restart_image_id is None:
                raise
            await _restart_chain(run)
    elif request.options.partial_images:
        # Live partials: one n=1 stream per image (OpenAI streams nothing else), side by side. Each tile
        # fills and finishes on its own; if one fails, the others still finish, and are kept. A job sent
        # before (put back in line, taken over, retried) asks again only for the tiles it has not got: each
        # kept tile was stored with its usage, and asking again would pay for it twice.
        done = await db(_finished_tiles)(run.job) if run.job.attempts > 1 else set()
        streams = [
            openai_client.stream_image(request, images, mask, output_index=i)
            for i in range(request.n)
            if i not in done
        ]
        outcomes = await asyncio.gather(
            *(_consume(run, stream) for stream in streams), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
    else:
        await _consume(run, openai_client.create_images(request, images, mask))


async def _restart_chain(run: _Run) -> None:
    """The service has forgotten the earlier turns (stored responses expire): send the parent's image and
    the prompts so far as a new chain, and say so on the turn."""
    run.request = restarted(run.request)
    run.job.chain_restarted = True
    run.job.stage = "Starting a new chain from the last image"
    await db(run.job.save)(update_fields=["chain_restarted", "stage"])
    await notify(run.job)
    run._inputs = None
    images, mask = await db(run.sent_images)()
    await _consume(run, openai_client.respond(run.request, images, mask))


async def _consume(run: _Run, stream) -> None:
    # A final image is committed together with the usage of the call that made it and, for a turn, the
    # response id: they come one after another at the stream's end, and go in one transaction then, so a
    # worker killed in between cannot leave an image without its usage, which the worker taking over would
    # pay for again. Whatever ends the stream, what is held is stored then.
    ending = _Ending()
    try:
        async for event in stream:
            if isinstance(event, PartialImage):
                await _store_partial(run, event)
            elif isinstance(event, FinalImage):
                if ending.final is not None:  # another image of the same call: keep the first now
                    await _keep(run, ending)
                    ending = _Ending()
                ending.final = event
            elif isinstance(event, CallUsage):
                ending.usages.append(event)
            elif isinstance(event, ResponseCompleted):
                ending.completed = event
            elif isinstance(event, RequestStarted):
                await db(_started)(run, event)
    except Exception:
        if ending.final is not None and not ending.usages:
            # The stream broke after its image came, before the usage that ends it: the service bills the
            # image all the same, so it is kept with the table's figure for it.
            ending.usages = _estimated_usages(run, ending.final)
        raise
    finally:
        if ending.final is not None or ending.usages or ending.completed is not None:
            await _keep(run, ending)


def _estimated_usages(run: _Run, final: FinalImage) -> list[CallUsage]:
    """What a call that made `final` costs by the price table: the image as it was made (its size and
    quality, which `auto` does not say) and, for a turn, the mainline model's part."""
    request, job = run.request, run.job
    key = f"job{job.pk}.{job.attempts}.{final.output_index}"
    image = estimated_image_usage(
        request.options.model,
        final.quality or request.options.quality,
        final.size or request.options.size,
        prompt=request.prompt,
        partials=request.options.partial_images,
    )
    usages = [CallUsage(image, f"{key}:image-estimate")]
    if isinstance(request, TurnRequest):
        mainline = estimated_mainline_usage(
            request.mainline_model,
            request.prompt,
            earlier_turns=request.earlier_turns,
            input_images=len(request.input_image_ids),
        )
        usages.append(CallUsage(mainline, f"{key}:mainline-estimate"))
    return usages


class _Ending:
    """What a call's stream ends with, kept until it ends: its final image, usage and response id."""

    def __init__(self) -> None:
        self.final: FinalImage | None = None
        self.usages: list[CallUsage] = []
        self.completed: ResponseCompleted | None = None


async def _keep(run: _Run, ending: _Ending) -> None:
    final = await db(_store_ending)(run, ending)
    # Each tile shows its image as it comes; a job's one image shows with the job's end.
    if final is not None and run.request.n > 1:
        await broadcast.final_ready(run.job.pk, image_id=final.pk, output_index=ending.final.output_index)


def _store_ending(run: _Run, ending: _Ending) -> ImageAsset | None:
    with one_writer_at_a_time(), transaction.atomic():
        final = None
        if ending.final is not None:
            run.finals[ending.final.output_index] = final = _store_final(run, ending.final)
        for usage in ending.usages:
            _record_usage(run, usage)
        if ending.completed is not None:
            _complete_turn(run, ending.completed)
    return final


def _finished_tiles(job: GenerationJob) -> set[int]:
    """The output indexes of the images the job has already (each committed with its usage)."""
    return set(job.images.filter(kind=ImageAsset.Kind.FINAL).values_list("output_index", flat=True))


def _finished_before(job: GenerationJob) -> bool:
    """A job taken over from a worker that died after storing every image and its usage, but before it
    could say so: nothing to call again (calling would pay twice)."""
    wanted = from_json(job.request).n
    finals = job.images.filter(kind=ImageAsset.Kind.FINAL).count()
    return (
        finals >= wanted
        and job.usage_records.exists()
        and (job.kind != job.Kind.RESPONSE or bool(job.response_id))
    )


MAX_RATE_LIMITED_TRIES = 3


def _back_in_line(job: GenerationJob, exc: ModelServiceError) -> bool:
    """The service said "slow down" (after the SDK's own retries): queue the job again, a few times."""
    with one_writer_at_a_time():
        return bool(
            GenerationJob.objects.filter(
                pk=job.pk, status=Status.RUNNING, attempts__lt=MAX_RATE_LIMITED_TRIES
            ).update(
                status=Status.QUEUED,
                stage="Waiting: the model service asked us to slow down",
                lease_holder="",
                lease_expires_at=None,
            )
        )


def _started(run: _Run, event: RequestStarted) -> None:
    if run.on_limits is not None:
        run.on_limits(run.request.options.model, event.limits)
    # One UPDATE: the request id of the first call (a job taken over keeps its first), and the stage while
    # the job is running (a Stop may have come first).
    first_id = Value(event.request_id[:80])
    with one_writer_at_a_time():
        GenerationJob.objects.filter(pk=run.job.pk).update(
            upstream_request_id=Case(
                When(upstream_request_id="", then=first_id), default=F("upstream_request_id")
            ),
            stage=Case(When(status=Status.RUNNING, then=Value("Generating")), default=F("stage")),
        )


def _store(job: GenerationJob, data: bytes, kind: str, **fields) -> ImageAsset:
    """Store one of the job's images, in the writers' queue; its thumbnail is made when a list asks. If its
    row cannot be saved (the job was deleted meanwhile: its conversation went), its file goes too."""
    with one_writer_at_a_time(), atomic_with_files():
        return store_image(job.owner, data, kind=kind, job=job, thumbnail=False, **fields)


async def _store_partial(run: _Run, event: PartialImage) -> None:
    """The hot path of the live relay: one INSERT, one small message (the image's id, never its bytes)."""
    image = await db(_store)(
        run.job,
        event.image,
        ImageAsset.Kind.PARTIAL,
        dedupe=False,
        partial_index=event.index,
        output_index=event.output_index,
    )
    await broadcast.partial_ready(
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
    request, job = run.request, run.job
    if isinstance(request, TurnRequest):
        with one_writer_at_a_time():
            GenerationJob.objects.filter(pk=job.pk).update(
                revised_prompt=event.revised_prompt, image_call_id=event.image_call_id[:80]
            )
    fields = {"output_index": event.output_index, "mask_id": request.mask_id}
    if request.mask_id and request.paste_back_feather is not None:
        return _pasted_back(run, event, fields)
    return _store(job, event.image, ImageAsset.Kind.FINAL, **fields)


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


def _record_usage(run: _Run, event: CallUsage) -> None:
    """One record per model per upstream response, whatever retries happen (the key is unique per job)."""
    job, usage = run.job, event.usage
    api = UsageRecord.Api.RESPONSES if isinstance(run.request, TurnRequest) else UsageRecord.Api.IMAGES
    final = next(iter(run.finals.values()), None)
    size = job.size if job.size != "auto" or final is None else f"{final.width}x{final.height}"
    with one_writer_at_a_time():
        UsageRecord.objects.get_or_create(
            job=job,
            upstream_key=(event.key or f"{job.pk}:{usage.model}")[:120],
            defaults={
                "owner_id": job.owner_id,
                "api": api,
                "model": usage.model,
                "quality": job.quality or "auto",
                "size": size or "auto",
                "input_text_tokens": usage.input_text_tokens,
                "input_image_tokens": usage.input_image_tokens,
                "cached_input_tokens": usage.cached_input_tokens,
                "output_tokens": usage.output_tokens,
                "partial_image_tokens": usage.partial_image_tokens,
                "cost_usd": usage.cost_usd,
                "estimated": usage.estimated,
            },
        )


def _complete_turn(run: _Run, event: ResponseCompleted) -> None:
    """The turn's response id (the next turn's `previous_response_id`) and the model's answer."""
    run.job.response_id, run.job.assistant_text = event.response_id, event.assistant_text
    with one_writer_at_a_time():
        GenerationJob.objects.filter(pk=run.job.pk).update(
            response_id=event.response_id, assistant_text=event.assistant_text
        )


LOST_REPLY = (
    "The connection to the model service dropped after this image arrived, so the model's reply was lost. "
    "The image is kept; the next turn continues from it."
)


def _succeed(job: GenerationJob, *, reply: str = "") -> None:
    """The job has what it asked for. `reply`: the assistant text to show when the model's own was lost."""
    with one_writer_at_a_time(), transaction.atomic():
        # A finished image wins over a late Stop: the user keeps what they paid for.
        GenerationJob.objects.filter(pk=job.pk).update(
            **({"assistant_text": reply} if reply else {}),
            status=Status.SUCCEEDED,
            stage="Done",
            finished_at=timezone.now(),
            error_code="",
            error_message="",
            lease_holder="",
            lease_expires_at=None,
        )
        job.refresh_from_db()
        actual = sum((record.cost_usd for record in job.usage_records.all()), Decimal("0"))
        budgets.settle(job, actual)
        events.job_finished.send(sender=GenerationJob, job_id=job.pk)


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
            lease_holder="",
            lease_expires_at=None,
        )
        budgets.release(job)
        if failed:  # a job stopped meanwhile has had its event already
            events.job_finished.send(sender=GenerationJob, job_id=job.pk)
        job.refresh_from_db()
