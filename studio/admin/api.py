"""The API's keys (revoke any), webhook endpoints, and the webhook outbox (attempts, errors, Redeliver)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from studio.admin.base import ReadOnlyAdmin
from studio.core import api_keys, webhooks
from studio.models import ApiKey, WebhookDelivery, WebhookEndpoint


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "name", "owner", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("owner__username", "name", "prefix")
    list_select_related = ("owner",)
    exclude = ("hash",)
    actions = ["revoke_keys"]

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request: HttpRequest, queryset) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            api_keys.revoke(key)
        self.message_user(request, f"Revoked {len(keys)} key(s).", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "owner", "events", "created_at")
    search_fields = ("owner__username", "url")
    list_select_related = ("owner",)
    exclude = ("secret",)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return True


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "event_id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type", "created_at")
    search_fields = ("event_id", "endpoint__url", "endpoint__owner__username", "last_error")
    list_select_related = ("endpoint",)
    actions = ["redeliver"]
    show_full_result_count = False

    @admin.action(description="Redeliver the selected events (same ids)")
    def redeliver(self, request: HttpRequest, queryset) -> None:
        deliveries = list(queryset)
        for delivery in deliveries:
            webhooks.redeliver(delivery)
        self.message_user(request, f"Queued {len(deliveries)} delivery(ies) again.", messages.SUCCESS)
