"""A blocked turn's ways around the block that start a new turn: the rephrased prompt and low moderation."""

from __future__ import annotations

import pytest

from studio.models import GenerationJob, UserPolicy
from tests.support.factories import make_conversation, send_turn

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocked_turn(alice, emulator, django_capture_on_commit_callbacks):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a castle at dawn", django_capture_on_commit_callbacks)
    turn = send_turn(conversation, "now a knight [block] at the gate", django_capture_on_commit_callbacks)
    assert turn.job.error_code == "moderation_blocked"
    return first, turn


def test_a_rephrased_turn_continues_from_the_blocked_turns_parent(
    alice_client, blocked_turn, django_capture_on_commit_callbacks
):
    first, turn = blocked_turn
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            f"/c/jobs/{turn.job.pk}/fallbacks/send",
            {"prompt": "now a knight at the gate"},
            HTTP_HX_REQUEST="true",
        )

    assert response["HX-Redirect"] == turn.conversation.get_absolute_url()
    new = turn.conversation.turns.latest("created_at")
    assert new.parent == first and new.job.status == GenerationJob.Status.SUCCEEDED
    turn.job.refresh_from_db()
    assert turn.job.block_resolution == "rephrased"


def test_a_turn_retried_at_low_moderation_gets_through(
    alice_client, alice, blocked_turn, emulator, django_capture_on_commit_callbacks
):
    _, turn = blocked_turn
    assert alice_client.post(f"/c/jobs/{turn.job.pk}/fallbacks/retry-low").status_code == 403
    UserPolicy.objects.create(user=alice, allow_low_moderation=True)

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/c/jobs/{turn.job.pk}/fallbacks/retry-low")

    new = turn.conversation.turns.latest("created_at")
    assert new.job.status == GenerationJob.Status.SUCCEEDED
    sent = [entry["json"] for entry in emulator.received() if entry["path"] == "/v1/responses"]
    assert sent[-1]["tools"][0]["moderation"] == "low"


def test_charlie_cannot_send_alices_blocked_turn_again(client, charlie, blocked_turn):
    client.force_login(charlie)

    assert client.post(f"/c/jobs/{blocked_turn[1].job.pk}/fallbacks/send", {"prompt": "x"}).status_code == 404
