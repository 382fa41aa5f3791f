from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone


class Budget(models.Model):
    """A monthly USD budget: a user's own, or (with no user) the default for everyone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget",
        help_text="Leave empty for the default budget of everyone without their own.",
    )
    monthly_usd = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        # One row per user and one default (user NULL): NULLs would not collide in a plain unique index.
        constraints = [
            models.UniqueConstraint(Coalesce("user", 0), name="one_budget_per_user_and_one_default")
        ]

    def __str__(self) -> str:
        return f"{self.user or 'Everyone (default)'}: ${self.monthly_usd} a month"


class BudgetReservation(models.Model):
    """A job's estimated cost, held against its owner's budget until the job ends."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        SETTLED = "settled", "Settled"
        RELEASED = "released", "Released"

    job = models.OneToOneField("studio.GenerationJob", on_delete=models.CASCADE, related_name="reservation")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    amount_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.status} ${self.amount_usd} for job {self.job_id}"
