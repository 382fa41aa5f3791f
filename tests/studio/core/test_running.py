"""One job's writes as its stream goes: what a call ends with is stored in one commit, and the start of
the call is one UPDATE that keeps the first request id."""

from __future__ import annotations

import io

import pytest
from asgiref.sync import async_to_sync
from PIL import Image

from conversations import services
from studio.core import running, worker
from studio.core.openai_client import CallUsage, FinalImage, RequestStarted, ResponseCompleted
from studio.core.usage import Usage
from studio.models import GenerationJob, ImageAsset, UsageRecord
from tests.support.factories import make_conversation, tool_options

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def run(alice, settings):
    """A turn's job, claimed, as the worker holds it; its database calls made in this test's transaction."""
    settings.ATELIER_JOB_RUNNER = "workers"  # queued, and left alone
    turn = services.start_turn(make_conversation(alice), prompt="a red kite", options=tool_options())
    job = worker.claim(turn.job_id, "test-holder")
    settings.ATELIER_JOB_RUNNER = "inline"  # `running.db` then calls in this thread
    return running._Run(job, None)


async def the_end_of_a_turn():
    yield FinalImage(png(), image_call_id="ig_1", revised_prompt="a red kite over a beach")
    yield CallUsage(Usage("gpt-image-2", output_tokens=272), key="resp_1:gpt-image-2")
    yield CallUsage(Usage("gpt-5.4", input_text_tokens=120, output_tokens=30), key="resp_1:gpt-5.4")
    yield ResponseCompleted("resp_1", assistant_text="Here is your kite.")


def test_the_image_its_usage_and_the_response_id_are_stored_together(run):
    async_to_sync(running._consume)(run, the_end_of_a_turn())
    job = GenerationJob.objects.get(pk=run.job.pk)
    assert job.response_id == "resp_1" and job.assistant_text == "Here is your kite."
    assert job.images.filter(kind=ImageAsset.Kind.FINAL).count() == 1
    assert sorted(job.usage_records.values_list("model", flat=True)) == ["gpt-5.4", "gpt-image-2"]


def test_a_usage_the_service_did_not_report_is_recorded_as_an_estimate(run):
    async def the_end_without_tool_usage():
        yield FinalImage(png(), image_call_id="ig_1")
        yield CallUsage(Usage("gpt-image-2", output_tokens=1756, estimated=True), key="resp_1:image")
        yield CallUsage(Usage("gpt-5.4", input_text_tokens=120, output_tokens=30), key="resp_1:mainline")
        yield ResponseCompleted("resp_1", assistant_text="Here is your kite.")

    async_to_sync(running._consume)(run, the_end_without_tool_usage())
    records = dict(UsageRecord.objects.filter(job=run.job).values_list("model", "estimated"))
    assert records == {"gpt-image-2": True, "gpt-5.4": False}


def test_nothing_of_the_end_is_stored_when_part_of_it_cannot_be(run, monkeypatch):
    def broken(run, event):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(running, "_complete_turn", broken)
    with pytest.raises(RuntimeError):
        async_to_sync(running._consume)(run, the_end_of_a_turn())
    # All or nothing: a worker taking the job over finds no image it would pay for again without knowing.
    assert not ImageAsset.objects.filter(job=run.job, kind=ImageAsset.Kind.FINAL).exists()
    assert not UsageRecord.objects.filter(job=run.job).exists()


def test_a_final_image_is_kept_when_the_stream_breaks_before_its_usage(run):
    async def cut():
        yield FinalImage(png(), image_call_id="ig_1")
        raise ConnectionError("the stream dropped")

    with pytest.raises(ConnectionError):
        async_to_sync(running._consume)(run, cut())
    assert ImageAsset.objects.filter(job=run.job, kind=ImageAsset.Kind.FINAL).count() == 1


def test_the_start_of_a_call_keeps_the_first_request_id_and_sets_the_stage_while_running(
    run, django_assert_num_queries
):
    with django_assert_num_queries(1):
        running._started(run, RequestStarted("req_first", {}))
    job = GenerationJob.objects.get(pk=run.job.pk)
    assert (job.upstream_request_id, job.stage) == ("req_first", "Generating")
    running._started(run, RequestStarted("req_again", {}))  # a call made again (taken over, restarted)
    assert GenerationJob.objects.get(pk=run.job.pk).upstream_request_id == "req_first"
    GenerationJob.objects.filter(pk=run.job.pk).update(status=GenerationJob.Status.CANCELLED, stage="Stopped")
    running._started(run, RequestStarted("req_late", {}))
    assert GenerationJob.objects.get(pk=run.job.pk).stage == "Stopped"
