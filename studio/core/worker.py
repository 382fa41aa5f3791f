"""Where jobs run: the embedded runner (threads inside the server process, the default) or, scaled out,
`db_worker` processes fed through `django.tasks`. Both run `studio.core.jobs.run_job`, unchanged.

The worker hears of queued jobs through `jobs.job_queued` (connected in `StudioConfig.ready`), so the job
code never imports the worker: the dependency runs one way, worker -> jobs.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from django.tasks import task
from django.utils import timezone

from studio.core import budgets
from studio.core.jobs import run_job
from studio.models import GenerationJob

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


@task()
def run_generation_job(job_id: int) -> None:
    """The scaled-out seam: `manage.py db_worker` runs this in worker processes."""
    run_job(job_id)


def dispatch(job_id: int, **signal_kwargs) -> None:
    """Start a queued job: in a thread of this process, or as a task for the db_worker processes."""
    if settings.ATELIER_EMBEDDED_RUNNER:
        _embedded().submit(_run_in_thread, job_id)
    else:
        run_generation_job.enqueue(job_id)


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_job(job_id)
    finally:
        close_old_connections()


def _embedded() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.ATELIER_JOB_CONCURRENCY, thread_name_prefix="atelier-job"
            )
    return _executor


def recover_interrupted_jobs() -> tuple[int, int]:
    """At start-up of the embedded runner: jobs a crash left `running` go back to the queue, or fail
    with a reason after MAX_ATTEMPTS (their reservations released); jobs still `queued` are dispatched.
    Returns (requeued, failed)."""
    now = timezone.now()
    exhausted = GenerationJob.objects.filter(status=GenerationJob.Status.RUNNING, attempts__gte=MAX_ATTEMPTS)
    for job in exhausted:
        GenerationJob.objects.filter(pk=job.pk, status=GenerationJob.Status.RUNNING).update(
            status=GenerationJob.Status.FAILED,
            stage="Failed",
            error_code="interrupted",
            error_message="Atelier restarted while this image was being made, several times. Retry it.",
            finished_at=now,
        )
        budgets.release(job)
    failed = len(exhausted)
    requeued = GenerationJob.objects.filter(status=GenerationJob.Status.RUNNING).update(
        status=GenerationJob.Status.QUEUED,
        stage="Queued again after a restart",
    )
    for job_id in GenerationJob.objects.filter(status=GenerationJob.Status.QUEUED).values_list(
        "pk", flat=True
    ):
        dispatch(job_id)
    return requeued, failed


def start_embedded_runner() -> None:
    """Called once when the server process starts (from asgi.py), if the embedded runner is on."""
    if not settings.ATELIER_EMBEDDED_RUNNER:
        return
    try:
        requeued, failed = recover_interrupted_jobs()
    except Exception:  # the database may not be migrated yet; the server still starts
        logger.exception("could not recover interrupted jobs at start-up")
        return
    if requeued or failed:
        logger.warning("recovered interrupted jobs: %s re-queued, %s failed", requeued, failed)
