"""Jobs: their errors, timings and upstream ids, and Retry."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from studio.core import budgets
from studio.core.jobs import retry_job
from studio.models import GenerationJob


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "kind",
        "status",
        "image_model",
        "quality",
        "size",
        "error_code",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "upstream_request_id",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("owner__username", "prompt", "upstream_request_id", "response_id", "error_code")
    list_select_related = ("owner",)
    readonly_fields = [field.name for field in GenerationJob._meta.fields]
    actions = ["retry_failed"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry the selected failed or cancelled jobs")
    def retry_failed(self, request: HttpRequest, queryset) -> None:
        retried, over_budget = 0, []
        for job in queryset.filter(status__in=[GenerationJob.Status.FAILED, GenerationJob.Status.CANCELLED]):
            try:
                retry_job(job)
            except budgets.BudgetExceeded as exc:
                over_budget.append(f"#{job.pk} ({job.owner}): {exc.message}")
            else:
                retried += 1
        skipped = queryset.count() - retried - len(over_budget)
        self.message_user(request, f"Queued {retried} job(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped} job(s) that had not failed.", messages.WARNING)
        for line in over_budget:
            self.message_user(request, f"Not retried, over budget: {line}", messages.ERROR)
