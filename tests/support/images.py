"""Images made in memory for tests."""

from __future__ import annotations

import io
import random
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


class ReadCountingFile(io.BytesIO):
    """A file that remembers the largest single read asked of it."""

    largest_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.largest_read = max(self.largest_read, len(data))
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.largest_read = max(self.largest_read, count)
        return count


def noise_png(side: int = 700, seed: int = 2) -> bytes:
    """A PNG of random pixels (about 1.5 MB at 700 px): too big to be read in one chunk."""
    return encode(Image.frombytes("RGB", (side, side), random.Random(seed).randbytes(side * side * 3)))


def counted_upload(data: bytes, name: str = "big.png"):
    """An upload as Django hands it to a form, whose file counts the reads asked of it (`.file.largest_read`)."""
    from django.core.files.uploadedfile import UploadedFile

    return UploadedFile(ReadCountingFile(data), name=name, content_type="image/png", size=len(data))
