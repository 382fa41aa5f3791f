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

    def in_studio(self) -> JobQuerySet:
        """Image API jobs (the Studio's), with what their cards show."""
        return (
            self.filter(kind__in=GenerationJob.IMAGE_API_KINDS)
            .prefetch_related("images", "usage_records")
            .select_related("draft_of", "cached_from")
        )


class GenerationJob(models.Model):
    """One request to the model service: what the user asked for, and how it went.

    `request` is our own request (`studio.core.requests.ImageRequest` or `TurnRequest`, as JSON; input
    images and masks by ImageAsset id, never inlined). What lists filter and search by (prompt, model,
    quality, size) is copied into columns when the job is queued. The upstream call's outcome (its ids,
    texts and errors) has fields of its own. The row is the truth; websocket messages only say "look again".
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

    class BlockResolution(models.TextChoices):
        NONE = "", "None"
        REPHRASED = "rephrased", "Rephrased"
        FALLBACK_IMAGE = "fallback_image", "Fallback image"
        RETRIED_LOW = "retried_low", "Retried at low moderation"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    IMAGE_API_KINDS = (Kind.IMAGE_GENERATE, Kind.IMAGE_EDIT)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    request = models.JSONField(default=dict, help_text="Our own request (ImageRequest or TurnRequest).")
    prompt = models.TextField(blank=True)
    image_model = models.CharField(max_length=60, blank=True)
    quality = models.CharField(max_length=10, blank=True)
    size = models.CharField(max_length=12, blank=True)
    stage = models.CharField(
        max_length=80, blank=True, help_text="What the job is doing now, in plain words."
    )
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    error_param = models.CharField(
        max_length=80, blank=True, help_text="The request field the service refused."
    )
    blocked_stage = models.CharField(
        max_length=10, blank=True, help_text="For a moderation block: input or output."
    )
    blocked_categories = models.JSONField(default=list, blank=True)
    block_resolution = models.CharField(
        max_length=20,
        choices=BlockResolution.choices,
        blank=True,
        help_text="For a moderation block: the way around it the user took.",
    )
    upstream_request_id = models.CharField(max_length=80, blank=True)
    previous_response_id = models.CharField(
        max_length=80, blank=True, help_text="Responses API: the response this call continued."
    )
    response_id = models.CharField(max_length=80, blank=True, db_index=True)
    image_call_id = models.CharField(max_length=80, blank=True)
    revised_prompt = models.TextField(blank=True)
    assistant_text = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_holder = models.CharField(
        max_length=80, blank=True, help_text="The worker running this job (while it is running)."
    )
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until when the holder has the job; it renews the lease while it works.",
    )
    chain_restarted = models.BooleanField(
        default=False,
        help_text="The service had forgotten the earlier turns: this turn started a new chain from its parent's image.",
    )
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
    waits_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waiting_jobs",
        help_text="Held in the queue (no worker claims it) until this job has finished and the job is released.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "lease_expires_at"]),
            # The usage list's block counts: few jobs are blocked, so they are found without reading the rest.
            models.Index(
                fields=["blocked_stage", "block_resolution"],
                condition=models.Q(error_code="moderation_blocked"),
                name="studio_job_blocked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def elapsed_seconds(self) -> float | None:
        if not self.started_at:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()
