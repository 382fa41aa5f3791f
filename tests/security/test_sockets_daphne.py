"""Websockets through the real server: refusals say why, and a socket ends with its session."""

from __future__ import annotations

import asyncio
import re

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import PASSWORD
from tests.security.conftest import cookie_header, sign_in
from tests.support import rawhttp

pytestmark = pytest.mark.asyncio


def ws_url(server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def closed_with(socket) -> tuple[int, str]:
    """Wait (up to a second) for the server to close the socket: its code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(1):
            while True:
                await socket.recv()
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def open_socket(server, path: str, cookies: dict[str, str] | None = None, origin: str | None = None):
    headers = {"Cookie": cookie_header(cookies)} if cookies else {}
    return await connect(ws_url(server, path), origin=origin or server.base_url, additional_headers=headers)


async def assert_alive(socket) -> None:
    await socket.send('{"type": "ping"}')
    async with asyncio.timeout(2):
        assert await socket.recv() == '{"type": "pong"}'


@pytest.fixture(scope="module")
def alices_conversation(atelier) -> int:
    output = atelier.manage(
        "shell",
        "-c",
        "from conversations.models import Conversation; from django.contrib.auth.models import User; "
        "print(Conversation.objects.create(owner=User.objects.get(username='alice'), title='mine').pk)",
    )
    return int(re.findall(r"\d+", output)[-1])


async def test_a_visitor_is_told_to_log_in(atelier):
    socket = await open_socket(atelier, "/ws/ping/")
    assert await closed_with(socket) == (4401, "Log in to see live updates.")


async def test_another_user_is_told_it_is_not_theirs(atelier, alices_conversation):
    charlie = await asyncio.to_thread(sign_in, atelier, "charlie")
    socket = await open_socket(atelier, f"/ws/conversations/{alices_conversation}/", charlie)
    assert await closed_with(socket) == (4403, "This belongs to another account.")


async def test_the_owner_is_let_in(atelier, alices_conversation):
    alice = await asyncio.to_thread(sign_in, atelier, "alice")
    async with await open_socket(atelier, f"/ws/conversations/{alices_conversation}/", alice) as socket:
        await socket.send("{}")
        async with asyncio.timeout(2):
            assert "only sends updates" in await socket.recv()


async def test_a_page_from_another_origin_is_told_so(atelier):
    alice = await asyncio.to_thread(sign_in, atelier, "alice")
    socket = await open_socket(atelier, "/ws/ping/", alice, origin="http://evil.example")
    assert await closed_with(socket) == (4400, "This page's address is not one Atelier serves.")


def log_out(server, cookies: dict[str, str]) -> None:
    answer = rawhttp.request(
        server.port,
        "POST",
        "/accounts/logout/",
        {"Cookie": cookie_header(cookies), "X-CSRFToken": cookies["csrftoken"], "Content-Length": "0"},
    )
    assert answer.status == 302


async def test_logging_out_closes_that_sessions_sockets_within_a_second(atelier):
    laptop = await asyncio.to_thread(sign_in, atelier, "alice")
    phone = await asyncio.to_thread(sign_in, atelier, "alice")
    on_laptop = await open_socket(atelier, "/ws/ping/", laptop)
    on_phone = await open_socket(atelier, "/ws/ping/", phone)
    await assert_alive(on_laptop)
    await asyncio.to_thread(log_out, atelier, laptop)
    assert await closed_with(on_laptop) == (4401, "Your session has ended: log in again.")
    await assert_alive(on_phone)  # the other session is still signed in, and so is its socket
    await on_phone.close()


def change_password_in_the_admin(server, user_id: int) -> None:
    boss = sign_in(server, "boss")
    form = b"password1=a+brand+new+password+42&password2=a+brand+new+password+42"
    answer = rawhttp.request(
        server.port,
        "POST",
        f"/admin/auth/user/{user_id}/password/",
        {
            "Cookie": cookie_header(boss),
            "X-CSRFToken": boss["csrftoken"],
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(form)),
        },
        form,
    )
    assert answer.status == 302, answer.body[:2000]


async def test_a_new_password_closes_every_socket_of_the_user_within_a_second(atelier):
    ids = atelier.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser('boss', password={PASSWORD!r}); "
        f"print(User.objects.create_user('dora', password={PASSWORD!r}).pk)",
    )
    dora_id = int(re.findall(r"\d+", ids)[-1])
    first = await open_socket(atelier, "/ws/ping/", await asyncio.to_thread(sign_in, atelier, "dora"))
    second = await open_socket(atelier, "/ws/ping/", await asyncio.to_thread(sign_in, atelier, "dora"))
    await assert_alive(first)
    await asyncio.to_thread(change_password_in_the_admin, atelier, dora_id)
    assert (await closed_with(first))[0] == 4401
    assert (await closed_with(second))[0] == 4401
