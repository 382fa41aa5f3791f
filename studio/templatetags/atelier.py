from __future__ import annotations

from decimal import Decimal

from django import template

from studio import pricing

register = template.Library()


@register.filter
def usd(value) -> str:
    """Money as people read it: "$0.211", "$12.40"; an empty string for no figure."""
    if value is None or value == "":
        return ""
    return pricing.format_usd(Decimal(value))
