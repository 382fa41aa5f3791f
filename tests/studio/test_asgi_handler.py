"""The ASGI handler runs a synchronous view and the whole middleware chain in one thread hop (Django's own
takes two per middleware), and leaves async views (the API's long polls) on the event loop."""

from __future__ import annotations

import pytest
from asgiref import sync
from channels.testing import HttpCommunicator

from studio.asgi_handler import OneHopASGIHandler, runs_async

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hops(monkeypatch) -> list[str]:
    """The name of every function handed to a thread with sync_to_async while the test runs."""
    seen: list[str] = []
    real_call = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        seen.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await real_call(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    return seen


async def get(application, path: str) -> dict:
    communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"127.0.0.1")])
    return await communicator.get_response(timeout=10)


@pytest.mark.asyncio
async def test_a_page_and_its_middleware_take_one_thread_hop(hops):
    application = OneHopASGIHandler()
    hops.clear()
    response = await get(application, "/accounts/login/")
    assert response["status"] == 200 and b"csrfmiddlewaretoken" in response["body"]
    chain = [name for name in hops if "get_response" in name or "process_" in name]
    assert chain == ["BaseHandler.get_response"]
    # Around it, only what Django does for any request: the request_started signal and the response's close.
    assert len(hops) <= 4, hops


@pytest.mark.asyncio
async def test_a_redirect_to_log_in_and_a_404_go_the_same_way(hops):
    application = OneHopASGIHandler()
    assert (await get(application, "/c/1/"))["status"] == 302  # LoginRequiredMiddleware, in the chain
    assert (await get(application, "/no/such/page/"))["status"] == 404


def test_async_views_keep_djangos_async_chain():
    assert runs_async("/api/v1/jobs/1")  # a job polled with ?wait= waits on the event loop
    assert not runs_async("/c/1/") and not runs_async("/api/v1/jobs") and not runs_async("/no/such/page/")
