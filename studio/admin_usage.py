"""The figures above the usage list: totals and cost per day of the filtered records, summed by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

CHART_WIDTH = 720
CHART_HEIGHT = 160
CSV_COLUMNS = (
    ("created_at", "time"),
    ("owner__username", "user"),
    ("api", "api"),
    ("model", "model"),
    ("quality", "quality"),
    ("size", "size"),
    ("input_text_tokens", "input_text_tokens"),
    ("input_image_tokens", "input_image_tokens"),
    ("output_tokens", "output_tokens"),
    ("partial_image_tokens", "partial_image_tokens"),
    ("cost_usd", "cost_usd"),
)


def totals(records: QuerySet) -> dict:
    """One aggregate query over the filtered records."""
    sums = records.order_by().aggregate(
        records=Count("pk"),
        input_text_tokens=Sum("input_text_tokens"),
        input_image_tokens=Sum("input_image_tokens"),
        output_tokens=Sum("output_tokens"),
        partial_image_tokens=Sum("partial_image_tokens"),
        cost_usd=Sum("cost_usd"),
    )
    return {key: value or (Decimal("0") if key == "cost_usd" else 0) for key, value in sums.items()}


@dataclass(frozen=True)
class Bar:
    day: date
    cost: Decimal
    x: float
    y: float
    width: float
    height: float


def cost_per_day(records: QuerySet) -> list[tuple[date, Decimal]]:
    """One GROUP BY query: the cost of the filtered records for each day that has any."""
    rows = (
        records.order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(cost=Sum("cost_usd"))
        .order_by("day")
    )
    return [(row["day"], row["cost"] or Decimal("0")) for row in rows]


def chart_bars(days: list[tuple[date, Decimal]]) -> list[Bar]:
    """Geometry of an SVG bar chart, one bar per day, scaled to the dearest day."""
    if not days:
        return []
    top = max(cost for _, cost in days) or Decimal("1")
    slot = CHART_WIDTH / len(days)
    bars = []
    for index, (day, cost) in enumerate(days):
        height = float(cost / top) * (CHART_HEIGHT - 20)
        bars.append(Bar(day, cost, index * slot + slot * 0.1, CHART_HEIGHT - height, slot * 0.8, height))
    return bars
