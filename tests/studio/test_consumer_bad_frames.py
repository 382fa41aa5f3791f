"""A frame a consumer cannot read (not JSON, empty, binary, JSON that is not an object) gets a reply that
says what is wrong, and the socket stays open: on every channel, in-process and through the real server
(where such a frame used to end the socket with 1011 and "Exception inside application" in the log)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.security.conftest import cookie_header, sign_in
from tests.support.daphne import start_atelier
from tests.support.factories import make_finished_job
from tests.support.websockets import communicator_for

pytestmark = pytest.mark.asyncio

NOT_JSON = {"type": "error", "message": "This message is not JSON: send a JSON object."}
EMPTY = {"type": "error", "message": "This message is empty: send a JSON object."}
BINARY = {"type": "error", "message": "This channel reads text, not binary frames: send a JSON object."}
NOT_AN_OBJECT = {"type": "error", "message": "This message is JSON but not an object: send a JSON object."}

# What the browser's websocket would deliver (as an ASGI message), and the reply it must get.
BAD_FRAMES = {
    "not-json": ({"text": "ping"}, NOT_JSON),
    "empty": ({"text": ""}, EMPTY),
    "binary": ({"bytes": b'{"type": "ping"}'}, BINARY),
    "json-array": ({"text": '["ping"]'}, NOT_AN_OBJECT),
    # Within the 1 MiB a message may have, but more than Python's JSON parser reads: it raises
    # RecursionError and ValueError, not JSONDecodeError.
    "nested-too-deep": ({"text": "[" * 100_000}, NOT_JSON),
    "number-too-long": ({"text": "1" * 5_000}, NOT_JSON),
}

PONG = {"type": "pong"}
LISTEN_ONLY = {"type": "error", "message": "This channel only sends updates."}


async def channel_path(kind: str, owner) -> str:
    from conversations.models import Conversation

    if kind == "ping":
        return "/ws/ping/"
    if kind == "conversation":
        conversation = await sync_to_async(Conversation.objects.create)(owner=owner, title="mine")
        return f"/ws/conversations/{conversation.pk}/"
    job = await sync_to_async(make_finished_job)(owner)
    return f"/ws/jobs/{job.pk}/"


def valid_reply(path: str) -> dict:
    """What the channel answers `{"type": "ping"}` with: the ping channel pongs, the others only listen."""
    return PONG if path == "/ws/ping/" else LISTEN_ONLY


# -- In-process: each consumer, each kind of frame ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame, expected", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
@pytest.mark.parametrize("kind", ["ping", "conversation", "job"])
async def test_it_says_what_is_wrong_with_a_frame_and_stays_open(alice, kind, frame, expected):
    path = await channel_path(kind, alice)
    communicator = await communicator_for(path, alice)
    connected, _ = await communicator.connect()
    assert connected
    if kind == "job":
        await communicator.receive_json_from()  # the card, sent as the channel opens
    # send_input, not send_to: the communicator's send_to cannot send an empty text frame.
    await communicator.send_input({"type": "websocket.receive", **frame})
    assert await communicator.receive_json_from() == expected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == valid_reply(path)
    await communicator.disconnect()


# -- Through the real server: what a browser (or anyone with a websocket client) sees ----------------------


@pytest.fixture(scope="module")
def atelier(tmp_path_factory):
    server = start_atelier(
        tmp_path_factory.mktemp("atelier-bad-frames"),
        env={"ATELIER_JOB_RUNNER": "workers", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def alices_channels(atelier) -> list[str]:
    """The paths of alice's three channels on the real server: ping, a conversation's, a job's."""
    output = atelier.manage(
        "shell",
        "-c",
        "from conversations.models import Conversation; from django.contrib.auth.models import User; "
        "from tests.conftest import PASSWORD; from tests.support.factories import make_finished_job; "
        "alice = User.objects.create_user('alice', password=PASSWORD); "
        "print(Conversation.objects.create(owner=alice, title='mine').pk, make_finished_job(alice).pk)",
    )
    conversation_id, job_id = re.findall(r"\d+", output)[-2:]
    return ["/ws/ping/", f"/ws/conversations/{conversation_id}/", f"/ws/jobs/{job_id}/"]


async def reply(socket) -> dict:
    async with asyncio.timeout(2):
        return json.loads(await socket.recv())


async def test_the_real_server_answers_every_bad_frame_and_keeps_the_socket_open(atelier, alices_channels):
    alice = await asyncio.to_thread(sign_in, atelier, "alice")
    for path in alices_channels:
        async with await connect(
            f"ws://127.0.0.1:{atelier.port}{path}",
            origin=atelier.base_url,
            additional_headers={"Cookie": cookie_header(alice)},
            max_size=None,
        ) as socket:
            if path.startswith("/ws/jobs/"):
                await reply(socket)  # the card, sent as the channel opens
            for name, (frame, expected) in BAD_FRAMES.items():
                await socket.send(frame["text"] if "text" in frame else frame["bytes"])
                assert await reply(socket) == expected, f"{path}: {name}"
                await socket.send('{"type": "ping"}')
                assert await reply(socket) == valid_reply(path), f"{path}: after {name}"
    assert "Exception inside application" not in atelier.log_text()


async def test_a_message_over_the_size_limit_closes_the_socket_saying_so(atelier, alices_channels):
    """Over Daphne's 1 MiB limit a message cannot be read: the socket closes with 1009, not a dropped
    connection (1006) that the page could not tell from a network fault."""
    alice = await asyncio.to_thread(sign_in, atelier, "alice")
    async with await connect(
        f"ws://127.0.0.1:{atelier.port}/ws/ping/",
        origin=atelier.base_url,
        additional_headers={"Cookie": cookie_header(alice)},
        max_size=None,
    ) as socket:
        await socket.send("x" * (1024 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                await socket.recv()
    assert closed.value.rcvd is not None, "the server dropped the connection without a close frame"
    assert closed.value.rcvd.code == 1009
    assert "exceeds payload limit" in closed.value.rcvd.reason
