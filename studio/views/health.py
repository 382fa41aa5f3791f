"""`/healthz`: whether the database and the channel layer answer.

The database is essential: without it nothing works, so its failure answers 503 (a load balancer takes the
process out). The channel layer only carries live updates: without it jobs still run and finish and a reload
shows them, so its failure answers 200 with `"status": "degraded"` (taking every web process out because
Redis is down would turn a degraded service into none)."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# A Redis that accepts connections but never answers must not hang the check (and the load balancer's probe).
CHANNEL_LAYER_TIMEOUT = 3.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _round_trip() -> dict:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.check"})
    return await layer.receive(channel)


def _check_channel_layer() -> None:
    message = async_to_sync(asyncio.wait_for)(_round_trip(), CHANNEL_LAYER_TIMEOUT)
    if message.get("type") != "health.check":
        raise RuntimeError("the channel layer returned another message")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 `ok` when both answer, 200 `degraded` when only the channel layer fails, 503 when the database does."""
    report = {}
    for name, check in (("database", _check_database), ("channel_layer", _check_channel_layer)):
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever its kind
            logger.warning("health check %s failed: %s", name, exc)
            report[name] = f"error: {exc.__class__.__name__}"
        else:
            report[name] = "ok"
    if report["database"] != "ok":
        report["status"] = "down"
    else:
        report["status"] = "ok" if report["channel_layer"] == "ok" else "degraded"
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)
