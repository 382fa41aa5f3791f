"""A conversation's turns through the Responses API, over real HTTP to the emulator."""

from __future__ import annotations

import pytest
from PIL import Image

from conversations import services
from conversations.models import Turn
from studio.core.requests import from_json
from studio.models import GenerationJob, ImageAsset, UsageRecord
from tests.support.factories import make_conversation, make_finished_job, send_turn

pytestmark = pytest.mark.django_db


def responses_requests(emulator) -> list[dict]:
    return [r for r in emulator.received() if r["path"] == "/v1/responses" and r["method"] == "POST"]


def test_it_runs_a_turn_and_stores_partials_final_usage_and_response_id(
    alice, emulator, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    turn = send_turn(conversation, "a poster for a jazz night, deep blue", django_capture_on_commit_callbacks)

    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    assert turn.response_id.startswith("resp_")
    assert turn.job.image_call_id.startswith("ig_")
    assert turn.revised_prompt
    partials = turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL).order_by("partial_index")
    assert [p.partial_index for p in partials] == [0, 1]
    final = turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    with final.file.open("rb") as handle:
        image = Image.open(handle)
        assert image.size == (1024, 1024)
        assert image.format == "PNG"
    record = UsageRecord.objects.get(job=turn.job, model="gpt-image-2")
    assert record.api == UsageRecord.Api.RESPONSES
    assert record.partial_image_tokens == 200
    assert record.output_tokens > 0
    assert record.cost_usd > 0
    mainline = UsageRecord.objects.get(job=turn.job, model="gpt-5.4")  # the model that drives the turn
    assert mainline.input_text_tokens > 3000  # the image tool's definition alone is about 3,100
    assert mainline.output_tokens > 0
    assert mainline.cost_usd > 0
    assert turn.job.upstream_request_id


def test_it_sends_a_three_turn_chain_with_each_previous_response_id(
    alice, emulator, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a cosy reading corner", django_capture_on_commit_callbacks)
    second = send_turn(conversation, "make it more realistic", django_capture_on_commit_callbacks)
    third = send_turn(conversation, "dark theme", django_capture_on_commit_callbacks)

    sent = [r["json"].get("previous_response_id") for r in responses_requests(emulator)]
    assert sent == [None, first.response_id, second.response_id]
    assert second.previous_response_id == first.response_id
    assert third.previous_response_id == second.response_id
    assert len({first.response_id, second.response_id, third.response_id}) == 3
    assert [r["json"]["tools"][0]["type"] for r in responses_requests(emulator)] == ["image_generation"] * 3


def test_it_branches_from_an_earlier_turn(alice, emulator, django_capture_on_commit_callbacks):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse at dusk", django_capture_on_commit_callbacks)
    send_turn(conversation, "make it stormy", django_capture_on_commit_callbacks)
    branch = send_turn(
        conversation, "make it sunny instead", django_capture_on_commit_callbacks, parent=first
    )

    assert branch.branched
    assert branch.previous_response_id == first.response_id
    assert responses_requests(emulator)[-1]["json"]["previous_response_id"] == first.response_id


def test_a_turn_carries_the_prompts_of_its_own_chain_oldest_first(
    alice, emulator, django_capture_on_commit_callbacks
):
    """The earlier prompts (sent again, in short, if the service has forgotten the chain) follow the parent
    links: a branch leaves out the turns of the branch it left."""
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse at dusk", django_capture_on_commit_callbacks)
    stormy = send_turn(conversation, "make it stormy", django_capture_on_commit_callbacks)
    sunny = send_turn(conversation, "make it sunny", django_capture_on_commit_callbacks, parent=first)
    after = send_turn(conversation, "add gulls", django_capture_on_commit_callbacks, parent=stormy)

    assert from_json(sunny.job.request).history == ("a lighthouse at dusk",)
    assert from_json(after.job.request).history == ("a lighthouse at dusk", "make it stormy")
    assert from_json(after.job.request).earlier_turns == 2


def test_a_long_chain_keeps_its_latest_prompts(alice):
    conversation = make_conversation(alice)
    parent = None
    for step in range(services.CHAIN_LIMIT + 5):
        job = make_finished_job(alice, prompt=f"step {step}")
        parent = Turn.objects.create(conversation=conversation, parent=parent, job=job)

    prompts = services.chain_prompts(parent)

    assert prompts == [f"step {step}" for step in range(5, services.CHAIN_LIMIT + 5)]


def test_it_continues_from_the_latest_finished_turn_after_a_failure(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a red bicycle", django_capture_on_commit_callbacks)
    emulator_fault("500;times=9")
    failed = send_turn(conversation, "make it blue", django_capture_on_commit_callbacks)
    emulator_fault("")
    after = send_turn(conversation, "make it green", django_capture_on_commit_callbacks)

    assert failed.job.status == GenerationJob.Status.FAILED
    assert after.previous_response_id == first.response_id


def test_the_tool_options_reach_the_emulator(alice, emulator, django_capture_on_commit_callbacks):
    conversation = make_conversation(alice)
    turn = send_turn(
        conversation,
        "a square logo",
        django_capture_on_commit_callbacks,
        size="1536x1024",
        quality="medium",
        output_format="webp",
        output_compression=70,
        partial_images=0,
    )
    tool = responses_requests(emulator)[0]["json"]["tools"][0]
    assert tool == {
        "type": "image_generation",
        "model": "gpt-image-2",
        "size": "1536x1024",
        "quality": "medium",
        "output_format": "webp",
        "output_compression": 70,
        "moderation": "auto",
    }
    # OpenAI refuses a stream without partial images: a turn without them is one plain call.
    assert responses_requests(emulator)[0]["json"].get("stream") in (None, False)
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    final = turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    assert (final.width, final.height, final.format) == (1536, 1024, "webp")
    assert not turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL).exists()


def test_a_title_is_taken_from_the_first_prompt(alice, emulator, django_capture_on_commit_callbacks):
    conversation = make_conversation(alice)
    send_turn(
        conversation,
        "A minimalist travel poster of Lisbon trams climbing a steep street at golden hour, with bold type",
        django_capture_on_commit_callbacks,
    )
    conversation.refresh_from_db()
    assert conversation.title.startswith("A minimalist travel poster of Lisbon")
    assert len(conversation.title) <= 60
    assert Turn.objects.filter(conversation=conversation).count() == 1
