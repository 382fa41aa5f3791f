"""Request bodies bounded before they cost anything: an ASGI middleware around the HTTP application.

- A declared `Content-Length` over `ATELIER_MAX_REQUEST_BYTES` (the largest legitimate upload) is answered
  413 before a byte of the body is read.
- A visitor who is not signed in may send only small bodies (`ATELIER_ANONYMOUS_MAX_BODY_BYTES`: the login
  form) and no multipart at all: uploads are for signed-in users. The session cookie is resolved through
  Django's session engine and auth (in a thread), before Django parses anything.
- A body without a length (chunked) is counted as it streams, and answered 413 once it goes over its limit.
- Large bodies (over `FILE_UPLOAD_MAX_MEMORY_SIZE`: uploads) are handled `ATELIER_UPLOAD_CONCURRENCY` at a
  time; the others wait their turn before their body is read. Checking an image costs a few times its size
  in memory, and Django runs each request in a thread of its own: without a bound, twenty 40 MB uploads at
  once cost two gigabytes.

Under Daphne, `studio.daphne_guard` applies the same limits while the body is still arriving.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import quote

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth
from django.http.cookie import parse_cookie
from django.shortcuts import resolve_url

from studio.core import api_keys
from studio.core.api_keys import PREFIX as API_KEY_PREFIX

MB = 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    location: str | None = None  # a browser is sent to the login page instead of being shown a 401

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(self.body)).encode()),
            (b"connection", b"close"),
            (b"cache-control", b"no-store"),
        ]
        if self.location:
            headers.append((b"location", self.location.encode("latin-1")))
        return headers

    @property
    def body(self) -> bytes:
        return self.message.encode()


def too_large(limit: int) -> Refusal:
    return Refusal(
        413,
        f"This request is too large: Atelier accepts at most {limit / MB:,.1f} MB in one request "
        f"(16 images and a mask of at most {settings.ATELIER_MAX_UPLOAD_BYTES / MB:,.0f} MB each).\n",
    )


def login_needed(path: str, *, browser: bool) -> Refusal:
    message = "Log in first: only signed-in users can upload files or send large requests.\n"
    if browser:
        return Refusal(303, message, location=f"{resolve_url(settings.LOGIN_URL)}?next={quote(path)}")
    return Refusal(401, message)


def bad_length() -> Refusal:
    return Refusal(400, "The Content-Length header is not a number.\n")


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def is_browser_navigation(headers: list[tuple[bytes, bytes]]) -> bool:
    """A page the browser navigates to (not htmx, not fetch): it is better sent to login than shown a 401."""
    accept = header(headers, b"accept") or b""
    return b"text/html" in accept and header(headers, b"hx-request") is None


def is_multipart(headers: list[tuple[bytes, bytes]]) -> bool:
    return (header(headers, b"content-type") or b"").lower().lstrip().startswith(b"multipart/")


def session_key(cookie_header: bytes | None) -> str | None:
    if not cookie_header:
        return None
    return parse_cookie(cookie_header.decode("latin-1")).get(settings.SESSION_COOKIE_NAME) or None


def _session_is_signed_in(key: str) -> bool:
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    # auth.get_user checks what AuthenticationMiddleware will: the backend, an active user, the password hash.
    return auth.get_user(SimpleNamespace(session=store)).is_authenticated


def bearer_key(authorization: bytes | str | None) -> str | None:
    """The API key of an `Authorization: Bearer atl_...` header, if it has one."""
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key.startswith(API_KEY_PREFIX) else None


def _key_is_live(raw: str) -> bool:
    key = api_keys.find_key(raw)
    return key is not None and not key.is_revoked and key.owner.is_active


async def is_signed_in(headers: list[tuple[bytes, bytes]]) -> bool:
    """A live session of an active user, or a live API key (scripts send no cookie)."""
    key = session_key(header(headers, b"cookie"))
    if key is not None and await database_sync_to_async(_session_is_signed_in)(key):
        return True
    api_key = bearer_key(header(headers, b"authorization"))
    return api_key is not None and await database_sync_to_async(_key_is_live)(api_key)


async def send_refusal(send, refusal: Refusal) -> None:
    await send({"type": "http.response.start", "status": refusal.status, "headers": refusal.headers()})
    await send({"type": "http.response.body", "body": refusal.body})


class RequestBodyLimit:
    """ASGI middleware: refuse oversized and anonymous bodies before the application reads them, and let
    only so many large ones in at once."""

    def __init__(self, app) -> None:
        self.app = app
        self._uploads: asyncio.Semaphore | None = None

    def uploads(self) -> asyncio.Semaphore:
        # Made on first use, on the server's event loop.
        if self._uploads is None:
            self._uploads = asyncio.Semaphore(settings.ATELIER_UPLOAD_CONCURRENCY)
        return self._uploads

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        raw_length = header(headers, b"content-length")
        try:
            length = int(raw_length) if raw_length is not None else None
        except ValueError:
            await send_refusal(send, bad_length())
            return
        limit = settings.ATELIER_MAX_REQUEST_BYTES
        if length is not None and length > limit:
            await send_refusal(send, too_large(limit))
            return
        small = settings.ATELIER_ANONYMOUS_MAX_BODY_BYTES
        unknown_length = length is None and header(headers, b"transfer-encoding") is not None
        multipart = is_multipart(headers)
        if (multipart or unknown_length or (length or 0) > small) and not await is_signed_in(headers):
            if multipart or (length or 0) > small:
                await send_refusal(send, login_needed(scope["path"], browser=is_browser_navigation(headers)))
                return
            # A chunked body from a visitor: counted against the visitor's limit.
            body = CountedBody(receive, send, small, login_needed(scope["path"], browser=False))
        else:
            body = CountedBody(receive, send, limit, too_large(limit))
        if unknown_length or (length or 0) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            async with self.uploads():
                await self.app(scope, body.receive, body.send)
        else:
            await self.app(scope, body.receive, body.send)


class CountedBody:
    """The application's receive and send, counting body bytes: over the limit, the client gets the refusal and
    the application a disconnect (Django then stops quietly), and whatever it sends after is dropped."""

    def __init__(self, receive, send, limit: int, refusal: Refusal) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.refusal = refusal
        self.received = 0
        self.refused = False
        self.response_started = False

    async def receive(self) -> dict:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.refused = True
                if not self.response_started:
                    await send_refusal(self._send, self.refusal)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: dict) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)
