from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobQuerySet(models.QuerySet):
    def for_user(self, user) -> JobQuerySet:
        return self.filter(owner=user)

    def active(self) -> JobQuerySet:
        return self.filter(status__in=GenerationJob.ACTIVE_STATUSES)


class GenerationJob(models.Model):
    """One request to the model service: what we will send, and how it went.

    `request` holds the JSON-safe arguments of the call (input images and masks are referenced by
    ImageAsset ids, never inlined). The row is the truth; websocket messages only say "look again".
    """

    class Kind(models.TextChoices):
        IMAGE_GENERATE = "image_generate", "Image API generation"
        IMAGE_EDIT = "image_edit", "Image API edit"
        RESPONSE = "response", "Responses API turn"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    request = models.JSONField(default=dict)
    stage = models.CharField(
        max_length=80, blank=True, help_text="What the job is doing now, in plain words."
    )
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    upstream_request_id = models.CharField(max_length=80, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    estimated_cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    cache_key = models.CharField(max_length=64, blank=True, db_index=True)
    cached_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="cache_hits"
    )
    draft_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finals",
        help_text="For a finalized image: the draft job it re-ran at high quality.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def params(self) -> dict:
        """The arguments of the SDK call (images and masks aside)."""
        return self.request.get("params", {})

    @property
    def image_model(self) -> str:
        """The image model: the call's own `model`, or the image tool's for a Responses turn."""
        tool = self.params.get("tool")
        return tool.get("model", "") if tool is not None else self.params.get("model", "")

    @property
    def prompt(self) -> str:
        return self.params.get("prompt", "")

    @property
    def elapsed_seconds(self) -> float | None:
        if not self.started_at:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()
