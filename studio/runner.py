"""Where jobs run: the embedded runner (threads inside the server process, the default) or, scaled out,
`db_worker` processes fed through `django.tasks`. Both run `studio.jobs.run_job`, unchanged."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from studio.models import GenerationJob

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def enqueue(job: GenerationJob) -> None:
    """Run the job once the transaction that created (or re-queued) it commits."""
    job_id = job.pk
    transaction.on_commit(lambda: dispatch(job_id))


def dispatch(job_id: int) -> None:
    if settings.ATELIER_EMBEDDED_RUNNER:
        _embedded().submit(_run_in_thread, job_id)
    else:
        from studio.tasks import run_generation_job

        run_generation_job.enqueue(job_id)


def _run_in_thread(job_id: int) -> None:
    from studio.jobs import run_job

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
    with a reason after MAX_ATTEMPTS; jobs still `queued` are dispatched. Returns (requeued, failed)."""
    now = timezone.now()
    failed = GenerationJob.objects.filter(
        status=GenerationJob.Status.RUNNING, attempts__gte=MAX_ATTEMPTS
    ).update(
        status=GenerationJob.Status.FAILED,
        stage="Failed",
        error_code="interrupted",
        error_message="Atelier restarted while this image was being made, several times. Retry it.",
        finished_at=now,
    )
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
