"""The programmatic API's rows: keys, idempotency records, webhook endpoints and the webhook outbox."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

WEBHOOK_EVENTS = ("job.succeeded", "job.failed", "job.cancelled")


class ApiKeyQuerySet(models.QuerySet):
    def for_user(self, user) -> ApiKeyQuerySet:
        return self.filter(owner=user)

    def usable(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True, owner__is_active=True)


class ApiKey(models.Model):
    """A key a script sends as `Authorization: Bearer atl_...`; it acts as its owner.

    Only the SHA-256 of the key is kept: the key itself is shown once, when it is made. `prefix` (the
    first 12 characters, `atl_` and 8 more) is what lists show so a person can tell keys apart.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=12)
    hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` a user sent with a request that queued a job: the same key with the same body
    gets that job again; with another body, a conflict. Kept for IDEMPOTENCY_WINDOW."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    job = models.ForeignKey("studio.GenerationJob", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint("owner", "key", name="one_idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.key} -> job {self.job_id}"


class WebhookEndpoint(models.Model):
    """Where a user wants to hear of their jobs' ends. `secret` (`whsec_` + base64) signs every delivery;
    it is shown once, when the endpoint is made, and kept as it is because signing needs it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="The event types sent here.")
    secret = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return event_type in self.events


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now=None) -> WebhookDeliveryQuerySet:
        return self.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now or timezone.now())


class WebhookDelivery(models.Model):
    """The outbox: one event for one endpoint, written in the transaction that ended the job, and tried
    until the endpoint answers 2xx or `retry_until` passes. Every attempt sends the same `event_id` as
    `webhook-id`, so a receiver can tell a retry from a new event."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    job = models.ForeignKey(
        "studio.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=30)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    retry_until = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    RETRY_WINDOW = timedelta(hours=24)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint("endpoint", "event_id", name="one_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to {self.endpoint_id}"
