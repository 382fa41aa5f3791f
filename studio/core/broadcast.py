"""Typed channel-layer messages. They say "look again" (the consumer loads the row and renders it); the one
exception, on purpose, is `job.partial`, which carries the stored partial's id so the hot path needs no query.

Jobs run on an event loop (the server's own in the embedded runner, a worker process's elsewhere). The
in-memory channel layer is not thread-safe, so when a consumer has told us which loop it runs on and we are
on another, messages are handed to that loop. A channel layer that fails (Redis down) is logged and retried
briefly; it never fails a job: the row is the truth and a reload shows it.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)
SEND_TIMEOUT = 5.0
SEND_TRIES = 3
_server_loop: asyncio.AbstractEventLoop | None = None


def job_group(job_id: int) -> str:
    return f"job-{job_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def bind_server_loop() -> None:
    """Called by consumers (on the server's event loop) so jobs on other loops can reach it."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


async def _send_all(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_send(group, message)


async def send(groups: list[str], message: dict) -> bool:
    """Send `message` to `groups`; False (logged) if the channel layer could not take it."""
    for attempt in range(SEND_TRIES):
        try:
            loop = _server_loop
            if loop is not None and loop.is_running() and loop is not asyncio.get_running_loop():
                future = asyncio.run_coroutine_threadsafe(_send_all(groups, message), loop)
                await asyncio.wait_for(asyncio.wrap_future(future), SEND_TIMEOUT)
            else:
                await asyncio.wait_for(_send_all(groups, message), SEND_TIMEOUT)
            return True
        except Exception as exc:  # any channel-layer fault: the job goes on, the page catches up on reload
            if attempt == SEND_TRIES - 1:
                logger.warning("channel layer: could not send %s to %s: %r", message.get("type"), groups, exc)
            else:
                logger.info(
                    "channel layer: try %d of %d failed (%r); trying again", attempt + 1, SEND_TRIES, exc
                )
                await asyncio.sleep(0.2 * (attempt + 1))
    return False


def _groups(job_id: int, conversation_id: int | None) -> list[str]:
    groups = [job_group(job_id)]
    if conversation_id is not None:
        groups.append(conversation_group(conversation_id))
    return groups


async def job_updated(job_id: int, conversation_id: int | None = None, *, ended: bool = False) -> bool:
    """Tell whoever watches this job (and its conversation, for a turn) that its row changed. `ended` says
    the job had ended when this was sent: a hint for what to read (the row, read then, is the truth)."""
    message = {"type": "job.updated", "job_id": job_id, "ended": ended}
    return await send(_groups(job_id, conversation_id), message)


def job_updated_now(job_id: int, conversation_id: int | None = None, *, ended: bool = False) -> bool:
    """The same, from synchronous code (a view, the admin)."""
    return async_to_sync(job_updated)(job_id, conversation_id, ended=ended)


async def partial_ready(job_id: int, conversation_id: int | None, **image: int | None) -> bool:
    """A partial image is stored: its id, index and size, so the consumer can swap it in without a query."""
    return await send(_groups(job_id, conversation_id), {"type": "job.partial", "job_id": job_id, **image})


async def final_ready(job_id: int, *, image_id: int, output_index: int) -> bool:
    """One of a job's images is finished: its tile can show it before the others are done. Sent to the job's
    group only (a Studio card's tiles; a conversation's turn has one image, shown when its job ends)."""
    message = {"type": "job.final", "job_id": job_id, "image_id": image_id, "output_index": output_index}
    return await send([job_group(job_id)], message)
