"""The websocket stack: origin checked, anonymous users refused, signed-in users served."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from studio.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def session_cookie_for(user) -> bytes:
    from asgiref.sync import sync_to_async

    def login() -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return f"sessionid={await sync_to_async(login)()}".encode()


async def test_it_refuses_an_anonymous_user():
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_it_refuses_a_foreign_origin(alice):
    cookie = await session_cookie_for(alice)
    communicator = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_it_refuses_a_handshake_without_origin(alice):
    cookie = await session_cookie_for(alice)
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_it_accepts_a_signed_in_user_from_our_origin(alice):
    cookie = await session_cookie_for(alice)
    communicator = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()
