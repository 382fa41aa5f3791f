"""Usage records: totals and a cost-per-day chart of the filtered records, and their CSV."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property

from studio.admin import figures
from studio.admin.base import ReadOnlyAdmin
from studio.admin.search import search_words, users_named
from studio.core import pricing, sizes
from studio.models import GenerationJob, UsageRecord


class RecordAndJobFilter(admin.SimpleListFilter):
    """A filter of the usage records that filters jobs alike: the moderation blocks are counted over jobs
    (a blocked job is not charged, so it has no record), and follow the same filters."""

    def lookup(self, model, value: str) -> dict:
        raise NotImplementedError

    def queryset(self, request, queryset):
        return queryset.filter(**self.lookup(queryset.model, self.value())) if self.value() else queryset


class ModelFilter(RecordAndJobFilter):
    """The models that can have records: the image and mainline models Atelier prices, and the mainline model
    it is set to (it may be a dated snapshot). From Atelier's own tables, not a DISTINCT over a million
    records (no index has the model). Models never priced (dall-e-2, dall-e-3) are not offered, but a link
    that names one still filters by it, and shows it chosen."""

    title = "model"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        names = dict.fromkeys(
            (
                *sizes.offered_models(),
                *pricing.PRICES,
                *pricing.MAINLINE_PRICES,
                settings.ATELIER_MAINLINE_MODEL,
            )
        )
        if self.value():
            names.setdefault(self.value())
        return [(name, name) for name in names]

    def lookup(self, model, value: str) -> dict:
        return {"image_model": value} if model is GenerationJob else {"model": value}


class QualityFilter(RecordAndJobFilter):
    title = "quality"
    parameter_name = "quality"

    def lookups(self, request, model_admin):
        return [(q, q) for q in ("low", "medium", "high", "auto")]

    def lookup(self, model, value: str) -> dict:
        return {"quality": value}


class ApiFilter(RecordAndJobFilter):
    title = "API"
    parameter_name = "api"
    JOB_KINDS = {
        UsageRecord.Api.IMAGES: GenerationJob.IMAGE_API_KINDS,
        UsageRecord.Api.RESPONSES: (GenerationJob.Kind.RESPONSE,),
    }

    def lookups(self, request, model_admin):
        return UsageRecord.Api.choices

    def lookup(self, model, value: str) -> dict:
        return {"kind__in": self.JOB_KINDS.get(value, ())} if model is GenerationJob else {"api": value}


class DaySumsPaginator(Paginator):
    """Pages of the filtered records, counted by the same GROUP BY that gives the totals and the chart:
    one pass over a million records instead of a COUNT and then the sums."""

    def __init__(self, object_list, per_page, *args, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.days = figures.daily_sums(object_list)

    @cached_property
    def count(self) -> int:
        return sum(day["records"] for day in self.days)


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    # Thirteen columns beside the filters in a 1440 px window: short headers and figures (admin.css keeps time,
    # model, quality and size on one line and right-aligns the figures; the page leaves out the app list).
    list_display = (
        "time",
        "owner",
        "api_name",
        "model",
        "quality",
        "size",
        "text_in",
        "image_in",
        "cached_in",
        "out",
        "partials",
        "cost",
        "estimated",
    )
    list_filter = ("owner", ModelFilter, QualityFilter, ApiFilter, "estimated", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("owner__username", "prompt")  # searched by get_search_results
    search_help_text = "Records of users whose name, or of jobs whose prompt, contains every word."
    list_select_related = ("owner",)
    list_per_page = 50
    # A million rows: count the filtered records once (with their sums), never the whole table.
    show_full_result_count = False
    paginator = DaySumsPaginator
    change_list_template = "admin/studio/usagerecord/change_list.html"

    def get_urls(self):
        export = path(
            "export.csv", self.admin_site.admin_view(self.export_csv), name="studio_usagerecord_export"
        )
        return [export, *super().get_urls()]

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """Records (or jobs) whose prompt, or whose user's name, contains each word. A record carries its job's
        prompt, so each side is searched on its own table, where the trigram and owner indexes answer it."""
        for word in search_words(search_term):
            match = Q(prompt__icontains=word)
            if owners := users_named(word):
                match |= Q(owner__in=owners)
            queryset = queryset.filter(match)
        return queryset, False

    def filtered_jobs(self, request: HttpRequest, cl):
        """The jobs the changelist's filters and search pick, as they pick its records: by the same user and
        dates (the date hierarchy's range too), and the job's own model, quality and API."""
        _, _, remaining, _, _ = cl.get_filters(request)  # what no filter took: the date hierarchy's range
        jobs = GenerationJob.objects.filter(build_q_object_from_lookup_parameters(remaining))
        for spec in cl.filter_specs:
            jobs = spec.queryset(request, jobs)
        return self.get_search_results(request, jobs, cl.query)[0]

    def filtered_records(self, request: HttpRequest):
        """The records the changelist shows for this request's filters and search, all pages."""
        return self.get_changelist_instance(request).get_queryset(request)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            cl = context["cl"]
            sums = cl.paginator.days
            days = figures.cost_per_day(sums)
            context["usage_totals"] = figures.totals(sums)
            context["usage_drilldown"] = figures.date_drilldown(cl, [day["day"] for day in sums])
            context["usage_days"] = days
            context["usage_chart"] = figures.chart(days)
            # Blocked jobs are not charged, so they have no records here: counted over the jobs the filters pick.
            context["block_counts"] = figures.block_counts(self.filtered_jobs(request, cl))
            context["export_url"] = reverse("admin:studio_usagerecord_export") + (
                f"?{request.GET.urlencode()}" if request.GET else ""
            )
        return response

    @admin.display(description="Time", ordering="created_at")
    def time(self, record: UsageRecord) -> str:
        return f"{timezone.localtime(record.created_at):%Y-%m-%d %H:%M}"

    @admin.display(description="API", ordering="api")
    def api_name(self, record: UsageRecord) -> str:
        return record.get_api_display().removesuffix(" API")

    @admin.display(description="Text in", ordering="input_text_tokens")
    def text_in(self, record: UsageRecord) -> str:
        return intcomma(record.input_text_tokens)

    @admin.display(description="Image in", ordering="input_image_tokens")
    def image_in(self, record: UsageRecord) -> str:
        return intcomma(record.input_image_tokens)

    @admin.display(description="Cached in", ordering="cached_input_tokens")
    def cached_in(self, record: UsageRecord) -> str:
        return intcomma(record.cached_input_tokens)

    @admin.display(description="Out", ordering="output_tokens")
    def out(self, record: UsageRecord) -> str:
        return intcomma(record.output_tokens)

    @admin.display(description="Of which partials", ordering="partial_image_tokens")
    def partials(self, record: UsageRecord) -> str:
        return intcomma(record.partial_image_tokens)

    @admin.display(description="Cost", ordering="cost_usd")
    def cost(self, record: UsageRecord) -> str:
        return pricing.format_usd(record.cost_usd)

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        fields = [field for field, _ in figures.CSV_COLUMNS]
        try:
            records = self.filtered_records(request)
        except (IncorrectLookupParameters, FieldError, ValidationError):
            return HttpResponseBadRequest("These filters are not valid for the usage list.")
        rows = records.order_by("created_at", "pk").values_list(*fields)
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow([header for _, header in figures.CSV_COLUMNS])
            for row in rows.iterator(chunk_size=5000):
                yield writer.writerow(
                    [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="atelier-usage.csv"'
        return response
