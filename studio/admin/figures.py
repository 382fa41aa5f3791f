"""The figures above the usage list: totals and cost per day of the filtered records, summed by the database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

# The cost-per-day chart's SVG units: the plot, with room left of it for the scale's amounts, above it for
# the dearest bar's amount and below it for the days.
CHART_WIDTH = 720
CHART_HEIGHT = 200
PLOT_LEFT = 64
PLOT_RIGHT = CHART_WIDTH - 8
PLOT_TOP = 18
PLOT_BOTTOM = CHART_HEIGHT - 24
BAR_MAX_WIDTH = 48
LABEL_WIDTH = 56  # what a day ("Dec 17") or an amount ("$123.45") needs at the chart's text size
CENT = Decimal("0.01")

CSV_COLUMNS = (
    ("created_at", "time"),
    ("owner__username", "user"),
    ("api", "api"),
    ("model", "model"),
    ("quality", "quality"),
    ("size", "size"),
    ("input_text_tokens", "input_text_tokens"),
    ("input_image_tokens", "input_image_tokens"),
    ("cached_input_tokens", "cached_input_tokens"),
    ("output_tokens", "output_tokens"),
    ("partial_image_tokens", "partial_image_tokens"),
    ("cost_usd", "cost_usd"),
    ("estimated", "estimated"),
)


SUMMED = (
    "input_text_tokens",
    "input_image_tokens",
    "cached_input_tokens",
    "output_tokens",
    "partial_image_tokens",
    "cost_usd",
)


def daily_sums(records: QuerySet) -> list[dict]:
    """One GROUP BY query over the filtered records: per day, the count and the sum of every figure.
    The chart reads the costs; the totals add the days up, so the table is scanned once."""
    return list(
        records.order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(records=Count("pk"), **{name: Sum(name) for name in SUMMED})
        .order_by("day")
    )


def totals(days: list[dict]) -> dict:
    result = {"records": sum(day["records"] for day in days)}
    for name in SUMMED:
        result[name] = sum((day[name] or 0 for day in days), Decimal("0") if name == "cost_usd" else 0)
    return result


@dataclass(frozen=True)
class Bar:
    day: date
    cost: Decimal
    x: float
    y: float
    width: float
    height: float
    labelled: bool  # its day below it and its amount above it; a crowded chart labels every few bars

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    """A mark of the cost scale, with its amount, at this height."""

    amount: Decimal
    y: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    # Not fields: the template's copy of the geometry.
    width = CHART_WIDTH
    height = CHART_HEIGHT
    plot_left = PLOT_LEFT
    plot_right = PLOT_RIGHT
    plot_bottom = PLOT_BOTTOM

    @property
    def dearest(self) -> Bar:
        return max(self.bars, key=lambda bar: bar.cost)

    @property
    def top(self) -> Decimal:
        return self.ticks[-1].amount


def cost_per_day(days: list[dict]) -> list[tuple[date, Decimal]]:
    return [(day["day"], day["cost_usd"] or Decimal("0")) for day in days]


def scale_step(dearest: Decimal) -> Decimal:
    """The step of a cost scale that reaches `dearest` in two to four round steps (1, 2 or 5 x 10^n), so its
    marks read as plain amounts: $0, $5, $10, $15 rather than $0, $3.09, $6.18, $9.27."""
    rough = dearest / 4
    power = Decimal(10) ** rough.adjusted()
    return next(power * multiple for multiple in (1, 2, 5, 10) if power * multiple >= rough)


def chart(days: list[tuple[date, Decimal]]) -> Chart | None:
    """Geometry of an SVG bar chart, one bar per day, against a cost scale from $0 to a round amount at or
    above the dearest day. Bars are never wider than BAR_MAX_WIDTH, so a single day is a bar, not a block."""
    if not days:
        return None
    dearest = max(cost for _, cost in days) or CENT
    step = scale_step(dearest)
    top = step * math.ceil(dearest / step)
    plot_height = PLOT_BOTTOM - PLOT_TOP

    def y_of(amount: Decimal) -> float:
        return PLOT_BOTTOM - float(amount / top) * plot_height

    ticks = [Tick(step * n, y_of(step * n)) for n in range(int(top / step) + 1)]
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(days)
    width = min(slot * 0.8, BAR_MAX_WIDTH)
    every = math.ceil(LABEL_WIDTH / slot)
    bars = [
        Bar(
            day,
            cost,
            x=PLOT_LEFT + index * slot + (slot - width) / 2,
            y=y_of(cost),
            width=width,
            height=PLOT_BOTTOM - y_of(cost),
            labelled=index % every == 0,
        )
        for index, (day, cost) in enumerate(days)
    ]
    return Chart(bars, ticks)


def date_drilldown(cl, days: list[date]) -> dict:
    """The admin's date drill-down (Django's `date_hierarchy` tag), from the days the day sums found rather
    than from two queries of its own over the filtered records: the same levels, links and titles."""
    field = cl.date_hierarchy
    year_field, month_field, day_field = f"{field}__year", f"{field}__month", f"{field}__day"
    year, month, day = (cl.params.get(name) for name in (year_field, month_field, day_field))

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field}__"])

    if not (year or month or day) and days and days[0].year == days[-1].year:
        year = days[0].year
        if days[0].month == days[-1].month:
            month = days[0].month
    drilldown = {"show": True, "field_name": cl.model._meta.get_field(field).verbose_name}
    if year and month and day:
        chosen = date(int(year), int(month), int(day))
        drilldown["back"] = {
            "link": link({year_field: year, month_field: month}),
            "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
        }
        drilldown["choices"] = [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}]
    elif year and month:
        drilldown["back"] = {"link": link({year_field: year}), "title": str(year)}
        drilldown["choices"] = [
            {
                "link": link({year_field: year, month_field: month, day_field: each.day}),
                "title": capfirst(formats.date_format(each, "MONTH_DAY_FORMAT")),
            }
            for each in days
        ]
    elif year:
        months = sorted({each.replace(day=1) for each in days})
        drilldown["back"] = {"link": link({}), "title": _("All dates")}
        drilldown["choices"] = [
            {
                "link": link({year_field: year, month_field: each.month}),
                "title": capfirst(formats.date_format(each, "YEAR_MONTH_FORMAT")),
            }
            for each in months
        ]
    else:
        drilldown["back"] = None
        drilldown["choices"] = [
            {"link": link({year_field: str(each)}), "title": str(each)}
            for each in sorted({d.year for d in days})
        ]
    return drilldown


BLOCK_RESOLUTIONS = ("rephrased", "fallback_image", "retried_low", "")


def block_counts(jobs: QuerySet) -> list[dict]:
    """Moderation blocks by stage (input, output), each with how many were resolved which way: one row per
    stage, `resolutions` in BLOCK_RESOLUTIONS order ("" is none), and the stage's total."""
    blocked = jobs.filter(error_code="moderation_blocked")
    counted = blocked.values("blocked_stage", "block_resolution").annotate(n=Count("pk"))
    stages: dict[str, dict[str, int]] = {}
    for row in counted:
        stage = stages.setdefault(row["blocked_stage"] or "unknown", {})
        stage[row["block_resolution"]] = stage.get(row["block_resolution"], 0) + row["n"]
    return [
        {
            "stage": stage,
            "resolutions": [by_way.get(way, 0) for way in BLOCK_RESOLUTIONS],
            "total": sum(by_way.values()),
        }
        for stage, by_way in sorted(stages.items())
    ]
