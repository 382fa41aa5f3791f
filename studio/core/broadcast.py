"""Typed channel-layer messages. They only say "look again": the consumer loads the row and renders it.

Jobs run in threads (or worker processes); consumers run on the server's event loop. The in-memory channel
layer is not thread-safe, so when a consumer has told us which loop it runs on, messages are handed to that
loop; elsewhere (a db_worker process with Redis) they are sent from a loop of our own.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

SEND_TIMEOUT = 5.0
_server_loop: asyncio.AbstractEventLoop | None = None


def job_group(job_id: int) -> str:
    return f"job-{job_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def bind_server_loop() -> None:
    """Called by consumers (on the server's event loop) so threads can reach it."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


async def _send_all(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_send(group, message)


def _send(groups: list[str], message: dict) -> None:
    loop = _server_loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        asyncio.run_coroutine_threadsafe(_send_all(groups, message), loop).result(SEND_TIMEOUT)
    else:
        async_to_sync(_send_all)(groups, message)


def job_updated(job_id: int, conversation_id: int | None = None) -> None:
    """Tell whoever watches this job (and its conversation, for a turn) that its row changed."""
    groups = [job_group(job_id)]
    if conversation_id is not None:
        groups.append(conversation_group(conversation_id))
    _send(groups, {"type": "job.updated", "job_id": job_id})


def partial_ready(job_id: int, conversation_id: int | None, **image: int | None) -> None:
    """A partial image is stored: its id, index and size, so the consumer can swap it in without a query."""
    groups = [job_group(job_id)]
    if conversation_id is not None:
        groups.append(conversation_group(conversation_id))
    _send(groups, {"type": "job.partial", "job_id": job_id, **image})
