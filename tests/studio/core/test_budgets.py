"""Monthly budgets: refusals with a clear message, reservations settled by the actual cost or released."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conversations import services
from conversations.models import Conversation
from studio.core import budgets
from studio.models import Budget, BudgetReservation, GenerationJob, UsageRecord
from tests.support.factories import make_conversation, send_turn, tool_options

pytestmark = pytest.mark.django_db


def new_job(owner) -> GenerationJob:
    return GenerationJob.objects.create(owner=owner, kind=GenerationJob.Kind.IMAGE_GENERATE)


def test_without_any_budget_everything_is_allowed(alice):
    budgets.reserve(new_job(alice), Decimal("1000"))
    assert budgets.month_summary(alice).budget is None


def test_the_default_budget_applies_to_users_without_their_own(alice, charlie):
    Budget.objects.create(user=None, monthly_usd=Decimal("1.00"))
    Budget.objects.create(user=charlie, monthly_usd=Decimal("50.00"))
    assert budgets.budget_for(alice) == Decimal("1.00")
    assert budgets.budget_for(charlie) == Decimal("50.00")


def test_a_job_past_the_budget_is_refused_saying_what_is_left_and_what_it_costs(alice):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.50"))
    budgets.reserve(new_job(alice), Decimal("0.40"))
    with pytest.raises(budgets.BudgetExceeded) as refusal:
        budgets.reserve(new_job(alice), Decimal("0.211"))
    assert refusal.value.message.startswith("This would cost about $0.211, but only $0.10 of your $0.50")
    assert refusal.value.remaining == Decimal("0.10")


def a_record(owner, cost: str, **fields) -> UsageRecord:
    return UsageRecord.objects.create(
        owner=owner,
        api="images",
        model="gpt-image-2",
        quality="high",
        size="1024x1024",
        cost_usd=Decimal(cost),
        **fields,
    )


def test_a_running_job_is_counted_once_when_some_of_its_usage_is_recorded(alice):
    """Its tiles' usage is recorded as each ends, its reservation settled when the job ends: meanwhile the
    reservation holds only what is not recorded yet, never the same dollars twice."""
    Budget.objects.create(user=alice, monthly_usd=Decimal("1.00"))
    job = new_job(alice)
    budgets.reserve(job, Decimal("0.60"))
    a_record(alice, "0.211", job=job, upstream_key="tile-0")
    summary = budgets.month_summary(alice)
    assert (summary.spent, summary.reserved) == (Decimal("0.211"), Decimal("0.389"))
    budgets.reserve(new_job(alice), Decimal("0.40"))  # 0.211 + 0.389 + 0.40 fits in 1.00
    a_record(alice, "0.70", job=job, upstream_key="tile-1")
    # The first job's records now cover more than its reservation: it holds nothing, the second its 0.40.
    assert budgets.month_summary(alice).reserved == Decimal("0.40")


def test_spending_this_month_counts_and_last_month_does_not(alice):
    from datetime import timedelta

    Budget.objects.create(user=alice, monthly_usd=Decimal("1.00"))
    a_record(alice, "0.90")
    old = a_record(alice, "5")
    old.created_at = budgets.month_start() - timedelta(days=2)
    old.save()
    summary = budgets.month_summary(alice)
    assert summary.spent == Decimal("0.90")
    with pytest.raises(budgets.BudgetExceeded):
        budgets.reserve(new_job(alice), Decimal("0.2"))


def test_a_refused_turn_leaves_nothing_behind(alice, alice_client):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    response = alice_client.post(
        "/c/new",
        {
            "prompt": "a castle",
            "model": "gpt-image-2",
            "size": "1024x1024",
            "quality": "high",
            "output_format": "png",
            "moderation": "auto",
            "partial_images": "0",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert b"monthly budget is left" in response.content
    assert not GenerationJob.objects.exists()
    assert not Conversation.objects.exists()


def test_a_finished_job_settles_its_reservation_at_the_actual_cost(
    alice, emulator, django_capture_on_commit_callbacks
):
    Budget.objects.create(user=alice, monthly_usd=Decimal("5"))
    turn = send_turn(make_conversation(alice), "a castle", django_capture_on_commit_callbacks)
    reservation = BudgetReservation.objects.get(job=turn.job)
    records = UsageRecord.objects.filter(job=turn.job)
    assert {record.model for record in records} == {"gpt-image-2", "gpt-5.4"}  # both models are paid for
    actual = sum(record.cost_usd for record in records)
    assert reservation.status == BudgetReservation.Status.SETTLED
    assert reservation.amount_usd == actual
    summary = budgets.month_summary(alice)
    assert (summary.spent, summary.reserved) == (actual, Decimal("0"))


@pytest.mark.parametrize("fault", ["503;times=9", "moderation-input", "moderation-output"])
def test_a_failed_or_blocked_job_releases_its_reservation(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks, fault
):
    Budget.objects.create(user=alice, monthly_usd=Decimal("5"))
    emulator_fault(fault)
    turn = send_turn(make_conversation(alice), "a castle", django_capture_on_commit_callbacks)
    assert turn.job.status == GenerationJob.Status.FAILED
    assert BudgetReservation.objects.get(job=turn.job).status == BudgetReservation.Status.RELEASED
    assert budgets.month_summary(alice).reserved == 0
    assert budgets.month_summary(alice).spent == 0


def test_a_cancelled_job_releases_its_reservation(alice):
    from studio.core.jobs import cancel_job

    conversation = make_conversation(alice)
    turn = services.start_turn(conversation, prompt="a castle", options=tool_options())  # not run: no commit
    assert BudgetReservation.objects.get(job=turn.job).status == BudgetReservation.Status.HELD
    assert cancel_job(turn.job)
    assert BudgetReservation.objects.get(job=turn.job).status == BudgetReservation.Status.RELEASED
