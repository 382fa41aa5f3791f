"""Sockets follow the session across processes, through the Redis channel layer (make test's services pass):
logging out on one web process closes the user's socket on another, and a user made inactive from a third
process (a management command) loses every socket, each within a second."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, require_service
from tests.security.conftest import sign_in
from tests.security.test_sockets_daphne import assert_alive, closed_with, log_out, open_socket
from tests.support.daphne import AtelierServer, free_port, start_atelier

pytestmark = [pytest.mark.asyncio, pytest.mark.services]

SESSION_ENDED = (4401, "Your session has ended: log in again.")


@pytest.fixture(scope="module")
def two_web_processes(tmp_path_factory) -> Iterator[tuple[AtelierServer, AtelierServer]]:
    """Two Daphne processes on one database and one Redis, as `make run-scaled` runs them."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url.startswith("redis://"):
        pytest.skip("run by make test's Redis pass (REDIS_URL=redis://...)")
    address = urlsplit(redis_url)
    require_service("Redis", address.hostname, address.port or 6379)
    env = {
        "REDIS_URL": redis_url,
        "ATELIER_JOB_RUNNER": "workers",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    first = start_atelier(tmp_path_factory.mktemp("atelier-redis-1"), env=env)
    # The second serves the first's database and media (ATELIER_VAR_DIR), with a log of its own.
    second = AtelierServer(tmp_path_factory.mktemp("atelier-redis-2"), first.env, free_port())
    try:
        first.manage(
            "shell",
            "-c",
            f"from django.contrib.auth.models import User; User.objects.create_user('alice', password={PASSWORD!r})",
        )
        second.start()
        yield first, second
    finally:
        second.stop()
        first.stop()


async def test_logging_out_on_one_process_closes_the_socket_on_another_within_a_second(two_web_processes):
    first, second = two_web_processes
    alice = await asyncio.to_thread(sign_in, first, "alice")
    socket = await open_socket(second, "/ws/ping/", alice)
    await assert_alive(socket)
    await asyncio.to_thread(log_out, first, alice)
    assert await closed_with(socket) == SESSION_ENDED


async def test_a_user_made_inactive_from_a_command_loses_the_sockets_on_every_process(two_web_processes):
    first, second = two_web_processes
    alice = await asyncio.to_thread(sign_in, first, "alice")
    sockets = [await open_socket(server, "/ws/ping/", alice) for server in (first, second)]
    for socket in sockets:
        await assert_alive(socket)
    await asyncio.to_thread(
        first.manage,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u = User.objects.get(username='alice'); "
        "u.is_active = False; u.save()",
    )
    for socket in sockets:
        assert await closed_with(socket) == SESSION_ENDED
