"""Websocket clients for consumer tests: Channels' communicator against the real ASGI application, signed in
as a user (a real session cookie), with an Origin header unless told otherwise."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

OUR_ORIGIN = "http://127.0.0.1"


async def session_cookie_for(user) -> str:
    def login() -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return f"sessionid={await sync_to_async(login)()}"


async def communicator_for(path: str, user=None, *, origin: str | None = OUR_ORIGIN) -> WebsocketCommunicator:
    from studio.asgi import application

    headers = [(b"origin", origin.encode())] if origin else []
    if user is not None:
        headers.append((b"cookie", (await session_cookie_for(user)).encode()))
    return WebsocketCommunicator(application, path, headers=headers)
