from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from conversations.models import Conversation, Turn


class TurnInline(admin.TabularInline):
    """The chain: each turn with the response id it was sent with and the one it got."""

    model = Turn
    fields = ("created_at", "prompt", "status", "previous_response_id", "response_id", "branched", "job")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description="Status")
    def status(self, turn: Turn) -> str:
        return turn.job.get_status_display()

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("job")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "mainline_model", "created_at", "updated_at")
    list_filter = ("mainline_model", "updated_at")
    search_fields = ("title", "owner__username", "turns__job__prompt")
    list_select_related = ("owner",)
    readonly_fields = ("owner", "created_at", "updated_at")
    inlines = [TurnInline]


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ("prompt", "conversation", "previous_response_id", "response_id", "created_at")
    search_fields = (
        "job__prompt",
        "job__response_id",
        "job__previous_response_id",
        "conversation__owner__username",
    )
    list_select_related = ("conversation", "job")
    readonly_fields = [field.name for field in Turn._meta.fields] + [
        "prompt",
        "previous_response_id",
        "response_id",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
