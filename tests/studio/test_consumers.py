"""The Studio's websockets: the ping channel checks origin and login; a job's channel refuses strangers at the
handshake, and its tiles fill as the job runs."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from studio.core.requests import to_json
from tests.support.factories import image_request
from tests.support.websockets import communicator_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def queued_job(owner):
    from studio.models import GenerationJob

    return await sync_to_async(GenerationJob.objects.create)(
        owner=owner, kind=GenerationJob.Kind.IMAGE_GENERATE
    )


async def test_it_refuses_anonymous_and_other_users(alice, charlie):
    job = await queued_job(alice)
    for user, code in ((None, 4401), (charlie, 4403)):
        communicator = await communicator_for(f"/ws/jobs/{job.pk}/", user)
        assert await communicator.connect() == (False, code)


async def test_tiles_fill_with_partials_then_the_finished_card(alice, emulator, settings):
    from studio.core import worker as runner
    from studio.models import GenerationJob

    request = image_request("a tiled poster", n=2, partial_images=1)
    job = await sync_to_async(GenerationJob.objects.create)(
        owner=alice, kind=request.kind, request=to_json(request)
    )
    communicator = await communicator_for(f"/ws/jobs/{job.pk}/", alice)
    connected, _ = await communicator.connect()
    assert connected
    settings.ATELIER_JOB_RUNNER = "embedded"
    await sync_to_async(runner.on_job_queued)(job.pk)
    messages = []
    while not (
        messages
        and messages[-1]["target"] == f"#job-{job.pk}"
        and 'data-status="succeeded"' in messages[-1]["content"]
    ):
        messages.append(await communicator.receive_json_from(timeout=20))
    tile_targets = {m["target"] for m in messages if "-tile-" in m["target"]}
    assert tile_targets == {f"#job-{job.pk}-tile-0", f"#job-{job.pk}-tile-1"}
    # Each tile's final comes on its own, before the job is done: nobody waits for the slowest image.
    finals = [m for m in messages if "-tile-" in m["target"] and "tile-final" in m["content"]]
    assert {m["target"] for m in finals} == tile_targets
    assert all("Download image" in m["content"] for m in finals)
    card = messages[-1]["content"]
    assert card.count("data-tile=") == 2
    assert card.count("tile-final") == 2
    # The settled job brings the top bar's month spend along, out of band.
    assert 'id="budget-meter"' in card and 'hx-swap-oob="true"' in card
    assert "$0.00" not in card.split('id="budget-meter"')[1]
    await communicator.disconnect()


# -- The ping channel ---------------------------------------------------------------------------------


async def test_it_refuses_an_anonymous_user():
    communicator = await communicator_for("/ws/ping/")
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_it_refuses_a_foreign_origin(alice):
    communicator = await communicator_for("/ws/ping/", alice, origin="http://evil.example")
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_it_refuses_a_handshake_without_origin(alice):
    communicator = await communicator_for("/ws/ping/", alice, origin=None)
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_it_accepts_a_signed_in_user_from_our_origin(alice):
    communicator = await communicator_for("/ws/ping/", alice)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()
