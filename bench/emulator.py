"""How fast the OpenAI emulator answers, so that it is never what a benchmark of Atelier measures.

Starts `manage.py emulator` with zero latency and drives it with the real async SDK, several requests at a time.
"Repeated" sends one prompt again and again (memoised renderings); "fresh" sends a new prompt every time (each
one rendered and encoded). Prints requests per second.

    DEBUG=1 .venv/bin/python bench/emulator.py
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai import AsyncOpenAI  # noqa: E402

from tests.support.emulator import start_emulator  # noqa: E402

CONCURRENCY = 8
# (size, prompts, streamed partial images, requests)
CASES = [
    ("1024x1024", "repeated", 0, 200),
    ("1024x1024", "fresh", 0, 80),
    ("1024x1024", "fresh", 3, 80),
    ("3840x2160", "repeated", 0, 40),
    ("3840x2160", "fresh", 0, 16),
    ("3840x2160", "fresh", 3, 16),
]


async def one_request(client: AsyncOpenAI, size: str, prompt: str, partials: int) -> None:
    if partials:
        stream = await client.images.generate(
            model="gpt-image-2", prompt=prompt, size=size, stream=True, partial_images=partials
        )
        events = [event async for event in stream]
        assert events[-1].type == "image_generation.completed"
    else:
        result = await client.images.generate(model="gpt-image-2", prompt=prompt, size=size)
        assert result.data[0].b64_json


async def run_case(client: AsyncOpenAI, size: str, prompts: str, partials: int, requests: int) -> float:
    run = uuid.uuid4().hex[:8]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(f"A bench poster {run} {index if prompts == 'fresh' else 'same'}")

    async def worker() -> None:
        while not queue.empty():
            await one_request(client, size, queue.get_nowait(), partials)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


async def main() -> None:
    emulator = start_emulator(latency=0)
    try:
        client = AsyncOpenAI(base_url=emulator.base_url, api_key="bench", max_retries=0, timeout=120)
        await one_request(client, "1024x1024", "warm-up", 0)
        print(f"OpenAI emulator, {CONCURRENCY} requests in flight, zero latency")
        print(f"{'size':<11} {'prompts':<9} {'partials':>8} {'requests':>8} {'seconds':>8} {'req/s':>8}")
        for size, prompts, partials, requests in CASES:
            seconds = await run_case(client, size, prompts, partials, requests)
            print(
                f"{size:<11} {prompts:<9} {partials:>8} {requests:>8} {seconds:>8.2f} {requests / seconds:>8.1f}"
            )
        started = time.perf_counter()
        await one_request(client, "1024x1024", f"A single fresh poster {uuid.uuid4()}", 3)
        print(f"one fresh 1024x1024 stream with 3 partial images: {time.perf_counter() - started:.3f} s")
    finally:
        emulator.stop()


if __name__ == "__main__":
    asyncio.run(main())
