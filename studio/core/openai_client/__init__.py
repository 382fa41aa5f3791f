"""The only module that imports `openai`.

It turns our requests (`ImageRequest`, `TurnRequest`) into calls of the async SDK, the SDK's events into our
own small event types (with `Usage`, never the SDK's usage objects), and the SDK's exceptions into
`ModelServiceError` with a plain-English message. Nothing outside this module knows the SDK's shapes.
With no OPENAI_API_KEY the very same calls go to the emulator (settings point OPENAI_BASE_URL at it).

What OpenAI refuses, this module never sends: `stream` only with `n=1` (several live variants are several
streams, see `stream_image`), and a Responses stream only with partial images (otherwise one plain call).
"""

from __future__ import annotations

from studio.core.openai_client.client import data_url, get_client
from studio.core.openai_client.errors import translate_error
from studio.core.openai_client.events import (
    CallUsage,
    Event,
    FinalImage,
    InputImage,
    PartialImage,
    RequestStarted,
    ResponseCompleted,
)
from studio.core.openai_client.images import create_images, stream_image
from studio.core.openai_client.responses import respond
from studio.core.openai_client.text import Moderation, Rewrite, moderate, rewrite

__all__ = [
    "CallUsage",
    "Event",
    "FinalImage",
    "InputImage",
    "Moderation",
    "PartialImage",
    "RequestStarted",
    "ResponseCompleted",
    "Rewrite",
    "create_images",
    "data_url",
    "get_client",
    "moderate",
    "respond",
    "rewrite",
    "stream_image",
    "translate_error",
]
