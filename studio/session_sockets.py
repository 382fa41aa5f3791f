"""Websockets follow the session they were opened with.

A socket outlives the page request that checked its login, so each consumer joins its user's group
(`user-<id>`) and is closed (4401) when that session ends:
- logout: `studio.session_signals` sends `session.ended` naming the session (by a digest: a session key is a
  secret and never goes on the channel layer), and that session's sockets close;
- a password change or a user made inactive ends every session of the user: all their sockets close;
- expiry: each socket checks its session again when the session is due to expire (and goes on if it was
  extended meanwhile).

Refusals say why, with a close code the page can read and a short reason: 4401 (log in), 4403 (not yours),
4400 (not from our origin). See `static/js/live-status.js` for what the page shows.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlparse

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib import auth
from django.utils import timezone

CLOSE_BAD_ORIGIN = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403

REASONS = {
    CLOSE_BAD_ORIGIN: "This page's address is not one Atelier serves.",
    CLOSE_UNAUTHENTICATED: "Log in to see live updates.",
    CLOSE_FORBIDDEN: "This belongs to another account.",
}
SESSION_ENDED = "Your session has ended: log in again."

DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def session_digest(session_key: str) -> str:
    return hashlib.sha256(f"atelier-socket:{session_key}".encode()).hexdigest()[:32]


def end_sockets(user_id: int, *, session_key: str | None = None) -> None:
    """Close the user's live sockets: those of one session, or (no session_key) all of them."""
    message = {"type": "session.ended"}
    if session_key:
        message["session"] = session_digest(session_key)
    # Called from request threads: asgiref runs this on the server's event loop, which the in-memory
    # channel layer needs (it is not thread-safe).
    async_to_sync(get_channel_layer().group_send)(user_group(user_id), message)


def session_expiry(session_key: str) -> datetime | None:
    """When the stored session runs out (None: it is gone), as the session store itself records it."""
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        from django.contrib.sessions.models import Session

        return Session.objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store.get_expiry_date() if store.exists(session_key) else None


def session_user_id(session_key: str) -> int | None:
    """The user the session still signs in (active, same password), or None."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    return user.pk if user.is_authenticated else None


class SessionBoundConsumer(AsyncWebsocketConsumer):
    """Base of every consumer: refuses with a reason, and closes when the session it was opened with ends."""

    _expiry_timer: asyncio.TimerHandle | None = None
    _session_group: str | None = None

    async def refuse(self, code: int) -> None:
        await self.close(code=code, reason=REASONS[code])

    async def follow_session(self) -> None:
        """Join the user's group and plan a look at the session when it is due to expire. Before accept()."""
        self._session_group = user_group(self.scope["user"].pk)
        await self.channel_layer.group_add(self._session_group, self.channel_name)
        await self._plan_expiry_check()

    async def leave_session(self) -> None:
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
        if self._session_group is not None:
            await self.channel_layer.group_discard(self._session_group, self.channel_name)

    async def session_ended(self, message: dict) -> None:
        mine = session_digest(self.scope["session"].session_key or "")
        if message.get("session") in (None, mine):
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=SESSION_ENDED)

    async def _plan_expiry_check(self) -> None:
        expires = await database_sync_to_async(session_expiry)(self.scope["session"].session_key)
        delay = 0.0 if expires is None else max((expires - timezone.now()).total_seconds(), 0.0)
        loop = asyncio.get_running_loop()
        self._expiry_timer = loop.call_later(delay, lambda: loop.create_task(self._check_session()))

    async def _check_session(self) -> None:
        user_id = await database_sync_to_async(session_user_id)(self.scope["session"].session_key)
        if user_id == self.scope["user"].pk:
            await self._plan_expiry_check()  # extended since: look again at its new expiry
        else:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=SESSION_ENDED)


class OriginRefused(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.close(code=CLOSE_BAD_ORIGIN, reason=REASONS[CLOSE_BAD_ORIGIN])


class SameOriginOnly(OriginValidator):
    """Channels' AllowedHostsOriginValidator, but its refusal carries a code and a reason (4400)."""

    def __init__(self, application) -> None:
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed)
        self.refused = OriginRefused.as_asgi()

    async def __call__(self, scope, receive, send) -> None:
        origin = next((value for name, value in scope.get("headers", []) if name == b"origin"), None)
        try:
            parsed = urlparse(origin.decode("latin1")) if origin is not None else None
        except UnicodeDecodeError:
            parsed = None
        if self.valid_origin(parsed):
            return await self.application(scope, receive, send)
        return await self.refused(scope, receive, send)
