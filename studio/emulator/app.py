"""The emulator's ASGI application: routing, auth, the fault switch, the request log, and the answer.

Endpoints under /v1 speak OpenAI's protocol; control endpoints for tests live under /_emulator/.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from . import config
from .errors import APIError, missing_api_key, not_found_route
from .faults import EARLY, Fault, early_error, fault_for
from .images_api import create_edit, create_generation
from .moderations_api import create_moderation
from .rendering import forget_renderings
from .responses_api import create_response, retrieve_response
from .state import STATE
from .wire import (
    CUT_BEFORE,
    Call,
    JsonReply,
    Request,
    StreamReply,
    read_request,
    send_json,
    send_stream,
    watch_disconnect,
)

Handler = Callable[[Call], Awaitable[JsonReply | StreamReply]]
ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/v1/images/generations"): create_generation,
    ("POST", "/v1/images/edits"): create_edit,
    ("POST", "/v1/responses"): create_response,
    ("POST", "/v1/moderations"): create_moderation,
}
RESPONSE_PATH = re.compile(r"^/v1/responses/([A-Za-z0-9_-]+)$")


async def application(scope: dict, receive: Callable, send: Callable) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    request = await read_request(scope, receive)
    watcher = asyncio.ensure_future(watch_disconnect(receive, request.disconnected))
    try:
        if request.path.startswith("/_emulator/"):
            await send_json(send, request, control(request))
        else:
            await serve_api(request, send)
    finally:
        watcher.cancel()


async def serve_api(request: Request, send: Callable) -> None:
    try:
        fault = fault_for(request.headers)
    except APIError as error:
        await send_json(send, request, JsonReply(error.status, error.body(), error.headers))
        return
    record(request, fault)
    try:
        reply = await dispatch(request, fault)
    except APIError as error:
        reply = JsonReply(error.status, error.body(), error.headers)
    if (
        fault is not None
        and fault.name == "stream-error"
        and isinstance(reply, JsonReply)
        and reply.status == 200
    ):
        # Nothing to break mid-way in a plain answer: it fails whole.
        error = early_error(Fault("500"), model=_model_named(request), request_id=request.request_id)
        reply = JsonReply(error.status, error.body())
    cut = fault is not None and fault.name == "cut"
    if cut and isinstance(reply, JsonReply) and request.cut_connection is not None:
        # A plain answer that never arrives: the connection drops with nothing sent (the SDK retries that).
        request.cut_connection()
        return
    if isinstance(reply, StreamReply):
        # `cut;before=<event type>` drops the stream later or earlier than the default, e.g. after a turn's
        # image has arrived but before `response.completed` brings its usage and response id.
        before = fault.options.get("before") if cut else None
        await send_stream(
            send, request, reply, cut=cut, cut_before=frozenset({before}) if before else CUT_BEFORE
        )
    else:
        await send_json(send, request, reply)


async def dispatch(request: Request, fault: Fault | None) -> JsonReply | StreamReply:
    if not request.headers.get("authorization", "").startswith("Bearer "):
        raise missing_api_key()
    if fault is not None and fault.name in EARLY:
        if fault.name == "hang":
            await hang(request)
        raise early_error(fault, model=_model_named(request), request_id=request.request_id)
    latency = _latency(request)
    handler = ROUTES.get((request.method, request.path))
    if handler is not None:
        return await handler(Call(request, fault, latency))
    match = RESPONSE_PATH.match(request.path)
    if match and request.method == "GET":
        return await retrieve_response(Call(request, fault, latency), match[1])
    raise not_found_route(request.method, request.path)


async def hang(request: Request) -> None:
    """Stay silent until the client gives up, or for a bounded while; then answer 504."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(request.disconnected.wait(), config.hang_seconds())
    raise APIError(
        504,
        f"The emulator held this request for {config.hang_seconds():g}s (X-Emulator-Fault: hang).",
        type="server_error",
    )


def control(request: Request) -> JsonReply:
    if request.path == "/_emulator/requests" and request.method == "GET":
        return JsonReply(200, list(STATE.requests))
    if request.path == "/_emulator/requests" and request.method == "DELETE":
        STATE.reset()
        forget_renderings()
        return JsonReply(200, {"deleted": True})
    if request.path == "/_emulator/health" and request.method == "GET":
        return JsonReply(200, {"status": "ok"})
    error = not_found_route(request.method, request.path)
    return JsonReply(error.status, error.body())


def record(request: Request, fault: Fault | None) -> None:
    """Log what was received, for tests: headers, JSON body, or multipart scalars and file digests."""
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "headers": request.headers,
        "json": None,
        "form": None,
        "files": [],
        "fault": fault.name if fault else None,
    }
    if request.is_multipart():
        with contextlib.suppress(APIError):
            form = request.form()
            entry["form"] = form.fields
            entry["files"] = [
                {
                    "field": upload.field,
                    "filename": upload.filename,
                    "content_type": upload.content_type,
                    "size": len(upload.data),
                    "sha256": hashlib.sha256(upload.data).hexdigest(),
                }
                for upload in form.files
            ]
    elif request.body:
        with contextlib.suppress(ValueError):
            entry["json"] = json.loads(request.body)
    STATE.requests.append(entry)


def _model_named(request: Request) -> str:
    with contextlib.suppress(ValueError, APIError):
        if request.is_multipart():
            model = request.form().fields.get("model")
        else:
            body = json.loads(request.body or b"{}")
            model = body.get("model") if isinstance(body, dict) else None
            tools = body.get("tools") if isinstance(body, dict) else None
            for tool in tools if isinstance(tools, list) else []:
                if isinstance(tool, dict) and tool.get("type") == "image_generation":
                    model = tool.get("model", "gpt-image-2")
        if isinstance(model, str):
            return model
    return "gpt-image-2"


def _latency(request: Request) -> float:
    raw = request.headers.get("x-emulator-latency")
    if raw is not None:
        with contextlib.suppress(ValueError):
            return max(0.0, float(raw))
    return config.latency()


async def _lifespan(receive: Callable, send: Callable) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
