"""Faults of the model service, as the emulator produces them, and what the user is told."""

from __future__ import annotations

import pytest

from studio.models import GenerationJob, UsageRecord
from tests.support.factories import make_conversation, send_turn

pytestmark = pytest.mark.django_db


def attempts_seen(emulator) -> int:
    return sum(1 for r in emulator.received() if r["path"] == "/v1/responses")


@pytest.mark.parametrize("fault", ["429", "503", "500"])
def test_the_sdk_retries_a_passing_fault_and_the_turn_succeeds(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks, fault
):
    emulator_fault(f"{fault};times=1")
    turn = send_turn(make_conversation(alice), "a teapot", django_capture_on_commit_callbacks)
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    assert attempts_seen(emulator) == 2


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        ("429;times=9", "rate_limit_exceeded", "rate limiting"),
        ("503;times=9", "server_error", "internal error"),
        ("401", "authentication_failed", "API key was refused"),
        ("403-verify", "organization_not_verified", "must be verified"),
        ("cut", "connection_error", "dropped before the image was finished"),
        ("stream-error", None, "stopped with an error while streaming"),
    ],
)
def test_a_lasting_fault_fails_the_turn_with_a_plain_message(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks, fault, code, words
):
    emulator_fault(fault)
    turn = send_turn(make_conversation(alice), "a teapot", django_capture_on_commit_callbacks)
    job = turn.job
    assert job.status == GenerationJob.Status.FAILED
    if code:
        assert job.error_code == code
    assert words in job.error_message
    assert not UsageRecord.objects.filter(job=job).exists()
    assert job.finished_at is not None


@pytest.mark.parametrize("stage", ["input", "output"])
def test_a_moderation_block_names_its_stage_and_is_not_charged(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks, stage
):
    emulator_fault(f"moderation-{stage}")
    turn = send_turn(
        make_conversation(alice), "something the safety system blocks", django_capture_on_commit_callbacks
    )
    job = turn.job
    assert job.status == GenerationJob.Status.FAILED
    assert job.error_code == "moderation_blocked"
    assert job.blocked_stage == stage
    assert "Rephrase" in job.error_message
    assert not UsageRecord.objects.filter(job=job).exists()


def test_a_stream_dropped_after_the_image_keeps_the_turn_its_image_and_its_cost(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    """The image came, then the connection dropped before `response.completed` (its usage and response id):
    the turn succeeds with its image, costed at the table's figure and settled, and the next turn goes on
    from that image."""
    from studio.models import BudgetReservation

    conversation = make_conversation(alice)
    emulator_fault("cut;before=response.completed")
    turn = send_turn(conversation, "a lighthouse at dusk", django_capture_on_commit_callbacks)
    job = turn.job
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    assert job.images.filter(kind="final").count() == 1
    assert job.response_id == ""
    assert "reply was lost" in job.assistant_text
    records = UsageRecord.objects.filter(job=job)
    assert {(r.model, r.estimated) for r in records} == {("gpt-image-2", True), ("gpt-5.4", True)}
    reservation = BudgetReservation.objects.get(job=job)
    assert reservation.status == BudgetReservation.Status.SETTLED
    assert reservation.amount_usd == sum(r.cost_usd for r in records) > 0

    emulator_fault("")
    second = send_turn(conversation, "make it stormy", django_capture_on_commit_callbacks)
    assert second.job.status == GenerationJob.Status.SUCCEEDED
    sent = [r["json"] for r in emulator.received() if r["path"] == "/v1/responses"][-1]
    images = [part for part in sent["input"][0]["content"] if part["type"] == "input_image"]
    assert len(images) == 1  # the first turn's image, as from a draft


def test_a_hang_past_the_timeout_fails_the_turn(
    alice, emulator, emulator_fault, settings, django_capture_on_commit_callbacks
):
    settings.ATELIER_OPENAI_TIMEOUT = 1.0
    settings.ATELIER_OPENAI_MAX_RETRIES = 0
    emulator_fault("hang")
    turn = send_turn(make_conversation(alice), "a teapot", django_capture_on_commit_callbacks)
    assert turn.job.status == GenerationJob.Status.FAILED
    assert turn.job.error_code == "timeout"
    assert "timed out" in turn.job.error_message


def test_a_failed_turn_can_be_retried(alice, emulator, emulator_fault, django_capture_on_commit_callbacks):
    from studio.core.jobs import retry_job

    emulator_fault("503;times=9")
    turn = send_turn(make_conversation(alice), "a teapot", django_capture_on_commit_callbacks)
    assert turn.job.status == GenerationJob.Status.FAILED
    emulator_fault("")
    with django_capture_on_commit_callbacks(execute=True):
        retry_job(turn.job)
    turn.job.refresh_from_db()
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    assert turn.job.error_message == ""
    assert turn.job.attempts == 2


def test_an_expired_chain_continues_from_the_parents_image_and_says_so(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse at dusk", django_capture_on_commit_callbacks)
    emulator_fault("expired-chain")  # as if the stored responses were older than 30 days
    second = send_turn(conversation, "make it stormy", django_capture_on_commit_callbacks)
    assert second.job.status == GenerationJob.Status.SUCCEEDED, second.job.error_message
    assert second.job.chain_restarted
    sent = [r["json"] for r in emulator.received() if r["path"] == "/v1/responses"]
    assert sent[1]["previous_response_id"] == first.response_id  # tried the chain first
    restart = sent[2]
    assert "previous_response_id" not in restart
    content = restart["input"][0]["content"]
    assert "a lighthouse at dusk" in content[0]["text"] and "make it stormy" in content[0]["text"]
    assert content[1]["type"] == "input_image"
    emulator_fault("")
    third = send_turn(conversation, "add a boat", django_capture_on_commit_callbacks)
    assert third.previous_response_id == second.response_id  # the chain goes on from the new turn
    page = send_page(alice, conversation)
    assert b"New chain" in page


def test_an_expired_chain_without_an_image_to_go_on_from_says_what_to_do(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse at dusk", django_capture_on_commit_callbacks)
    first.job.images.filter(kind="final").delete()  # the designer deleted it from the gallery
    emulator_fault("expired-chain")
    second = send_turn(conversation, "make it stormy", django_capture_on_commit_callbacks, parent=first)
    assert (second.job.status, second.job.error_code) == (
        GenerationJob.Status.FAILED,
        "previous_response_not_found",
    )
    assert "Branch from a turn whose image is still here" in second.job.error_message


def send_page(user, conversation) -> bytes:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(f"/c/{conversation.pk}/").content


def test_a_blocked_image_inside_a_conversation_is_a_moderation_block(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    emulator_fault("moderation-output")
    turn = send_turn(make_conversation(alice), "a blocked image", django_capture_on_commit_callbacks)
    assert (turn.job.status, turn.job.error_code) == (GenerationJob.Status.FAILED, "moderation_blocked")
    assert turn.job.blocked_stage == "output"
    assert "internal" not in turn.job.error_message.lower()
    assert not UsageRecord.objects.filter(job=turn.job, model="gpt-image-2").exists()


def test_a_service_that_cannot_be_reached_fails_fast_and_plainly(
    alice, emulator, settings, django_capture_on_commit_callbacks
):
    import socket
    import time

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{port}/v1"
    settings.ATELIER_OPENAI_MAX_RETRIES = 0
    started = time.monotonic()
    turn = send_turn(make_conversation(alice), "nobody home", django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 5
    assert turn.job.status == GenerationJob.Status.FAILED
    assert turn.job.error_code == "connection_error"
    assert "Could not reach the model service" in turn.job.error_message
