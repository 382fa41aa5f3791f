"""A socket follows its session in process (Channels' communicator): a user made inactive, and expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from studio.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def session_key_for(user) -> str:
    def login() -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return await sync_to_async(login)()


async def open_ping(session_key: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application,
        "/ws/ping/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={session_key}".encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def expires_in(session_key: str, seconds: float) -> None:
    await sync_to_async(Session.objects.filter(session_key=session_key).update)(
        expire_date=timezone.now() + timedelta(seconds=seconds)
    )


async def test_a_user_made_inactive_loses_every_socket_at_once(alice):
    sockets = [await open_ping(await session_key_for(alice)) for _ in range(2)]
    alice.is_active = False
    await sync_to_async(alice.save)()
    for socket in sockets:
        closed = await socket.receive_output(timeout=1)
        assert closed == {
            "type": "websocket.close",
            "code": 4401,
            "reason": "Your session has ended: log in again.",
        }


async def test_saving_a_user_without_a_sign_in_change_keeps_the_sockets(alice):
    socket = await open_ping(await session_key_for(alice))
    alice.first_name = "Alice"
    await sync_to_async(alice.save)()
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=1) == {"type": "pong"}
    await socket.disconnect()


async def test_a_socket_closes_when_its_session_expires(alice):
    key = await session_key_for(alice)
    await expires_in(key, 1.0)
    socket = await open_ping(key)
    started = asyncio.get_running_loop().time()
    closed = await socket.receive_output(timeout=3)
    assert closed["code"] == 4401
    assert 0.8 < asyncio.get_running_loop().time() - started < 2.5


async def test_a_session_extended_meanwhile_keeps_its_socket(alice):
    key = await session_key_for(alice)
    await expires_in(key, 1.0)
    socket = await open_ping(key)
    await expires_in(key, 3600)
    await asyncio.sleep(1.5)  # past the first expiry: the socket looked again and found the session alive
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=1) == {"type": "pong"}
    await socket.disconnect()
