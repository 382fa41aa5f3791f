"""Jobs: `queue_job()`, the one way to queue anything; the order waiting jobs are served in; Stop and Retry.

One job's life is `studio.core.running.run_job`; the worker (`studio.core.worker`) claims jobs and runs it,
many at once. The worker hears of new jobs and of Stops through the `job_queued` and `job_cancelled`
signals, so nothing here calls up into it. Every step writes the row first and only then tells the channel
layer to "look again", so a reload at any moment shows the truth.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from studio.core import broadcast, budgets, cache, events, pricing
from studio.core.requests import ImageRequest, JobRequest, TurnRequest, from_json, to_json
from studio.core.storage import delete_assets
from studio.core.writers import one_writer_at_a_time
from studio.models import GenerationJob, ImageAsset

logger = logging.getLogger(__name__)
Status = GenerationJob.Status

# Sent with `job_id` and `held` (it waits behind another job) once a queued job's transaction commits.
job_queued = Signal()
job_cancelled = Signal()  # sent with `job_id` once a Stop commits


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
    inputs = owned_images(owner, request.input_image_ids)
    mask = ImageAsset.objects.for_user(owner).filter(pk=request.mask_id).first() if request.mask_id else None
    fields = {
        "owner": owner,
        "kind": request.kind,
        "request": to_json(request),
        "draft_of": draft_of,
        **_summary(request),
    }
    estimate = estimate_cost(request, inputs)
    # Twenty people posting at once: their transactions queue in the process, not in SQLite's busy handler,
    # behind the writes of the jobs already running.
    with one_writer_at_a_time(new_work=True), transaction.atomic():
        if isinstance(request, ImageRequest):
            fields["cache_key"] = cache.cache_key(request, inputs, mask)
            source = None if fresh else cache.cached_job(owner, fields["cache_key"])
            if source is not None:
                return cache.reuse(source, **fields)
        job = GenerationJob.objects.create(stage="Queued", estimated_cost_usd=estimate, **fields)
        budgets.reserve(job, estimate, new=True)
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
    """What the job should cost: its images and, for a turn, the mainline model's part (an estimate)."""
    options = request.options
    sizes = [(image.width, image.height) for image in inputs]
    if isinstance(request, ImageRequest) and request.n > 1 and options.partial_images:
        sizes *= request.n  # n live streams send the input images n times
    cost = pricing.estimate(
        options.model,
        options.quality,
        options.size,
        n=request.n,
        partial_images=options.partial_images,
        input_images=sizes,
        prompt=request.prompt,
    ).cost_usd
    if isinstance(request, TurnRequest):
        cost += pricing.estimate_mainline(
            request.mainline_model,
            request.prompt,
            earlier_turns=request.earlier_turns,
            input_images=len(inputs),
        ).cost_usd
    return cost


def owned_images(owner, ids: tuple[int, ...]) -> list[ImageAsset]:
    """The owner's images with these ids, in that order (missing ones left out)."""
    if not ids:
        return []
    found = {image.pk: image for image in ImageAsset.objects.for_user(owner).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _schedule(job: GenerationJob) -> None:
    job_id, held = job.pk, job.waits_for_id is not None
    transaction.on_commit(lambda: job_queued.send(sender=GenerationJob, job_id=job_id, held=held))


def conversation_of(job: GenerationJob) -> int | None:
    request = from_json(job.request)
    return request.conversation_id if isinstance(request, TurnRequest) else None


async def notify(job: GenerationJob) -> None:
    await broadcast.job_updated(job.pk, conversation_of(job), ended=not job.is_active)


def notify_now(job: GenerationJob) -> None:
    broadcast.job_updated_now(job.pk, conversation_of(job), ended=not job.is_active)


def fair_order(jobs: list[GenerationJob], busy: Counter) -> list[GenerationJob]:
    """Waiting jobs in the order they are served: each user's first waiting job before anyone's second
    (a user with jobs running already counts those first), oldest first within a round. `jobs` oldest first."""
    seen: Counter = Counter()
    ranked = []
    for position, job in enumerate(jobs):
        ranked.append((busy[job.owner_id] + seen[job.owner_id], position, job))
        seen[job.owner_id] += 1
    return [job for _, _, job in sorted(ranked, key=lambda entry: entry[:2])]


class _Waiting(NamedTuple):
    pk: int
    owner_id: int


def place_in_line(job: GenerationJob) -> int | None:
    """1 for the next job to start, 2 for the one after, ...; None unless the job is waiting."""
    line = waiting_line(job)
    return line[0] if line is not None else None


def waiting_line(job: GenerationJob) -> tuple[int, float | None] | None:
    """The waiting job's place in line (1 for the next to start) and about how many seconds until it starts
    (None with nothing to go by); None unless the job is waiting. Two queries, whatever the queue."""
    if job.status != Status.QUEUED:
        return None
    # A job held behind another (waits_for) is not in line until it is released.
    queued = GenerationJob.objects.filter(status=Status.QUEUED, waits_for__isnull=True).order_by(
        "created_at", "pk"
    )
    waiting = [_Waiting(*row) for row in queued.values_list("pk", "owner_id")[:1000]]
    busy = Counter(GenerationJob.objects.filter(status=Status.RUNNING).values_list("owner_id", flat=True))
    order = [queued.pk for queued in fair_order(waiting, busy)]
    if job.pk not in order:
        return None
    place = order.index(job.pk) + 1
    return place, expected_wait(job, place, running=busy.total())


RECENT_DURATIONS = 20  # finished jobs of the same model and quality that a waiting time is estimated from
DURATIONS_KEPT_SECONDS = 30.0  # every render of a waiting job asks; the figure changes slowly
_durations: dict[tuple[str, str], tuple[float, float | None]] = {}


def typical_duration(model: str, quality: str) -> float | None:
    """Mean seconds from start to finish of the latest jobs of this model and quality that succeeded
    (looked up at most every DURATIONS_KEPT_SECONDS per model and quality, newest rows first by key)."""
    now = time.monotonic()
    kept = _durations.get((model, quality))
    if kept is not None and kept[0] > now:
        return kept[1]
    rows = (
        GenerationJob.objects.filter(status=Status.SUCCEEDED, image_model=model, quality=quality)
        .exclude(started_at=None)
        .exclude(finished_at=None)
        .order_by("-pk")
        .values_list("started_at", "finished_at")[:RECENT_DURATIONS]
    )
    durations = [(finished - started).total_seconds() for started, finished in rows]
    mean = statistics.fmean(durations) if durations else None
    _durations[(model, quality)] = (now + DURATIONS_KEPT_SECONDS, mean)
    return mean


def expected_wait(job: GenerationJob, place: int, *, running: int) -> float | None:
    """About how many seconds until the job `place`-th in line starts, or None with nothing to go by.

    A place frees when a running job finishes: with R jobs `running`, each about D seconds long, one
    finishes every D / R seconds, so the n-th in line starts in about n * D / R."""
    duration = typical_duration(job.image_model, job.quality)
    if duration is None:
        return None
    return place * duration / max(running, 1)


# -- Actions from the user ----------------------------------------------------------------------------


def cancel_job(job: GenerationJob) -> bool:
    """Stop a queued or running job. Its worker hears of it within a second and closes the stream at once
    (`job_cancelled`, and its heartbeat); the partial images so far are kept."""
    with transaction.atomic():
        cancelled = GenerationJob.objects.filter(pk=job.pk, status__in=GenerationJob.ACTIVE_STATUSES).update(
            status=Status.CANCELLED, stage="Stopped", finished_at=timezone.now()
        )
        if cancelled:
            budgets.release(job)
            transaction.on_commit(lambda: job_cancelled.send(sender=GenerationJob, job_id=job.pk))
            events.job_finished.send(sender=GenerationJob, job_id=job.pk)
    if cancelled:
        job.refresh_from_db()
        notify_now(job)
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
        job.lease_holder, job.lease_expires_at = "", None
        job.save()
        delete_assets(job.images.filter(kind=ImageAsset.Kind.PARTIAL))
        _schedule(job)
    notify_now(job)
    return job
