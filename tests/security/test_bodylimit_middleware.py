"""The body-limit middleware alone, as any ASGI server runs it (no Daphne guard in front of it)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from studio.bodylimit import RequestBodyLimit

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


class EchoApp:
    """Reads the whole body and answers with its length; remembers whether it ran."""

    def __init__(self) -> None:
        self.called = False
        self.disconnected = False

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return
            size += len(message["body"])
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})


async def run(app, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes]:
    queue = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/studio/submit", "headers": headers}
    await RequestBodyLimit(app)(scope, receive, send)
    starts = [message for message in sent if message["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return starts[0]["status"], body


async def session_cookie(user) -> bytes:
    client = Client()
    await sync_to_async(client.force_login)(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_it_refuses_an_upload_from_a_visitor_without_running_the_app():
    app = EchoApp()
    status, body = await run(app, [(b"content-type", b"multipart/form-data; boundary=x")], [b"x" * 100])
    assert status == 401
    assert not app.called


async def test_it_lets_a_signed_in_users_upload_through(alice):
    app = EchoApp()
    headers = [
        (b"content-type", b"multipart/form-data; boundary=x"),
        (b"cookie", await session_cookie(alice)),
    ]
    status, body = await run(app, headers, [b"x" * 100, b"y" * 50])
    assert (status, body) == (200, b"150")


async def test_an_inactive_users_session_counts_as_no_session(alice):
    cookie = await session_cookie(alice)
    alice.is_active = False
    await sync_to_async(alice.save)()
    app = EchoApp()
    status, _ = await run(
        app, [(b"content-type", b"multipart/form-data; boundary=x"), (b"cookie", cookie)], [b"x"]
    )
    assert status == 401
    assert not app.called


async def test_it_counts_a_stream_without_length_and_stops_it_over_the_limit(alice, settings):
    settings.ATELIER_MAX_REQUEST_BYTES = 100_000
    app = EchoApp()
    headers = [(b"transfer-encoding", b"chunked"), (b"cookie", await session_cookie(alice))]
    status, body = await run(app, headers, [b"x" * 60_000, b"x" * 60_000, b"x" * 60_000])
    assert status == 413
    assert app.disconnected  # the app was told the client left, and what it might have sent was dropped


async def test_it_refuses_a_declared_length_over_the_limit_without_reading(alice, settings):
    settings.ATELIER_MAX_REQUEST_BYTES = 100_000
    app = EchoApp()
    headers = [(b"content-length", b"100001"), (b"cookie", await session_cookie(alice))]
    status, _ = await run(app, headers, [])
    assert status == 413
    assert not app.called


async def test_it_refuses_a_content_length_that_is_not_a_number():
    status, _ = await run(EchoApp(), [(b"content-length", b"12abc")], [b""])
    assert status == 400


async def test_a_visitor_may_send_a_small_form():
    app = EchoApp()
    headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", b"30")]
    status, body = await run(app, headers, [b"username=alice&password=secret"])
    assert (status, body) == (200, b"30")


async def test_only_so_many_uploads_are_handled_at_once(alice, settings):
    settings.ATELIER_UPLOAD_CONCURRENCY = 2
    running, most = 0, 0

    async def slow_app(scope, receive, send) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = RequestBodyLimit(slow_app)
    cookie = await session_cookie(alice)
    big = str(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1).encode()
    small = b"10"

    async def post(length: bytes) -> None:
        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            pass

        headers = [(b"content-length", length), (b"cookie", cookie)]
        await middleware({"type": "http", "path": "/studio/submit", "headers": headers}, receive, send)

    await asyncio.gather(*(post(big) for _ in range(6)))
    assert most == 2
    most = 0
    await asyncio.gather(*(post(small) for _ in range(6)))
    assert most == 6  # small requests are never held back
