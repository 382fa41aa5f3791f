from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import ordinal

from studio.core import jobs, pricing
from studio.core.requests import JobRequest, from_json

register = template.Library()


@register.filter
def usd(value) -> str:
    """Money as people read it: "$0.211", "$12.40"; an empty string for no figure."""
    if value is None or value == "":
        return ""
    return pricing.format_usd(Decimal(value))


@register.filter
def percent(value) -> str:
    """A share (0-1) as a percentage with one decimal: 0.0312 -> "3.1%"."""
    return f"{float(value) * 100:.1f}%"


@register.filter
def job_cost(job) -> Decimal:
    """What the job cost, from its prefetched usage records."""
    return sum((record.cost_usd for record in job.usage_records.all()), Decimal("0"))


@register.filter
def spec(job) -> JobRequest:
    """What the job asked for, typed (`{% with spec=job|spec %}`)."""
    return from_json(job.request)


@register.filter
def tiles(job, count: int = 1) -> list[dict]:
    """One tile per requested image (`count`): its final image, else its latest partial (from prefetched
    images)."""
    finals, partials = {}, {}
    for image in job.images.all():
        if image.kind == "final":
            finals[image.output_index] = image
        elif image.kind == "partial":
            best = partials.get(image.output_index)
            if best is None or (image.partial_index or 0, image.pk) > (best.partial_index or 0, best.pk):
                partials[image.output_index] = image
    count = max(count, len(finals))
    return [{"index": i, "final": finals.get(i), "partial": partials.get(i)} for i in range(count)]


@register.filter
def in_line(job) -> str:
    """ "2nd in line, about 40 s" for a waiting job (fair order, see core.jobs), "" otherwise."""
    waiting = jobs.waiting_line(job)
    if waiting is None:
        return ""
    place, seconds = waiting
    line = f"{ordinal(place)} in line"
    return line if seconds is None else f"{line}, about {_duration(seconds)}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5)} s"
    return f"{round(seconds / 60)} min"
