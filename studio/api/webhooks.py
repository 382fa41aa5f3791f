"""Webhook endpoints by API: register one (its secret shown once), list them, remove one."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from studio.api.errors import ApiError, form_error, not_found
from studio.api.openapi import errors
from studio.api.schemas import WebhookCreated, WebhookIn, WebhookOut
from studio.core import webhooks
from studio.integration_forms import WebhookEndpointForm
from studio.models import WebhookEndpoint

router = Router(tags=["webhooks"])


def endpoint_data(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": endpoint.events,
        "created_at": endpoint.created_at,
    }


@router.post(
    "/webhooks", response={201: WebhookCreated, **errors(400, 401, 413, 422, 429)}, url_name="webhooks"
)
def create_webhook(request: HttpRequest, payload: WebhookIn):
    """Register an endpoint for some of your jobs' events. Its URL must resolve to public addresses."""
    form = WebhookEndpointForm(payload.model_dump())
    if not form.is_valid():
        raise form_error(form)
    try:
        endpoint = webhooks.create_endpoint(request.auth.owner, **form.cleaned_data)
    except webhooks.InvalidEndpoint as exc:
        raise ApiError(422, "invalid_request", exc.message, exc.field) from None
    return Status(201, {**endpoint_data(endpoint), "secret": endpoint.secret})


@router.get("/webhooks", response={200: list[WebhookOut], **errors(401, 429)}, url_name="list_webhooks")
def list_webhooks(request: HttpRequest):
    """Your endpoints, newest first (without their secrets)."""
    return [endpoint_data(endpoint) for endpoint in WebhookEndpoint.objects.filter(owner=request.auth.owner)]


@router.delete(
    "/webhooks/{webhook_id}", response={204: None, **errors(401, 404, 429)}, url_name="delete_webhook"
)
def delete_webhook(request: HttpRequest, webhook_id: int):
    """Remove an endpoint: nothing more is sent to it, pending deliveries included."""
    deleted, _ = WebhookEndpoint.objects.filter(owner=request.auth.owner, pk=webhook_id).delete()
    if not deleted:
        raise not_found("webhook", webhook_id)
    return Status(204, None)
