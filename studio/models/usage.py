from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class UsageQuerySet(models.QuerySet):
    def for_user(self, user) -> UsageQuerySet:
        return self.filter(owner=user)


class UsageRecord(models.Model):
    """What one model used in one call to the model service, and its cost, from the `usage` the API returned.
    A Responses API call has two: its image model's and its mainline model's."""

    class Api(models.TextChoices):
        IMAGES = "images", "Image API"
        RESPONSES = "responses", "Responses API"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_records"
    )
    job = models.ForeignKey(
        "studio.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_records"
    )
    api = models.CharField(max_length=10, choices=Api.choices)
    model = models.CharField(max_length=60)
    quality = models.CharField(max_length=10)
    size = models.CharField(max_length=12)
    input_text_tokens = models.PositiveIntegerField(default=0)
    input_image_tokens = models.PositiveIntegerField(default=0)
    cached_input_tokens = models.PositiveIntegerField(default=0, help_text="Of the input tokens.")
    output_tokens = models.PositiveIntegerField(default=0)
    partial_image_tokens = models.PositiveIntegerField(default=0, help_text="Of the output tokens.")
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    estimated = models.BooleanField(
        default=False,
        help_text="The service reported no usage for this: its tokens and cost come from the price table.",
    )
    upstream_key = models.CharField(
        max_length=120,
        blank=True,
        help_text="The upstream response (and model) this records: each is recorded once.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    prompt = models.TextField(
        blank=True,
        editable=False,
        help_text="Its job's prompt, copied when recorded: the admin searches records without reading jobs.",
    )

    objects = UsageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "upstream_key"],
                condition=~models.Q(upstream_key=""),
                name="one_record_per_upstream_use",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.quality} {self.size}: ${self.cost_usd}"

    def save(self, *args, **kwargs) -> None:
        # A job's prompt is fixed when it is queued, so the copy never goes stale.
        if self._state.adding and self.job_id and not self.prompt:
            self.prompt = self.job.prompt
        super().save(*args, **kwargs)
