"""Stop: the stream is closed, the job cancelled, and the last partial kept as a draft or discarded."""

from __future__ import annotations

import time

import pytest

from conversations import services
from studio.core import jobs
from studio.models import GenerationJob, ImageAsset, UsageRecord
from tests.support.factories import make_conversation, tool_options

pytestmark = pytest.mark.django_db(transaction=True)


STEP_SECONDS = 0.4


def start_slow_turn(alice, settings):
    """A turn run by the embedded runner's threads, slow enough to be stopped after its first partial."""
    settings.ATELIER_JOB_RUNNER = "embedded"
    settings.ATELIER_OPENAI_EXTRA_HEADERS = {"X-Emulator-Latency": str(STEP_SECONDS)}
    conversation = make_conversation(alice)
    turn = services.start_turn(conversation, prompt="a slow mural", options=tool_options(partial_images=3))
    deadline = time.monotonic() + 20
    while not turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL).exists():
        assert time.monotonic() < deadline, "no partial image arrived"
        time.sleep(0.05)
    return turn


def wait_past_the_end_of_the_stream() -> None:
    """Longer than the rest of the generation would have taken (three more steps and the mainline's)."""
    time.sleep(STEP_SECONDS * 6)


def test_stop_cancels_the_job_and_keeps_the_partial_as_a_draft(alice, emulator, settings):
    turn = start_slow_turn(alice, settings)
    assert jobs.cancel_job(turn.job)
    wait_past_the_end_of_the_stream()
    turn.job.refresh_from_db()
    assert turn.job.status == GenerationJob.Status.CANCELLED
    assert not turn.job.images.filter(kind=ImageAsset.Kind.FINAL).exists()
    assert turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL).count() < 3
    assert not UsageRecord.objects.filter(job=turn.job).exists()
    received = len([r for r in emulator.received() if r["path"] == "/v1/responses"])
    assert received == 1

    turn = type(turn).objects.with_display_data().get(pk=turn.pk)
    draft = services.keep_partial_as_draft(turn)
    assert draft.kind == ImageAsset.Kind.FINAL
    assert draft.thumbnail


def test_stop_then_discard_removes_the_partials(alice, emulator, settings):
    turn = start_slow_turn(alice, settings)
    jobs.cancel_job(turn.job)
    wait_past_the_end_of_the_stream()
    assert services.discard_partials(turn) >= 1
    assert not turn.job.images.exists()


def test_stopping_a_finished_job_changes_nothing(alice, emulator, django_capture_on_commit_callbacks):
    from tests.support.factories import send_turn

    turn = send_turn(make_conversation(alice), "done already", django_capture_on_commit_callbacks)
    assert not jobs.cancel_job(turn.job)
    turn.job.refresh_from_db()
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
