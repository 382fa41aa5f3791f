"""What the conversation's websocket reads when a job says "look again": a running turn alone in three
queries, an ended one with the rest of the conversation (for the cost and the branch map) and the month's
spend (for the top bar) in six; the message's `ended` is only a hint, the row decides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from conversations import services
from conversations.consumers import ConversationConsumer
from conversations.models import Turn
from studio.core.pricing import format_usd
from studio.models import GenerationJob, UsageRecord
from tests.support.factories import make_conversation, send_turn, tool_options

pytestmark = pytest.mark.django_db


def recorded_cost(conversation) -> Decimal | None:
    """What the usage records of the conversation's jobs add up to."""
    records = UsageRecord.objects.filter(job__turn__conversation=conversation)
    return records.aggregate(total=Sum("cost_usd"))["total"]


def consumer_of(conversation) -> ConversationConsumer:
    consumer = ConversationConsumer()
    consumer.pk = conversation.pk
    consumer.scope = {"user": conversation.owner}
    return consumer


@pytest.fixture
def finished_and_running(alice, emulator, settings, django_capture_on_commit_callbacks):
    """A conversation of two finished turns and a third one running."""
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a harbour at dawn", django_capture_on_commit_callbacks)
    second = send_turn(conversation, "make it foggy", django_capture_on_commit_callbacks)
    settings.ATELIER_JOB_RUNNER = "workers"  # nobody runs the third: it stays as we set it
    third = services.start_turn(conversation, prompt="add a boat", options=tool_options())
    GenerationJob.objects.filter(pk=third.job_id).update(
        status=GenerationJob.Status.RUNNING, stage="Generating"
    )
    return conversation, first, second, third


def test_a_running_turn_is_read_alone_in_three_queries(finished_and_running, django_assert_num_queries):
    conversation, _, _, running = finished_and_running
    with django_assert_num_queries(3):  # the turn, its images, its usage
        turn_id, html, finished = consumer_of(conversation)._render_turn_now(running.job_id, ended=False)
    assert turn_id == running.pk and finished is None
    assert 'data-status="running"' in html and "Generating" in html


def test_an_ended_turn_comes_with_the_cost_the_map_and_the_month_spend_in_six_queries(
    finished_and_running, django_assert_num_queries
):
    conversation, first, second, _ = finished_and_running
    # The conversation's turns, their images, their usage; the month's usage, reservations and budget.
    with django_assert_num_queries(6):
        turn_id, html, finished = consumer_of(conversation)._render_turn_now(second.job_id, ended=True)
    assert turn_id == second.pk and 'data-status="succeeded"' in html
    cost_html, map_html, spend_html = finished
    spent = recorded_cost(conversation)
    assert spent is not None and f"{spent.quantize(Decimal('0.001'))}" in cost_html
    assert f'href="#turn-{first.pk}"' in map_html and f'href="#turn-{second.pk}"' in map_html
    # The top bar's month spend: this conversation is all alice spent this month.
    assert 'id="budget-meter"' in spend_html and "hx-swap-oob" not in spend_html
    assert f"<strong>{format_usd(spent)}</strong> this month" in spend_html


def test_the_row_decides_when_the_hint_is_stale(finished_and_running):
    conversation, _, second, running = finished_and_running
    consumer = consumer_of(conversation)
    # Sent while running, read after it ended: the cost and the map come all the same.
    assert consumer._render_turn_now(second.job_id, ended=False)[2] is not None
    # Sent as ended, read after a Retry queued it again: the turn alone.
    assert consumer._render_turn_now(running.job_id, ended=True)[2] is None
    # Another conversation's job: nothing.
    assert (
        consumer_of(make_conversation(conversation.owner))._render_turn_now(second.job_id, ended=True) is None
    )


def test_the_cost_read_from_the_turns_is_the_conversations_cost(finished_and_running):
    conversation, *_ = finished_and_running
    turns = list(Turn.objects.with_display_data().filter(conversation=conversation))
    assert services.cost_of(turns) == recorded_cost(conversation)
    assert services.cost_of([]) is None
