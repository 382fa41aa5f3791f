"""Images made in memory for tests."""

from __future__ import annotations

import io

from PIL import Image


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def solid(size=(64, 48), colour=(200, 40, 40), fmt="PNG") -> bytes:
    return encode(Image.new("RGB", size, colour), fmt)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def alpha_mask(size, box) -> bytes:
    """An API mask: opaque everywhere, transparent (editable) inside `box`."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), box)
    return encode(mask)
