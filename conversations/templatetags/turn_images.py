"""Turn images as sized thumbnails: `srcset` entries of the WebPs `/images/<id>/thumb?w=` serves."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()

STAGE_WIDTHS = (256, 512, 1024)  # of storage.THUMBNAIL_WIDTHS; the turn stage is at most ~930 CSS px wide


@register.simple_tag
def thumbnail_url(image, width: int) -> str:
    return f"{reverse('image_thumbnail', args=[image.pk])}?w={width}"


@register.simple_tag
def thumbnail_srcset(image) -> str:
    """`url 256w, url 512w, ...`, each width as the image's own (never wider than the image)."""
    entries: dict[int, str] = {}
    for width in STAGE_WIDTHS:
        entries.setdefault(min(width, image.width), thumbnail_url(image, width))
    return ", ".join(f"{url} {width}w" for width, url in entries.items())
