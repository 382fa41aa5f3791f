"""End to end, as a team meets it: N people each send a conversation turn at once through the real page path
(an HTTP post to Daphne, the partials and the final over the conversation's websocket), against the
emulator; and, in the same run, N direct SDK calls on the same emulator. Atelier runs at its default
settings. Prints, for N in 1, 20 and 100, three rounds each, the ratio of generation time and of time to first
partial, the posts' latency and the server's CPU per turn (a figure the shared machine's noise moves less than
the ratios); then the median round and the range at each N.

    DEBUG=1 .venv/bin/python bench/e2e.py            (BENCH_E2E_SIZES=1,20 BENCH_E2E_ROUNDS=1: quicker)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402  (the openai SDK's HTTP client)
import websockets  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402

from tests.support.daphne import start_atelier  # noqa: E402
from tests.support.emulator import start_emulator  # noqa: E402

STEP_SECONDS = float(os.environ.get("BENCH_E2E_STEP", "0.5"))  # the emulator's seconds per streamed step
SIZES = [int(n) for n in os.environ.get("BENCH_E2E_SIZES", "1,20,100").split(",")]
ROUNDS = max(1, int(os.environ.get("BENCH_E2E_ROUNDS", "3")))  # at each size; the median is reported
PASSWORD = "bench-password-123"
TOOL = {
    "model": "gpt-image-2",
    "size": "1024x1024",
    "quality": "low",
    "output_format": "png",
    "partial_images": 2,
}
FORM = {"quality": "low", "size": "1024x1024", "model": "gpt-image-2", "output_format": "png"}
FORM |= {"moderation": "auto", "partial_images": "2"}


def make_people(server, count: int) -> list[str]:
    """`count` users who can log in: their usernames."""
    code = (
        "from django.contrib.auth.models import User\n"
        f"for i in range({count}):\n"
        f"    u, _ = User.objects.get_or_create(username=f'bench{{i}}')\n    u.set_password('{PASSWORD}'); u.save()\n"
    )
    server.manage("shell", "-c", code)
    return [f"bench{i}" for i in range(count)]


def new_conversations(server, usernames: list[str]) -> list[tuple[str, int]]:
    """An empty conversation for each user, so that every round's turn is a first turn, as the direct calls
    are (a turn continuing a chain costs the emulator more): [(username, conversation id)]."""
    code = (
        "import json; from django.contrib.auth.models import User; from conversations.models import Conversation\n"
        f"out = []\nfor name in {usernames!r}:\n"
        "    c = Conversation.objects.create(owner=User.objects.get(username=name), mainline_model='gpt-5.4')\n"
        "    out.append([name, c.pk])\nprint('PEOPLE=' + json.dumps(out))"
    )
    output = server.manage("shell", "-c", code)
    return [tuple(person) for person in json.loads(output.split("PEOPLE=")[1].strip())]


async def log_in(client: httpx2.AsyncClient, username: str) -> None:
    page = await client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    answer = await client.post(
        "/accounts/login/", data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert answer.status_code in (302, 303), f"login failed for {username}: {answer.status_code}"


async def one_person(
    base_url: str,
    username: str,
    conversation_id: int,
    start: asyncio.Event,
    setting_up: asyncio.Semaphore,
    ready: asyncio.Queue,
) -> tuple:
    async with httpx2.AsyncClient(base_url=base_url, timeout=300) as client:
        async with setting_up:  # log in and open the socket a few at a time; the timing starts after
            await log_in(client, username)
            page = await client.get(f"/c/{conversation_id}/")
        found = re.search(r'"X-CSRFToken": "([^"]+)"', page.text)
        assert found, f"{username}: the conversation page answered {page.status_code}: {page.text[:200]}"
        token = found[1]
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        ws_url = base_url.replace("http", "ws") + f"/ws/conversations/{conversation_id}/"
        headers = {"Origin": base_url, "Cookie": cookies}
        async with setting_up:
            socket = await websockets.connect(
                ws_url, additional_headers=headers, max_size=None, open_timeout=120
            )
        async with socket:
            ready.put_nowait(username)
            await start.wait()
            sent = time.perf_counter()
            answer = await client.post(
                f"/c/{conversation_id}/turns",
                data={**FORM, "prompt": f"a harbour at dusk, {username} {conversation_id}"},  # never repeated
                headers={"HX-Request": "true", "X-CSRFToken": token},
            )
            assert answer.status_code == 200, answer.text[:300]
            posted = time.perf_counter() - sent
            first_partial = None
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=300))
                content = message.get("content", "")
                if first_partial is None and "data-partial-index" in content:
                    first_partial = time.perf_counter() - sent
                if 'data-status="succeeded"' in content:
                    return first_partial, time.perf_counter() - sent, posted
                if 'data-status="failed"' in content:
                    raise RuntimeError(f"{username}'s turn failed")


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user and system), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def atelier_round(base_url: str, people: list[tuple[str, int]], pid: int | None = None) -> list[tuple]:
    """The turns' (first partial, generation, post) seconds; with the server's `pid`, its CPU seconds for
    the round come last."""
    start, setting_up, ready = asyncio.Event(), asyncio.Semaphore(10), asyncio.Queue()
    tasks = [
        asyncio.create_task(one_person(base_url, name, pk, start, setting_up, ready)) for name, pk in people
    ]
    # Everyone logged in (password hashing is slow on purpose) and listening before the clock starts.
    for _ in people:
        await ready.get()
    await asyncio.sleep(0.5)
    before = cpu_seconds(pid) if pid else 0.0
    start.set()
    results = await asyncio.gather(*tasks)
    return [*results, cpu_seconds(pid) - before] if pid else results


async def direct_round(emulator_url: str, count: int, tag: str) -> list[tuple]:
    """`count` direct calls, each with a prompt of its own (`tag` names the round: the emulator answers a
    repeated request from its cache, which Atelier's turns never meet)."""
    client = AsyncOpenAI(base_url=emulator_url, api_key="bench")

    async def one(i: int) -> tuple:
        sent = time.perf_counter()
        first = None
        stream = await client.responses.create(
            model="gpt-5.4",
            input=f"a harbour at dusk, direct{i} {tag}",
            tools=[{"type": "image_generation", **TOOL}],
            tool_choice={"type": "image_generation"},
            stream=True,
        )
        async for event in stream:
            if first is None and event.type == "response.image_generation_call.partial_image":
                first = time.perf_counter() - sent
            if event.type == "response.completed":
                return first, time.perf_counter() - sent
        raise RuntimeError("the direct stream ended early")

    return await asyncio.gather(*(one(i) for i in range(count)))


def mean(values) -> float:
    return statistics.fmean(values)


def main() -> None:
    emulator = start_emulator(latency=STEP_SECONDS)
    server = start_atelier(
        Path(tempfile.mkdtemp(prefix="atelier-e2e-")), env={"OPENAI_BASE_URL": emulator.base_url}
    )
    names = make_people(server, max(SIZES) + 1)
    figures: dict[int, tuple[list[float], list[float]]] = {}
    try:
        # Warm up both paths once (imports, templates, connections): a running server is warm.
        asyncio.run(atelier_round(server.base_url, new_conversations(server, names[-1:])))
        asyncio.run(direct_round(emulator.base_url, 1, "warm-up"))
        print(
            f"{'people':>6} {'atelier gen s':>14} {'direct gen s':>13} {'gen ratio':>10} {'first partial ratio':>20}"
            f" {'post ms':>8} {'post p95 ms':>12} {'server cpu ms/turn':>19}"
        )
        for size in SIZES:
            gens, firsts = figures.setdefault(size, ([], []))
            for number in range(ROUNDS):
                *atelier, cpu = asyncio.run(
                    atelier_round(server.base_url, new_conversations(server, names[:size]), server.pid)
                )
                direct = asyncio.run(direct_round(emulator.base_url, size, f"round {size}-{number}"))
                gens.append(mean(t for _, t, _ in atelier) / mean(t for _, t in direct))
                firsts.append(mean(f for f, _, _ in atelier) / mean(f for f, _ in direct))
                posts = sorted(p * 1000 for _, _, p in atelier)
                print(
                    f"{size:>6} {mean(t for _, t, _ in atelier):>14.2f} {mean(t for _, t in direct):>13.2f}"
                    f" {gens[-1]:>10.3f} {firsts[-1]:>20.3f} {mean(posts):>8.0f}"
                    f" {posts[int(0.95 * (len(posts) - 1))]:>12.0f} {cpu / size * 1000:>19.0f}"
                )
    finally:
        server.stop()
        emulator.stop()
    # The median round, and the range, at each size: this shared machine's speed moves between rounds.
    print(
        " ".join(
            f"gen_ratio_at_{n}={statistics.median(g):.3f} ({min(g):.3f}-{max(g):.3f})"
            f" first_partial_ratio_at_{n}={statistics.median(f):.3f} ({min(f):.3f}-{max(f):.3f})"
            for n, (g, f) in figures.items()
        )
    )


if __name__ == "__main__":
    main()
