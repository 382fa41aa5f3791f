"""`GET /api/v1/jobs/{id}?wait=N`: the answer waits until the job's status changes (or N seconds pass),
without holding a thread: other requests are served meanwhile."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from studio.core.api_keys import create_api_key
from studio.core.jobs import cancel_job
from studio.core.requests import to_json
from studio.models import GenerationJob
from tests.support.factories import image_request

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def a_queued_job(owner) -> GenerationJob:
    request = image_request()
    return await sync_to_async(GenerationJob.objects.create)(
        owner=owner, kind=request.kind, request=to_json(request), prompt=request.prompt
    )


async def headers_for(owner) -> dict:
    _, raw = await sync_to_async(create_api_key)(owner)
    return {"Authorization": f"Bearer {raw}"}


async def test_it_answers_as_soon_as_the_status_changes_and_serves_others_meanwhile(alice):
    client, headers = AsyncClient(), await headers_for(alice)
    job = await a_queued_job(alice)
    poll = asyncio.create_task(client.get(f"/api/v1/jobs/{job.pk}?wait=20", headers=headers))
    await asyncio.sleep(0.6)
    assert not poll.done()

    other = await asyncio.wait_for(client.get("/api/v1/webhooks", headers=headers), timeout=3)
    assert other.status_code == 200
    assert not poll.done()

    await sync_to_async(cancel_job)(job)
    loop = asyncio.get_running_loop()
    cancelled_at = loop.time()
    answer = await asyncio.wait_for(poll, timeout=5)
    assert loop.time() - cancelled_at < 1.5
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled"


async def test_it_answers_after_the_wait_if_nothing_changed(alice):
    client, headers = AsyncClient(), await headers_for(alice)
    job = await a_queued_job(alice)
    loop = asyncio.get_running_loop()
    started = loop.time()
    answer = await client.get(f"/api/v1/jobs/{job.pk}?wait=1", headers=headers)
    assert 0.9 <= loop.time() - started < 3
    assert answer.json()["status"] == "queued"


async def test_a_finished_job_answers_at_once(alice):
    client, headers = AsyncClient(), await headers_for(alice)
    job = await a_queued_job(alice)
    await sync_to_async(cancel_job)(job)
    loop = asyncio.get_running_loop()
    started = loop.time()
    answer = await client.get(f"/api/v1/jobs/{job.pk}?wait=60", headers=headers)
    assert loop.time() - started < 1
    assert answer.json()["status"] == "cancelled"


async def test_a_wait_over_a_minute_is_refused(alice):
    client, headers = AsyncClient(), await headers_for(alice)
    job = await a_queued_job(alice)
    answer = await client.get(f"/api/v1/jobs/{job.pk}?wait=61", headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["param"] == "wait"


async def test_another_users_job_is_not_found_at_once(alice, charlie):
    job = await a_queued_job(alice)
    answer = await AsyncClient().get(f"/api/v1/jobs/{job.pk}?wait=30", headers=await headers_for(charlie))
    assert answer.status_code == 404
