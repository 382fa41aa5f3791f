"""The emulator must never be what a benchmark of Atelier measures: fast alone, and fair under load."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest


def test_it_streams_a_fresh_1024_generation_with_three_partials_well_under_a_second(client):
    started = time.monotonic()
    events = list(
        client.images.generate(
            model="gpt-image-2",
            prompt=f"A fresh poster {uuid.uuid4()}",
            stream=True,
            partial_images=3,
            quality="high",
        )
    )

    assert len(events) == 4
    assert time.monotonic() - started < 0.6


def test_it_answers_a_repeated_request_from_its_memory_faster(client):
    prompt = f"A repeated 4K poster {uuid.uuid4()}"

    def timed() -> float:
        started = time.monotonic()
        client.images.generate(model="gpt-image-2", prompt=prompt, size="3840x2160")
        return time.monotonic() - started

    first = timed()
    assert timed() < first


@pytest.mark.asyncio
async def test_it_interleaves_fifty_concurrent_streams(async_client):
    """With 0.1 s per step, 50 streams of 4 steps each run side by side: every stream shows its first partial
    image before any stream finishes, and all are done in a fraction of 50 x 0.4 s."""
    first_partials: list[float] = []
    completions: list[float] = []
    started = time.monotonic()

    async def one(index: int) -> None:
        stream = await async_client.images.generate(
            model="gpt-image-2",
            prompt=f"Concurrent poster {index % 5}",
            stream=True,
            partial_images=3,
            extra_headers={"X-Emulator-Latency": "0.1"},
        )
        async for event in stream:
            if event.type.endswith("completed"):
                completions.append(time.monotonic() - started)
            elif event.partial_image_index == 0:
                first_partials.append(time.monotonic() - started)

    await asyncio.gather(*(one(index) for index in range(50)))

    assert len(completions) == len(first_partials) == 50
    assert max(first_partials) < min(completions)
    assert max(completions) < 4
