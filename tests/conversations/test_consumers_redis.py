"""The live relay over the Redis channel layer, as Atelier runs when scaled out (make test's services pass)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from tests.conversations.test_consumers import relays_partial_then_final_fragments_in_order

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _on_redis():
    if "redis" not in django_settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip("run by make test's Redis pass (REDIS_URL=redis://...)")


@pytest.mark.asyncio
async def test_partials_and_the_final_reach_the_browser_through_redis(alice, emulator, settings):
    settings.ATELIER_JOB_RUNNER = "embedded"
    await relays_partial_then_final_fragments_in_order(alice)


def test_health_reports_the_redis_channel_layer_ok(client):
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "channel_layer": "ok", "status": "ok"}
