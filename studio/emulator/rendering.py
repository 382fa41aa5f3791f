"""Rendering jobs off the event loop: each job runs in a worker thread, and results are memoised (bounded LRU)
so that repeated identical requests cost almost nothing. Concurrent identical requests share one rendering.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from PIL import Image

from .design import render_design
from .keyed import asked_key, render_on_key
from .retouch import apply_instruction, encode, fit, masked_edit, partial
from .state import LRU
from .validation import ImageOptions

_EXECUTOR = ThreadPoolExecutor(
    max_workers=min(8, 2 * (os.cpu_count() or 2)), thread_name_prefix="emulator-render"
)
_MEMO: LRU[tuple, Future] = LRU(48)


@dataclass(frozen=True)
class RenderJob:
    """Everything that decides the pixels of one image. Two equal jobs give the same bytes."""

    prompt: str
    options: ImageOptions
    partials: int = 0
    variant: int = 0
    # Input images: the first is the picture to edit when `edit` is true; otherwise all are references.
    images: tuple[bytes, ...] = field(default=(), repr=False)
    edit: bool = False
    mask: bytes | None = field(default=None, repr=False)
    leak: float = 0.0
    # A follow-up turn: the previous image, and the words to apply to it.
    previous: bytes | None = field(default=None, repr=False)
    instruction: str = ""

    def key(self) -> tuple:
        def digest(data: bytes | None) -> str | None:
            return None if data is None else hashlib.sha256(data).hexdigest()

        return (
            self.prompt,
            self.options,
            self.partials,
            self.variant,
            tuple(digest(image) for image in self.images),
            self.edit,
            digest(self.mask),
            self.leak,
            digest(self.previous),
            self.instruction,
        )


@dataclass(frozen=True)
class Rendered:
    final: bytes
    final_b64: str
    partials_b64: tuple[str, ...]


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def render(job: RenderJob) -> Rendered:
    options = job.options
    width, height = options.width, options.height
    transparent = options.background == "transparent"
    if job.previous is not None:
        image = fit(apply_instruction(decode(job.previous), job.instruction), width, height)
    else:
        inputs = [decode(data) for data in job.images]
        if job.edit and inputs:
            base = fit(inputs[0].convert("RGBA" if transparent else "RGB"), width, height)
            mask = decode(job.mask).convert("RGBA") if job.mask is not None else None
            references = inputs[1:] if mask is not None else inputs
            new = render_design(
                job.prompt,
                width,
                height,
                quality=options.quality,
                transparent=transparent,
                references=references,
                variant=job.variant,
            )
            image = masked_edit(base, new, mask, job.leak)
        elif (key := asked_key(job.prompt)) is not None and not transparent:
            image = render_on_key(job.prompt, width, height, key, variant=job.variant)
        else:
            image = render_design(
                job.prompt,
                width,
                height,
                quality=options.quality,
                transparent=transparent,
                references=inputs,
                variant=job.variant,
            )
    if not transparent and image.mode != "RGB":
        image = image.convert("RGB")
    final = encode(image, options.output_format, options.output_compression)
    partials = tuple(
        base64.b64encode(encode(partial(image, index, job.partials), options.output_format, 60)).decode()
        for index in range(job.partials)
    )
    return Rendered(final, base64.b64encode(final).decode(), partials)


async def rendered(job: RenderJob) -> Rendered:
    """The job's images, rendered in a worker thread, or at once when an equal job was rendered recently."""
    key = job.key()
    future = _MEMO.get(key)
    if future is None or (future.done() and future.exception() is not None):
        future = _EXECUTOR.submit(render, job)
        _MEMO.put(key, future)
    return await asyncio.wrap_future(future)


def forget_renderings() -> None:
    _MEMO.clear()
