"""One AsyncOpenAI client per configuration, and the plumbing every call shares: extra headers, streams that
always close, SDK errors translated."""

from __future__ import annotations

import asyncio
import base64
import weakref
from collections.abc import AsyncIterator

import openai
from django.conf import settings

from studio.core.openai_client.errors import translate_error
from studio.core.openai_client.events import Event, RequestStarted

EMULATOR_API_KEY = "sk-atelier-emulator"


# An async client's connection pool belongs to the event loop it first ran on: one client per loop and
# configuration (the worker's loop lives as long as the process; a loop that ends takes its clients along).
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, openai.AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)


def get_client() -> openai.AsyncOpenAI:
    """The client for this configuration on the running event loop."""
    config = (
        settings.OPENAI_API_KEY or EMULATOR_API_KEY,
        settings.OPENAI_BASE_URL or None,
        settings.ATELIER_OPENAI_TIMEOUT,
        settings.ATELIER_OPENAI_CONNECT_TIMEOUT,
        settings.ATELIER_OPENAI_MAX_RETRIES,
    )
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    if config not in clients:
        api_key, base_url, read, connect, retries = config
        # A generation may take minutes to answer; reaching the service should not.
        timeout = openai.Timeout(read, connect=connect)
        clients[config] = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=retries
        )
    return clients[config]


def _extra_headers() -> dict[str, str]:
    return dict(getattr(settings, "ATELIER_OPENAI_EXTRA_HEADERS", {}) or {})


def decode_b64(b64: str | None) -> bytes:
    return base64.b64decode(b64 or "")


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _started(headers) -> RequestStarted:
    limits = {k.removeprefix("x-ratelimit-"): v for k, v in headers.items() if k.startswith("x-ratelimit-")}
    return RequestStarted(headers.get("x-request-id", ""), limits)


async def call_streamed(call, parse, **kwargs) -> AsyncIterator[Event]:
    """Open a stream, yield our events from `parse(stream)`, translate SDK errors, always close it."""
    try:
        stream = await call(stream=True, extra_headers=_extra_headers(), **kwargs)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    try:
        started = _started(stream.response.headers)
        yield started
        async for event in parse(stream, started.request_id):
            yield event
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    finally:
        await stream.close()


async def call_plain(call, **kwargs):
    """One call without streaming: (RequestStarted, the parsed answer)."""
    try:
        raw = await call(extra_headers=_extra_headers(), **kwargs)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    return _started(raw.headers), raw.parse()
