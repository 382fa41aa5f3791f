"""Webhooks: endpoints per user, and the outbox of events about their jobs.

When a job ends (`events.job_finished`, sent inside the transaction that ends it), `record_job_event`
writes one `WebhookDelivery` per endpoint of the job's owner that asked for that event, in that same
transaction: the event commits with the job's final state or not at all. Once it commits, the
deliveries are handed to `webhook_delivery`, which sends, signs and retries them.
"""

from __future__ import annotations

import base64
import secrets

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from studio.core import safe_urls, webhook_delivery
from studio.models import GenerationJob, WebhookDelivery, WebhookEndpoint
from studio.models.api import WEBHOOK_EVENTS

Status = GenerationJob.Status
EVENT_FOR_STATUS = {
    Status.SUCCEEDED: "job.succeeded",
    Status.FAILED: "job.failed",
    Status.CANCELLED: "job.cancelled",
}
SECRET_PREFIX = "whsec_"


class InvalidEndpoint(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def check_events(events: list[str]) -> list[str]:
    """The event types asked for, in our order, or InvalidEndpoint."""
    unknown = [event for event in events if event not in WEBHOOK_EVENTS]
    if unknown:
        raise InvalidEndpoint(
            f"Unknown event {unknown[0]!r}: choose from {', '.join(WEBHOOK_EVENTS)}.", field="events"
        )
    if not events:
        raise InvalidEndpoint("Choose at least one event.", field="events")
    return [event for event in WEBHOOK_EVENTS if event in events]


def create_endpoint(owner, url: str, events: list[str]) -> WebhookEndpoint:
    """A new endpoint with a fresh secret. Raises InvalidEndpoint (for an unsafe URL too)."""
    events = check_events(events)
    try:
        safe_urls.resolve_target(url)
    except safe_urls.UnsafeURL as exc:
        raise InvalidEndpoint(exc.message, field="url") from None
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
    return WebhookEndpoint.objects.create(owner=owner, url=url.strip(), events=events, secret=secret)


def event_payload(event_id: str, event_type: str, job: GenerationJob) -> dict:
    """The body every endpoint gets for this event (Standard Webhooks' shape, OpenAI's fields)."""
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created_at": int(timezone.now().timestamp()),
        "data": {"id": job.pk, "status": job.status, "url": reverse("api:get_job", args=[job.pk])},
    }


def record_job_event(sender=None, *, job_id: int, **kwargs) -> list[WebhookDelivery]:
    """Receiver of `events.job_finished`: the event's deliveries, written in the job's transaction."""
    job = GenerationJob.objects.only("pk", "owner_id", "status").get(pk=job_id)
    event_type = EVENT_FOR_STATUS.get(job.status)
    if event_type is None:
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(owner_id=job.owner_id) if e.wants(event_type)]
    if not endpoints:
        return []
    event_id = "evt_" + secrets.token_hex(12)
    payload = event_payload(event_id, event_type, job)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            job=job,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            next_attempt_at=now,
            retry_until=now + WebhookDelivery.RETRY_WINDOW,
        )
        for endpoint in endpoints
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: webhook_delivery.dispatch(ids))
    return deliveries


def redeliver(delivery: WebhookDelivery) -> None:
    """Send a delivery again (the admin's action): the same event id, a new day of retries."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=now,
        retry_until=now + WebhookDelivery.RETRY_WINDOW,
    )
    transaction.on_commit(lambda: webhook_delivery.dispatch([delivery.pk]))
