"""Budget reservations under real concurrency, on the machine's PostgreSQL (`make test` runs these
with DATABASE_URL pointing at it)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from studio.core import budgets
from studio.models import Budget, BudgetReservation, GenerationJob

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("run by make test's PostgreSQL pass (DATABASE_URL=postgres://...)")


def try_reserving_at_once(owner, amount: Decimal, attempts: int) -> list[bool]:
    barrier = threading.Barrier(attempts)
    outcomes: list[bool] = []

    def attempt() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                job = GenerationJob.objects.create(owner=owner, kind=GenerationJob.Kind.IMAGE_GENERATE)
                budgets.reserve(job, amount)
            outcomes.append(True)
        except budgets.BudgetExceeded:
            outcomes.append(False)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_reservations_never_pass_the_budget(alice):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.50"))
    outcomes = try_reserving_at_once(alice, Decimal("0.211"), attempts=8)
    assert len(outcomes) == 8
    assert outcomes.count(True) == 2  # 2 x 0.211 fits in 0.50; a third would not
    held = BudgetReservation.objects.filter(owner=alice, status=BudgetReservation.Status.HELD)
    assert sum(r.amount_usd for r in held) <= Decimal("0.50")
    assert GenerationJob.objects.count() == 2  # refused jobs were rolled back with their transaction


def test_a_released_reservation_makes_room_again(alice):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.30"))
    assert try_reserving_at_once(alice, Decimal("0.211"), attempts=4).count(True) == 1
    budgets.release(GenerationJob.objects.get())
    assert try_reserving_at_once(alice, Decimal("0.211"), attempts=4).count(True) == 1
