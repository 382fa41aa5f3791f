"""Where jobs run: a `Worker` claims queued jobs and runs them as asyncio tasks, many at once, bounded only by
the upstream rate limits per model (`ratelimits`). It runs in the server process (the embedded default,
on the server's own event loop) or in `manage.py run_worker` processes (scaled out); the code is the same.

Leases, not re-queue-all: a claim records who holds the job and until when (`ATELIER_JOB_LEASE_SECONDS`, 30 s), and
the holder renews it while it works (every third of that). Only a job whose lease ran out (its worker crashed
or was killed) is taken over, counting an attempt; after `MAX_ATTEMPTS` it fails with a reason and its
reservation is released. Starting or scaling processes never touches a live job. Stop cancels the task at
once in this process, and within `HEARTBEAT_SECONDS` in another. Queued jobs are served fairly: each
user's first waiting job before anyone's second (`jobs.fair_order`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from studio.core import budgets, events, jobs, running
from studio.core.ratelimits import RateLimits
from studio.core.requests import from_json
from studio.models import GenerationJob

logger = logging.getLogger(__name__)
Status = GenerationJob.Status

LEASE_SECONDS = 30  # ATELIER_JOB_LEASE_SECONDS; renewed every third of it
HEARTBEAT_SECONDS = 1.0
MAX_ATTEMPTS = 3
CANDIDATES = 500  # queued jobs considered at each fill; the oldest first
db = running.db


# -- Claims and leases (database work, in threads) ----------------------------------------------------


def lease_seconds() -> float:
    return getattr(settings, "ATELIER_JOB_LEASE_SECONDS", LEASE_SECONDS)


def claim(job_id: int, holder: str) -> GenerationJob | None:
    """Atomically take a queued job, or a running one whose lease ran out; None if someone else has it."""
    claimed = claim_many([job_id], holder)
    return claimed[0] if claimed else None


def fail_worn_out_jobs() -> int:
    """Running jobs whose lease ran out after their last attempt: failed with a reason, reservation released."""
    now = timezone.now()
    worn_out = GenerationJob.objects.filter(
        status=Status.RUNNING, lease_expires_at__lt=now, attempts__gte=MAX_ATTEMPTS
    )
    failed = 0
    for job in worn_out:
        with running.one_writer_at_a_time(), transaction.atomic():
            updated = GenerationJob.objects.filter(
                pk=job.pk, status=Status.RUNNING, lease_expires_at__lt=now
            ).update(
                status=Status.FAILED,
                stage="Failed",
                error_code="interrupted",
                error_message=(
                    f"The worker making this image stopped {MAX_ATTEMPTS} times (a restart or a crash). Retry it."
                ),
                finished_at=now,
                lease_holder="",
                lease_expires_at=None,
            )
            if updated:
                budgets.release(job)
                events.job_finished.send(sender=GenerationJob, job_id=job.pk)
                failed += 1
                transaction.on_commit(lambda job=job: jobs.notify_now(job))
    return failed


def claim_next(holder: str, limits: RateLimits) -> GenerationJob | None:
    """The next job in fair order whose model the rate limits admit, claimed; None if there is none."""
    claimed = claim_ready(holder, limits, slots=1)
    return claimed[0] if claimed else None


def claim_ready(holder: str, limits: RateLimits, *, slots: int, sweep: bool = True) -> list[GenerationJob]:
    """Up to `slots` jobs, in fair order, that the rate limits admit, claimed and counted as started in
    `limits`. One look at the queue for them all: twenty turns posted at once are claimed in one go.
    `sweep` first fails the worn-out jobs (the worker does it once a heartbeat, not at every wake)."""
    if sweep:
        fail_worn_out_jobs()
    now = timezone.now()
    candidates = list(
        GenerationJob.objects.filter(
            Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now),
            waits_for__isnull=True,
        )
        .only("pk", "owner_id", "image_model", "request")
        .order_by("created_at", "pk")[:CANDIDATES]
    )
    if not candidates:
        return []
    images = {job.pk: from_json(job.request).n for job in candidates}
    # Who has jobs running already decides the order only when not every candidate can start now (the
    # common case, a few turns posted at once, needs no look at the running jobs).
    wanted: dict[str, tuple[int, int]] = {}
    for job in candidates:
        requests, count = wanted.get(job.image_model, (0, 0))
        wanted[job.image_model] = (requests + 1, count + images[job.pk])
    busy: Counter = Counter()
    if len(candidates) > slots or not limits.admits_all(wanted):
        running_owners = GenerationJob.objects.filter(status=Status.RUNNING, lease_expires_at__gte=now)
        busy.update(running_owners.values_list("owner_id", flat=True))
    chosen: list[int] = []
    for job in jobs.fair_order(candidates, busy):
        if len(chosen) >= slots:
            break
        if limits.admits(job.image_model, images=images[job.pk]):
            limits.started(job.image_model, images=images[job.pk])  # so that the next admits() counts it
            chosen.append(job.pk)
    return claim_many(chosen, holder)


def claim_many(job_ids: list[int], holder: str) -> list[GenerationJob]:
    """`claim` for several jobs in one UPDATE; those someone else took meanwhile are left out (a rate-limit
    slot counted for one of them comes back within the minute)."""
    if not job_ids:
        return []
    now = timezone.now()
    expires = now + timedelta(seconds=lease_seconds())
    with running.one_writer_at_a_time():
        GenerationJob.objects.filter(pk__in=job_ids, waits_for__isnull=True).filter(
            Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now)
        ).update(
            status=Status.RUNNING,
            lease_holder=holder[:80],
            lease_expires_at=expires,
            started_at=Coalesce(F("started_at"), now),
            attempts=F("attempts") + 1,
            stage="Sending to the model",
        )
    claimed = GenerationJob.objects.select_related("owner").filter(
        pk__in=job_ids, lease_holder=holder[:80], lease_expires_at=expires, status=Status.RUNNING
    )
    order = {pk: position for position, pk in enumerate(job_ids)}
    return sorted(claimed, key=lambda job: order[job.pk])


def renew_leases(holder: str, job_ids: list[int]) -> None:
    with running.one_writer_at_a_time():
        GenerationJob.objects.filter(pk__in=job_ids, lease_holder=holder, status=Status.RUNNING).update(
            lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())
        )


def stopped_among(job_ids: list[int]) -> list[int]:
    return list(
        GenerationJob.objects.filter(pk__in=job_ids)
        .exclude(status=Status.RUNNING)
        .values_list("pk", flat=True)
    )


def give_back(holder: str, job_ids: list[int]) -> None:
    """A worker shutting down puts its jobs back in the queue for another (their attempt is not counted)."""
    with running.one_writer_at_a_time():
        GenerationJob.objects.filter(pk__in=job_ids, lease_holder=holder, status=Status.RUNNING).update(
            status=Status.QUEUED,
            stage="Queued again (a worker stopped)",
            lease_holder="",
            lease_expires_at=None,
            attempts=F("attempts") - 1,
        )


# -- The worker ---------------------------------------------------------------------------------------


class Worker:
    """Claims and runs jobs on the event loop it serves on. `wake()` and `stop_job()` may be called from any
    thread."""

    def __init__(
        self, *, holder: str = "", concurrency: int | None = None, poll_seconds: float = 0.5
    ) -> None:
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.concurrency = concurrency or settings.ATELIER_JOB_CONCURRENCY
        self.poll_seconds = poll_seconds
        self.limits = RateLimits(settings.ATELIER_RATE_LIMITS)
        self.tasks: dict[int, asyncio.Task] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._next_sweep = 0.0
        self.serving = False

    def wake(self) -> None:
        if self.loop is not None and self._wake is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._wake.set)

    def stop_job(self, job_id: int) -> None:
        """A Stop: cancel the job's task at once, closing its stream (the row is `cancelled` already)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._cancel, job_id)

    def _cancel(self, job_id: int) -> None:
        task = self.tasks.get(job_id)
        if task is not None:
            task.cancel("stopped")

    def shutdown(self) -> None:
        self._stopping = True
        self.wake()

    async def serve(self) -> None:
        """Run until `shutdown()`: fill free slots from the queue, keep leases alive, hear Stops."""
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.serving = True
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            while not self._stopping:
                await self._fill()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                self._wake.clear()
        finally:
            heartbeat.cancel()
            ids = list(self.tasks)
            for task in self.tasks.values():
                task.cancel("shutdown")
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)
            if ids:
                await db(give_back)(self.holder, ids)
            self.serving = False

    async def _fill(self) -> None:
        # Worn-out jobs are looked for once a heartbeat: twenty posts waking the worker in a second need not.
        sweep = time.monotonic() >= self._next_sweep
        if sweep:
            self._next_sweep = time.monotonic() + HEARTBEAT_SECONDS
        while len(self.tasks) < self.concurrency and not self._stopping:
            slots = self.concurrency - len(self.tasks)
            claimed = await db(claim_ready)(self.holder, self.limits, slots=slots, sweep=sweep)
            sweep = False
            for job in claimed:
                self.tasks[job.pk] = asyncio.create_task(self._run(job), name=f"job-{job.pk}")
            if len(claimed) < slots:
                return  # nothing more is ready: the next wake (a job queued, one finished) looks again

    async def _run(self, job: GenerationJob) -> None:
        try:
            await running.run_job(job, on_limits=self.limits.observe)
        except asyncio.CancelledError:
            if not self._stopping:
                await jobs.notify(job)  # a Stop: the page shows the job as the row says
        except Exception:
            logger.exception("job %s: the worker could not finish it; its lease will run out", job.pk)
        finally:
            self.tasks.pop(job.pk, None)
            if self._wake is not None:
                self._wake.set()

    async def _heartbeat(self) -> None:
        beats = 0
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            beats += 1
            ids = list(self.tasks)
            if not ids:
                continue
            try:
                for job_id in await db(stopped_among)(ids):
                    self._cancel(job_id)  # stopped from another process
                if beats % max(1, int(lease_seconds() / 3 / HEARTBEAT_SECONDS)) == 0:
                    await db(renew_leases)(self.holder, ids)
            except Exception:  # the database may be away for a moment; the next beat tries again
                logger.exception("worker heartbeat failed")


# -- Which worker runs a job in this process ----------------------------------------------------------

_embedded: Worker | None = None
_embedded_lock = threading.Lock()


def start_embedded(loop: asyncio.AbstractEventLoop | None = None) -> Worker:
    """The server process's own worker: on `loop` (the server's), or on a thread of its own where there is
    no server (a management command, a test). Started once."""
    global _embedded
    with _embedded_lock:
        if _embedded is None or (_embedded.loop is not None and _embedded.loop.is_closed()):
            _embedded = Worker()
            if loop is not None:
                loop.create_task(_embedded.serve())
            else:
                threading.Thread(
                    target=_serve_in_thread, args=(_embedded,), daemon=True, name="atelier-jobs"
                ).start()
    return _embedded


def _serve_in_thread(worker: Worker) -> None:
    close_old_connections()
    asyncio.run(worker.serve())


def stop_embedded(timeout: float = 10.0) -> None:
    """Stop the embedded worker (tests, between them); its running jobs go back to the queue."""
    global _embedded
    with _embedded_lock:
        worker, _embedded = _embedded, None
    if worker is None:
        return
    worker.shutdown()
    deadline = time.monotonic() + timeout
    while worker.serving and time.monotonic() < deadline:
        time.sleep(0.02)


def run_inline(job_id: int) -> None:
    """Tests: claim and run the job now, in this thread, to its end."""
    job = claim(job_id, "inline")
    if job is not None:
        async_to_sync(running.run_job)(job)


def on_job_queued(job_id: int, **signal_kwargs) -> None:
    mode = settings.ATELIER_JOB_RUNNER
    if mode == "inline":
        run_inline(job_id)
    elif mode == "embedded":
        start_embedded().wake()
    # "workers": run_worker processes poll the queue.


def on_job_cancelled(job_id: int, **signal_kwargs) -> None:
    if _embedded is not None:
        _embedded.stop_job(job_id)


class StartsEmbeddedWorker:
    """ASGI wrapper: the embedded worker starts on the server's event loop with the first connection."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if _embedded is None and settings.ATELIER_JOB_RUNNER == "embedded":
            start_embedded(asyncio.get_running_loop())
        await self.app(scope, receive, send)
