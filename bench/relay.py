"""How fast partial images reach the browser, and what Atelier adds to a generation.

1. Relay latency: from the moment Atelier's job receives a partial image from the emulator's stream to the moment
   a websocket client of that conversation receives its message (stored, broadcast, rendered, sent), at 1 and at
   50 concurrent conversations (started at random moments within one streaming step, so they run side by
   side without marching in lockstep). The job runs in the embedded runner's threads; the websocket side is Atelier's
   real ASGI application, driven in process by Channels' communicator.
2. End-to-end ratio: one generation through Atelier (start the turn, until its final fragment reaches the
   websocket) divided by the same Responses call made directly with the SDK against the same emulator.

    DEBUG=1 .venv/bin/python bench/relay.py        (DATABASE_URL=postgres://... to bench on PostgreSQL)

The last line reads `relay_p95_ms_at_50=<number> e2e_ratio=<number>`.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.emulator import start_emulator  # noqa: E402

STEP_SECONDS = 0.25
# One prompt for every conversation: the emulator memoises its renderings, so its CPU (on the same machine)
# is not what this measures. A warm-up request fills its memo first.
RELAY_PROMPT = "a neon sign for a late-night noodle bar"  # the emulator's latency per streamed step: partials arrive spaced out, as for real
PARTIALS = 3
E2E_ROUNDS = 5


def setup_django(emulator_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["ATELIER_VAR_DIR"] = tempfile.mkdtemp(prefix="atelier-bench-")
    os.environ["ATELIER_JOB_RUNNER"] = "embedded"
    os.environ["ATELIER_JOB_CONCURRENCY"] = "64"
    os.environ["OPENAI_BASE_URL"] = emulator_url
    os.environ.pop("OPENAI_API_KEY", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def instrument_partial_arrivals() -> dict[tuple[int, int], float]:
    """Record when each job receives each partial image from the stream (job id, index) -> time."""
    from studio.core import jobs

    arrivals: dict[tuple[int, int], float] = {}
    store_partial = jobs._store_partial

    def timed_store_partial(run, event):
        arrivals[(run.job.pk, event.index)] = time.perf_counter()
        store_partial(run, event)

    jobs._store_partial = timed_store_partial
    return arrivals


async def connect(application, user, conversation_id: int):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    def session_cookie() -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    cookie = await sync_to_async(session_cookie)()
    communicator = WebsocketCommunicator(
        application,
        f"/ws/conversations/{conversation_id}/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def watch(communicator, turn, received: dict, finals: dict) -> None:
    """Note when each partial index (and the final) of the turn arrives."""
    turn_id = turn.pk
    targets = (f"#turn-{turn_id}", f"#job-{turn.job_id}-stage")
    while True:
        message = await communicator.receive_json_from(timeout=60)
        now = time.perf_counter()
        if message.get("target") not in targets:
            continue
        content = message["content"]
        if 'data-status="succeeded"' in content:
            finals[turn_id] = now
            return
        if 'data-partial-index="' in content:
            index = int(content.split('data-partial-index="')[1].split('"', 1)[0])
            received.setdefault((turn_id, index), now)


async def relay_round(application, user, concurrent: int, arrivals: dict) -> list[float]:
    from asgiref.sync import sync_to_async

    from conversations import services
    from conversations.models import Conversation
    from studio.core.requests import ImageOptions

    tool = ImageOptions(quality="low", partial_images=PARTIALS)
    conversations = [
        await sync_to_async(Conversation.objects.create)(owner=user, title=f"bench {i}")
        for i in range(concurrent)
    ]
    communicators = [await connect(application, user, c.pk) for c in conversations]

    async def start(conversation, delay: float):
        # Conversations run side by side but not in lockstep: each starts at its own moment within one step.
        await asyncio.sleep(delay)
        return await sync_to_async(services.start_turn)(conversation, prompt=RELAY_PROMPT, options=tool)

    spread = random.Random(concurrent)
    turns = await asyncio.gather(*[start(c, spread.uniform(0, STEP_SECONDS)) for c in conversations])
    received: dict[tuple[int, int], float] = {}
    finals: dict[int, float] = {}
    await asyncio.gather(
        *[watch(comm, turn, received, finals) for comm, turn in zip(communicators, turns, strict=True)]
    )
    for communicator in communicators:
        await communicator.disconnect()
    job_of = {turn.pk: turn.job_id for turn in turns}
    return [
        (at - arrivals[(job_of[turn_id], index)]) * 1000
        for (turn_id, index), at in received.items()
        if (job_of[turn_id], index) in arrivals
    ]


async def atelier_generation(application, user) -> float:
    from asgiref.sync import sync_to_async

    from conversations import services
    from conversations.models import Conversation
    from studio.core.requests import ImageOptions

    conversation = await sync_to_async(Conversation.objects.create)(owner=user, title="e2e")
    communicator = await connect(application, user, conversation.pk)
    started = time.perf_counter()
    turn = await sync_to_async(services.start_turn)(
        conversation,
        prompt=f"end to end {conversation.pk}",
        options=ImageOptions(quality="low", partial_images=PARTIALS),
    )
    finals: dict[int, float] = {}
    await watch(communicator, turn, {}, finals)
    await communicator.disconnect()
    return finals[turn.pk] - started


def direct_generation(base_url: str, prompt: str) -> float:
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="bench")
    started = time.perf_counter()
    stream = client.responses.create(
        model="gpt-5.4",
        input=prompt,
        tools=[
            {
                "type": "image_generation",
                "model": "gpt-image-2",
                "size": "1024x1024",
                "quality": "low",
                "partial_images": PARTIALS,
            }
        ],
        tool_choice={"type": "image_generation"},
        stream=True,
    )
    for event in stream:
        if event.type == "response.image_generation_call.partial_image":
            __import__("base64").b64decode(event.partial_image_b64)
        elif event.type == "response.output_item.done" and event.item.type == "image_generation_call":
            __import__("base64").b64decode(event.item.result)
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(base_url: str, application) -> None:
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model

    arrivals = instrument_partial_arrivals()
    user = await sync_to_async(get_user_model().objects.create_user)("bench", password="bench-password-1")

    await asyncio.to_thread(direct_generation, base_url, RELAY_PROMPT)  # warm the emulator's memo
    print(
        f"relay: partial image received by the job -> message received on the websocket ({PARTIALS} partials each)"
    )
    print(f"{'conversations':>14} {'messages':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    p95_at_50 = 0.0
    for concurrent in (1, 50):
        latencies = await relay_round(application, user, concurrent, arrivals)
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        print(f"{concurrent:>14} {len(latencies):>9} {p50:>8.1f} {p95:>8.1f} {max(latencies):>8.1f}")
        if concurrent == 50:
            p95_at_50 = p95

    through_atelier, direct = [], []
    for round_ in range(E2E_ROUNDS):
        direct.append(await asyncio.to_thread(direct_generation, base_url, f"end to end direct {round_}"))
        through_atelier.append(await atelier_generation(application, user))
    ratio = statistics.median(through_atelier) / statistics.median(direct)
    print()
    print(
        f"end to end, median of {E2E_ROUNDS}: Atelier {statistics.median(through_atelier):.3f} s, "
        f"SDK directly {statistics.median(direct):.3f} s"
    )
    print(f"relay_p95_ms_at_50={p95_at_50:.1f} e2e_ratio={ratio:.3f}")


if __name__ == "__main__":
    emulator = start_emulator(latency=STEP_SECONDS)
    try:
        setup_django(emulator.base_url)
        from studio.asgi import application

        asyncio.run(main(emulator.base_url, application))
    finally:
        emulator.stop()
