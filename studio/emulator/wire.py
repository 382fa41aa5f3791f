"""HTTP on raw ASGI: reading a request (JSON or multipart), answering with JSON, or streaming SSE events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .errors import APIError, unparseable_json
from .faults import Fault

# A stream is cut just before the first of these events: the client never learns how its call ended.
CUT_BEFORE = frozenset(
    {
        "image_generation.completed",
        "image_edit.completed",
        "response.image_generation_call.completed",
        "response.completed",
    }
)


@dataclass(frozen=True)
class Upload:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    disconnected: asyncio.Event
    # Drops the TCP connection at once (a scope extension our Daphne server provides); None elsewhere.
    cut_connection: Callable[[], None] | None
    request_id: str = field(default_factory=lambda: f"req_{uuid.uuid4().hex}")
    started: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise unparseable_json() from None

    def is_multipart(self) -> bool:
        return self.headers.get("content-type", "").startswith("multipart/form-data")

    def form(self) -> Form:
        return parse_multipart(self.body, self.headers.get("content-type", ""))


@dataclass(frozen=True)
class JsonReply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StreamReply:
    events: AsyncIterator[Event]


async def read_request(scope: dict, receive: Callable) -> Request:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Request(
        method=scope["method"],
        path=scope["path"],
        query=parse_qs(scope.get("query_string", b"").decode("latin-1")),
        headers=headers,
        body=b"".join(chunks),
        disconnected=asyncio.Event(),
        cut_connection=scope.get("extensions", {}).get("emulator.cut"),
    )


async def watch_disconnect(receive: Callable, disconnected: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            disconnected.set()
            return


def parse_multipart(body: bytes, content_type: str) -> Form:
    boundary = ""
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        raise APIError(400, "Could not parse multipart form: no boundary.", param=None, code=None)
    form = Form()
    delimiter = b"--" + boundary.encode("latin-1")
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        disposition, part_type = "", "text/plain"
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value
            elif name.strip().lower() == "content-type":
                part_type = value.strip()
        params = _disposition_params(disposition)
        if "name" not in params:
            continue
        if "filename" in params:
            form.files.append(Upload(params["name"], params["filename"], part_type, data))
            continue
        text = data.decode("utf-8", "replace")
        existing = form.fields.get(params["name"])
        if existing is None:
            form.fields[params["name"]] = text
        else:
            form.fields[params["name"]] = (
                [*existing, text] if isinstance(existing, list) else [existing, text]
            )
    return form


def _disposition_params(disposition: str) -> dict[str, str]:
    params = {}
    for piece in disposition.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return params


def base_headers(request: Request) -> list[tuple[bytes, bytes]]:
    elapsed_ms = int((time.monotonic() - request.started) * 1000)
    return [
        (b"x-request-id", request.request_id.encode()),
        (b"openai-processing-ms", str(elapsed_ms).encode()),
        (b"openai-version", b"2020-10-01"),
        (b"openai-organization", b"user-emulator"),
        (b"openai-project", b"proj_emulator"),
    ]


async def send_json(send: Callable, request: Request, reply: JsonReply) -> None:
    body = json.dumps(reply.body, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *base_headers(request),
        *((name.encode(), value.encode()) for name, value in reply.headers.items()),
    ]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def encode_event(event: Event) -> bytes:
    return f"event: {event.type}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n".encode()


async def send_stream(
    send: Callable,
    request: Request,
    reply: StreamReply,
    *,
    cut: bool,
    cut_before: frozenset[str] = CUT_BEFORE,
) -> None:
    """Write each event as `event:` + `data:` + a blank line; with `cut`, drop the connection mid-way: just
    before the first event of a type in `cut_before`."""
    headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": [*headers, *base_headers(request)]})
    events = reply.events
    try:
        async for event in events:
            if request.disconnected.is_set():
                return
            if cut and event.type in cut_before:
                break
            await send({"type": "http.response.body", "body": encode_event(event), "more_body": True})
    finally:
        await events.aclose()
    if cut and request.cut_connection is not None:
        request.cut_connection()
        return
    await send({"type": "http.response.body", "body": b""})


@dataclass
class Call:
    """One request on its way through an endpoint: the request, the fault it must suffer, its pace."""

    request: Request
    fault: Fault | None
    latency: float

    def suffers(self, name: str) -> bool:
        return self.fault is not None and self.fault.name == name

    def fault_option(self, key: str) -> str | None:
        return self.fault.options.get(key) if self.fault is not None else None

    async def pace(self, steps: int = 1) -> None:
        """Wait `steps` streamed steps (the model at work); return early if the client has gone."""
        if self.latency <= 0 or steps <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.request.disconnected.wait(), self.latency * steps)
