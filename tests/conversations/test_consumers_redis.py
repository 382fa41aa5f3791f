"""The live relay over the Redis channel layer, as Atelier runs when scaled out (make test's services pass)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings

from conversations import services
from tests.conversations.factories import DEFAULT_TOOL, make_conversation
from tests.conversations.test_consumers import communicator_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _on_redis():
    if "redis" not in django_settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip("run by make test's Redis pass (REDIS_URL=redis://...)")


@pytest.mark.asyncio
async def test_partials_and_the_final_reach_the_browser_through_redis(alice, emulator, settings):
    settings.ATELIER_EMBEDDED_RUNNER = True
    conversation = await sync_to_async(make_conversation)(alice)
    communicator = await communicator_for(f"/ws/conversations/{conversation.pk}/", alice)
    connected, _ = await communicator.connect()
    assert connected
    turn = await sync_to_async(services.start_turn)(
        conversation, prompt="a neon sign", tool_options={**DEFAULT_TOOL, "partial_images": 2}
    )
    contents = []
    while not contents or 'data-status="succeeded"' not in contents[-1]:
        message = await communicator.receive_json_from(timeout=20)
        if message["target"].startswith(f"#turn-{turn.pk}"):
            contents.append(message["content"])
    assert any("is-partial" in content for content in contents)
    await communicator.disconnect()


def test_health_reports_the_redis_channel_layer_ok(client):
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "channel_layer": "ok"}
