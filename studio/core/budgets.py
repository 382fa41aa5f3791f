"""Monthly budgets: a job's estimated cost is reserved before it starts, and settled or released when it ends.

Reservations are atomic. `reserve` runs inside the caller's transaction and first locks the owner's user row
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction takes the write lock when it begins, see
settings), so two jobs sent at the same moment are checked one after the other and cannot together pass the
last of a budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from studio.core.pricing import format_usd
from studio.models import Budget, BudgetReservation, GenerationJob, UsageRecord

ZERO = Decimal("0")


class BudgetExceeded(Exception):
    def __init__(self, *, remaining: Decimal, cost: Decimal, budget: Decimal) -> None:
        self.remaining, self.cost, self.budget = remaining, cost, budget
        self.message = (
            f"This would cost about {format_usd(cost)}, but only {format_usd(max(remaining, ZERO))} of your "
            f"{format_usd(budget)} monthly budget is left. Choose a lower quality or smaller size, or ask an "
            "admin to raise the budget."
        )
        super().__init__(self.message)


@dataclass(frozen=True)
class BudgetSummary:
    spent: Decimal
    reserved: Decimal
    budget: Decimal | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent - self.reserved

    @property
    def used_percent(self) -> int | None:
        if not self.budget:
            return None
        return min(100, int((self.spent + self.reserved) * 100 / self.budget))


def month_start(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def budget_for(user) -> Decimal | None:
    """The user's own monthly budget, else the default for everyone, else None (unlimited)."""
    rows = dict(
        Budget.objects.filter(Q(user=user) | Q(user__isnull=True)).values_list("user_id", "monthly_usd")
    )
    return rows.get(user.pk, rows.get(None))


def month_summary(user, *, exclude_job: GenerationJob | None = None) -> BudgetSummary:
    since = month_start()
    spent = UsageRecord.objects.filter(owner=user, created_at__gte=since).aggregate(s=Sum("cost_usd"))["s"]
    held = BudgetReservation.objects.filter(
        owner=user, status=BudgetReservation.Status.HELD, created_at__gte=since
    )
    if exclude_job is not None:
        held = held.exclude(job=exclude_job)
    # A running job's usage is recorded as each of its calls ends, and counts in `spent` at once; its
    # reservation is settled only when the whole job ends. Until then it holds what is not recorded yet.
    money = DecimalField(max_digits=12, decimal_places=6)
    recorded = (
        UsageRecord.objects.filter(job=OuterRef("job")).values("job").annotate(s=Sum("cost_usd")).values("s")
    )
    unrecorded = Greatest(
        F("amount_usd") - Coalesce(Subquery(recorded, output_field=money), Value(ZERO, output_field=money)),
        Value(ZERO, output_field=money),
        output_field=money,
    )
    reserved = held.aggregate(s=Sum(unrecorded))["s"]
    return BudgetSummary(spent or ZERO, reserved or ZERO, budget_for(user))


def reserve(job: GenerationJob, amount: Decimal, *, new: bool = False) -> None:
    """Hold `amount` for `job` against its owner's monthly budget, or raise BudgetExceeded.

    Call it inside the transaction that creates (`new`: it has no reservation yet) or re-queues the job.
    """
    if connection.features.has_select_for_update:  # SQLite: the IMMEDIATE transaction serialises already
        get_user_model().objects.select_for_update().filter(pk=job.owner_id).first()
    summary = month_summary(job.owner, exclude_job=job)
    if summary.budget is not None and summary.spent + summary.reserved + amount > summary.budget:
        raise BudgetExceeded(remaining=summary.remaining, cost=amount, budget=summary.budget)
    held = {"amount_usd": amount, "status": BudgetReservation.Status.HELD, "created_at": timezone.now()}
    # A retried job has its reservation already; a new one (the common case) is one INSERT.
    if new or not BudgetReservation.objects.filter(job=job).update(**held):
        BudgetReservation.objects.create(job=job, owner_id=job.owner_id, **held)


def settle(job: GenerationJob, actual: Decimal) -> None:
    """The job ended with a cost: the usage records now count, the reservation no longer holds anything."""
    BudgetReservation.objects.filter(job=job).update(
        status=BudgetReservation.Status.SETTLED, amount_usd=actual
    )


def release(job: GenerationJob) -> None:
    """The job failed, was stopped or was blocked: give its reservation back."""
    BudgetReservation.objects.filter(job=job, status=BudgetReservation.Status.HELD).update(
        status=BudgetReservation.Status.RELEASED
    )
