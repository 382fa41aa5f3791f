"""Jobs: their errors, timings and upstream ids, and Retry."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest

from studio.admin.search import search_words, users_named
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
    # Searched by get_search_results; the ids are matched whole (they are pasted, not typed).
    search_fields = (
        "owner__username",
        "prompt",
        "error_code",
        "upstream_request_id__exact",
        "response_id__exact",
    )
    search_help_text = (
        "Jobs whose user, prompt or error code contains every word, or with that request or response id."
    )
    list_select_related = ("owner",)
    readonly_fields = [field.name for field in GenerationJob._meta.fields]
    actions = ["retry_failed"]
    list_per_page = 50  # rendering a row costs more than finding it (100 rows: ~150 ms of the page)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """Each word, on the job's own indexed columns (trigram indexes for the substrings on PostgreSQL)."""
        for word in search_words(search_term):
            match = (
                Q(prompt__icontains=word)
                | Q(error_code__icontains=word)
                | Q(upstream_request_id=word)
                | Q(response_id=word)
            )
            if owners := users_named(word):
                match |= Q(owner__in=owners)
            queryset = queryset.filter(match)
        return queryset, False

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
