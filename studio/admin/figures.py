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
    ("cached_input_tokens", "cached_input_tokens"),
    ("output_tokens", "output_tokens"),
    ("partial_image_tokens", "partial_image_tokens"),
    ("cost_usd", "cost_usd"),
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


def cost_per_day(days: list[dict]) -> list[tuple[date, Decimal]]:
    return [(day["day"], day["cost_usd"] or Decimal("0")) for day in days]


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
