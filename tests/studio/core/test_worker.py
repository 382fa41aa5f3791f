"""Where jobs run: the embedded runner's recovery after a crash, and a db_worker running the same job code."""

from __future__ import annotations

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from conversations import services
from studio.core import worker as runner
from studio.core.worker import run_generation_job
from studio.models import GenerationJob, ImageAsset
from tests.support.factories import make_conversation, tool_options

pytestmark = pytest.mark.django_db(transaction=True)


def queued_turn(owner):
    """A turn whose job is queued but not dispatched (as if the process stopped before it ran)."""
    from django.db import transaction

    with transaction.atomic():
        turn = services.start_turn(make_conversation(owner), prompt="a lantern", options=tool_options())
        # Drop the dispatch start_turn registered for the commit: this job is left waiting in the queue.
        transaction.get_connection().run_on_commit.clear()
    return turn


def test_a_db_worker_runs_the_same_job_code(alice, emulator):
    turn = queued_turn(alice)
    run_generation_job.using(backend="database").enqueue(turn.job_id)
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="database",
        startup_delay=False,
        max_tasks=1,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
    turn.job.refresh_from_db()
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    assert turn.job.images.filter(kind=ImageAsset.Kind.FINAL).exists()


def test_jobs_a_crash_left_running_are_queued_again_or_failed_after_three_tries(alice, settings, emulator):
    settings.ATELIER_EMBEDDED_RUNNER = False  # dispatch through django.tasks (run at once in tests)
    again = queued_turn(alice).job
    worn_out = queued_turn(alice).job
    GenerationJob.objects.filter(pk=again.pk).update(status=GenerationJob.Status.RUNNING, attempts=1)
    GenerationJob.objects.filter(pk=worn_out.pk).update(status=GenerationJob.Status.RUNNING, attempts=3)

    requeued, failed = runner.recover_interrupted_jobs()

    assert (requeued, failed) == (1, 1)
    again.refresh_from_db()
    worn_out.refresh_from_db()
    assert again.status == GenerationJob.Status.SUCCEEDED  # queued again, then run
    assert again.attempts == 2
    assert worn_out.status == GenerationJob.Status.FAILED
    assert "restarted" in worn_out.error_message


def test_a_job_is_claimed_once(alice):
    from studio.core.jobs import claim

    job = queued_turn(alice).job
    assert claim(job.pk) is not None
    assert claim(job.pk) is None
