"""Images made in memory for tests."""

from __future__ import annotations

import io
import struct
import zlib

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


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb), made without the pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


MASK_BOX = (300, 200, 700, 600)


def mask_upload(size=(1024, 1024), box=MASK_BOX):
    """The mask editor's upload: a PNG mask with `box` editable."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("mask.png", alpha_mask(size, box), "image/png")
