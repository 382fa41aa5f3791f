"""The body Daphne hands the application, read from the spool file on demand, is the body that was sent."""

from __future__ import annotations

import io
import os
from types import SimpleNamespace

import pytest

from studio.daphne_guard import CHUNK_BYTES, SpooledBodyQueue

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 17])
async def test_the_application_reads_the_whole_body_in_chunks_then_the_disconnect(size):
    body = os.urandom(size)
    request = SimpleNamespace(content=io.BytesIO(body))
    queue = SpooledBodyQueue(request)
    # What Daphne does: offer the whole body at once (dropped), later a disconnect (kept).
    request.content.seek(0)
    queue.put_nowait({"type": "http.request", "body": request.content.read(), "more_body": False})
    queue.put_nowait({"type": "http.disconnect"})
    received, messages = b"", 0
    while True:
        message = await queue.get()
        assert message["type"] == "http.request"
        assert len(message["body"]) <= CHUNK_BYTES
        received += message["body"]
        messages += 1
        if not message["more_body"]:
            break
    assert received == body
    assert messages == max(1, -(-size // CHUNK_BYTES))
    assert await queue.get() == {"type": "http.disconnect"}


async def test_a_closed_spool_file_ends_the_body():
    request = SimpleNamespace(content=io.BytesIO(b"abc"))
    request.content.close()
    queue = SpooledBodyQueue(request)
    queue.put_nowait({"type": "http.disconnect"})
    assert await queue.get() == {"type": "http.disconnect"}
