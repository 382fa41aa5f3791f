"""Websocket clients for consumer tests: Channels' communicator against the real ASGI application, signed in
as a user (a real session cookie) and with an Origin header (AllowedHostsOriginValidator refuses none)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

ORIGIN = (b"origin", b"http://127.0.0.1")


async def communicator_for(path: str, user=None) -> WebsocketCommunicator:
    from studio.asgi import application

    headers = [ORIGIN]
    if user is not None:

        def login() -> str:
            client = Client()
            client.force_login(user)
            return client.cookies["sessionid"].value

        headers.append((b"cookie", f"sessionid={await sync_to_async(login)()}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)
