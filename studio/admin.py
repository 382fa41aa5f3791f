"""The admin: where the money goes (usage, with totals, a chart and CSV), jobs, images and budgets."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from studio import admin_usage, jobs, sizes
from studio.assets import add_thumbnail
from studio.models import Budget, BudgetReservation, GenerationJob, ImageAsset, UsageRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: viewed and filtered, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ModelFilter(admin.SimpleListFilter):
    """The models Atelier knows, from its own table: no DISTINCT over a million rows to list them."""

    title = "model"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return [(name, name) for name in (*sizes.offered_models(), *sizes.RETIRED_MODELS)]

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


class QualityFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "quality"

    def lookups(self, request, model_admin):
        return [(q, q) for q in ("low", "medium", "high", "auto")]

    def queryset(self, request, queryset):
        return queryset.filter(quality=self.value()) if self.value() else queryset


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "owner",
        "api",
        "model",
        "quality",
        "size",
        "input_text_tokens",
        "input_image_tokens",
        "output_tokens",
        "partial_image_tokens",
        "cost_usd",
    )
    list_filter = ("owner", ModelFilter, QualityFilter, "api", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("owner__username", "job__request__params__prompt", "job__turn__prompt")
    list_select_related = ("owner",)
    list_per_page = 50
    # A million rows: count the filtered page's total once (the paginator), never the whole table twice.
    show_full_result_count = False
    change_list_template = "admin/studio/usagerecord/change_list.html"

    def get_urls(self):
        export = path(
            "export.csv", self.admin_site.admin_view(self.export_csv), name="studio_usagerecord_export"
        )
        return [export, *super().get_urls()]

    def filtered_records(self, request: HttpRequest):
        """The records the changelist shows for this request's filters and search, all pages."""
        return self.get_changelist_instance(request).get_queryset(request)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            sums = admin_usage.daily_sums(context["cl"].queryset)
            days = admin_usage.cost_per_day(sums)
            context["usage_totals"] = admin_usage.totals(sums)
            context["usage_days"] = days
            context["usage_bars"] = admin_usage.chart_bars(days)
            context["chart_width"] = admin_usage.CHART_WIDTH
            context["chart_height"] = admin_usage.CHART_HEIGHT
            context["export_url"] = reverse("admin:studio_usagerecord_export") + (
                f"?{request.GET.urlencode()}" if request.GET else ""
            )
        return response

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        fields = [field for field, _ in admin_usage.CSV_COLUMNS]
        rows = self.filtered_records(request).order_by("created_at", "pk").values_list(*fields)
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow([header for _, header in admin_usage.CSV_COLUMNS])
            for row in rows.iterator(chunk_size=5000):
                yield writer.writerow(
                    [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="atelier-usage.csv"'
        return response


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "kind",
        "status",
        "image_model",
        "error_code",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "upstream_request_id",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("owner__username", "upstream_request_id", "error_code")
    list_select_related = ("owner",)
    readonly_fields = [field.name for field in GenerationJob._meta.fields]
    actions = ["retry_failed"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry the selected failed or cancelled jobs")
    def retry_failed(self, request: HttpRequest, queryset) -> None:
        retried = 0
        for job in queryset.filter(status__in=[GenerationJob.Status.FAILED, GenerationJob.Status.CANCELLED]):
            jobs.retry_job(job)
            retried += 1
        skipped = queryset.count() - retried
        self.message_user(request, f"Queued {retried} job(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped} job(s) that had not failed.", messages.WARNING)


@admin.register(ImageAsset)
class ImageAssetAdmin(admin.ModelAdmin):
    list_display = (
        "preview",
        "id",
        "owner",
        "kind",
        "dimensions",
        "format",
        "size_bytes",
        "favourite",
        "created_at",
    )
    list_filter = ("kind", "format", "created_at")
    search_fields = ("owner__username", "sha256")
    list_select_related = ("owner",)
    readonly_fields = ("preview", *[field.name for field in ImageAsset._meta.fields])
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):
        thumb = path(
            "<int:pk>/thumbnail/",
            self.admin_site.admin_view(self.thumbnail_view),
            name="studio_imageasset_thumb",
        )
        return [thumb, *super().get_urls()]

    def thumbnail_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """Staff who may view images see any user's thumbnail here; the app serves images to owners only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = get_object_or_404(ImageAsset, pk=pk)
        if not image.thumbnail:
            add_thumbnail(image)
        return FileResponse(image.thumbnail.open("rb"), content_type="image/webp")

    @admin.display(description="Image")
    def preview(self, image: ImageAsset) -> str:
        url = reverse("admin:studio_imageasset_thumb", args=[image.pk])
        return format_html('<img src="{}" alt="" class="admin-thumb" loading="lazy">', url)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "monthly_usd")
    autocomplete_fields = ("user",)


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyAdmin):
    list_display = ("job", "owner", "amount_usd", "status", "created_at")
    list_filter = ("status", "created_at")
    list_select_related = ("owner", "job")
