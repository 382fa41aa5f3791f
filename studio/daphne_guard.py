"""Daphne's side of the body limits: what happens before the ASGI application is even called.

Daphne (through Twisted) receives a whole request body before it calls the application, and then:
- Twisted's `Request.requestReceived` reads every POSTed form body into memory and parses it into
  `request.args` (for multipart, through the email package: about 13x the body in memory), which Daphne
  never uses;
- Daphne pushes the whole body into the application's queue at once, so all of it sits in memory until
  the application has read it.

`install()` (called from `studio.asgi`) makes Daphne build `BoundedWebRequest`s instead, which:
- refuse at the headers, before the body is received: a `Content-Length` over `ATELIER_MAX_REQUEST_BYTES`
  (413), and from a client with no session cookie at all, multipart or a body over
  `ATELIER_ANONYMOUS_MAX_BODY_BYTES` (the same answer the middleware gives);
- count a chunked body as it arrives and refuse it once it goes over the limit;
- skip Twisted's form parsing, and hand the application its body one chunk at a time, read from Twisted's
  spool file (on disk past 100 kB) as the application asks for it.

A client with a session cookie is let through to `studio.bodylimit.RequestBodyLimit`, which checks the
session (that needs the database, which must not be touched on the reactor's thread) before the body is read.

It also makes Daphne's websockets say why they close (see `_ws_handle_reply` and `_ws_set_protocol_options`).
"""

from __future__ import annotations

import asyncio
import io
from functools import partial

from daphne import http_protocol, server, ws_protocol
from django.conf import settings

from studio import bodylimit

CHUNK_BYTES = 64 * 1024
LINGER_SECONDS = 2.0


class SpooledBodyQueue(asyncio.Queue):
    """The application's receive(): the body read from the request's spool file as it is asked for,
    then whatever Daphne queues after it (an `http.disconnect`)."""

    def __init__(self, request: http_protocol.WebRequest) -> None:
        super().__init__()
        self._request = request
        self._offset = 0
        self._body_done = False

    def put_nowait(self, message: dict) -> None:
        if message["type"] == "http.request":
            return  # Daphne offers the whole body at once: it is read from the spool file on demand instead
        super().put_nowait(message)

    async def get(self) -> dict:
        if not self._body_done:
            content = self._request.content
            if content is None or content.closed:
                self._body_done = True
            else:
                content.seek(self._offset)
                chunk = content.read(CHUNK_BYTES)
                self._offset += len(chunk)
                more = bool(chunk) and content.read(1) != b""
                self._body_done = not more
                return {"type": "http.request", "body": chunk, "more_body": more}
        return await super().get()


class BoundedWebRequest(http_protocol.WebRequest):
    _refused = False
    _received = 0
    _anonymous = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Daphne hands the raw body to the application and never reads request.args.
        self._parsePOSTFormSubmission = False

    def gotLength(self, length: int | None) -> None:
        session = self.received_cookies.get(settings.SESSION_COOKIE_NAME.encode())
        # A session cookie or an API key may sign the request in; RequestBodyLimit checks which is real.
        self._anonymous = not session and not bodylimit.bearer_key(self.getHeader(b"authorization"))
        limit = settings.ATELIER_MAX_REQUEST_BYTES
        if length is not None and length > limit:
            self._refuse(bodylimit.too_large(limit))
            return
        if self._anonymous and self._visitor_may_not_send(length):
            self._refuse(self._login_needed())
            return
        super().gotLength(length)

    def _visitor_may_not_send(self, length: int | None) -> bool:
        multipart = (self.getHeader(b"content-type") or b"").lower().lstrip().startswith(b"multipart/")
        return multipart or (length or 0) > settings.ATELIER_ANONYMOUS_MAX_BODY_BYTES

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self._received += len(data)
        limit = settings.ATELIER_MAX_REQUEST_BYTES
        if self._received > limit:
            self._refuse(bodylimit.too_large(limit))
        elif self._anonymous and self._received > settings.ATELIER_ANONYMOUS_MAX_BODY_BYTES:
            self._refuse(self._login_needed())
        else:
            super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if not self._refused:
            super().requestReceived(command, path, version)

    def _login_needed(self) -> bodylimit.Refusal:
        headers = [
            (name.lower(), value)
            for name, values in self.requestHeaders.getAllRawHeaders()
            for value in values
        ]
        # The request line is parsed, but Twisted gives it to the request only with the full body.
        uri = getattr(self.channel, "_path", None) or b"/"
        path = uri.split(b"?", 1)[0].decode("ascii", "replace")
        return bodylimit.login_needed(path, browser=bodylimit.is_browser_navigation(headers))

    def _refuse(self, refusal: bodylimit.Refusal) -> None:
        """Answer now and close: the body that is still coming is never stored."""
        self._refused = True
        self.content = io.BytesIO()
        # No "100 Continue" for a request that is already answered.
        self.requestHeaders.removeHeader(b"expect")
        reason = {303: b"See Other", 400: b"Bad Request", 401: b"Unauthorized", 413: b"Content Too Large"}
        lines = [b"HTTP/1.1 %d %s" % (refusal.status, reason.get(refusal.status, b"Refused"))]
        lines += [name + b": " + value for name, value in refusal.headers()]
        transport = self.channel.transport
        transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + refusal.body)
        # Close our side once the answer is out, but go on reading (and dropping) what the client still sends
        # for a moment: closing with its data unread would reset the connection, and the client would lose
        # the answer.
        if hasattr(transport, "loseWriteConnection"):
            from twisted.internet import reactor  # Daphne's (asyncio) reactor, installed by daphne.server

            transport.loseWriteConnection()
            reactor.callLater(LINGER_SECONDS, self.channel.loseConnection)
        else:
            self.channel.loseConnection()


def _create_application(self: server.Server, protocol, scope: dict):
    """Daphne's Server.create_application, with a receive() that reads the body on demand for our requests."""
    if not isinstance(protocol, BoundedWebRequest):
        return _daphne_create_application(self, protocol, scope)
    assert "application_instance" not in self.connections[protocol]
    queue = SpooledBodyQueue(protocol)
    scope.setdefault("asgi", {"version": "3.0"})
    instance = self.application(scope=scope, receive=queue.get, send=partial(self.handle_reply, protocol))
    if protocol not in self.connections:
        return None
    self.connections[protocol]["application_instance"] = asyncio.ensure_future(
        instance, loop=asyncio.get_event_loop()
    )
    return queue


_daphne_create_application = server.Server.create_application


def _ws_handle_reply(self: ws_protocol.WebSocketProtocol, message: dict) -> None:
    """Daphne's handling of a consumer's messages, except that a close says why.

    Daphne answers a close before accept with a bare HTTP 403, which a browser sees only as "1006, abnormal
    closure" (and htmx then reconnects for ever); and it drops a close's reason. A refusal with an
    application code (4000-4999) is sent as a handshake that completes and closes at once with that code
    and reason, before any message; any other close keeps its reason.
    """
    if message.get("type") == "websocket.close":
        code, reason = message.get("code"), message.get("reason") or None
        if self.state == self.STATE_CONNECTING and code is not None and 4000 <= code <= 4999:
            self.serverAccept()
            self.sendClose(code=code, reason=reason)
            return
        if self.state == self.STATE_OPEN and reason:
            self.sendClose(code=1000 if code is None else code, reason=reason)
            return
    _daphne_ws_handle_reply(self, message)


_daphne_ws_handle_reply = ws_protocol.WebSocketProtocol.handle_reply


def _ws_set_protocol_options(self: ws_protocol.WebSocketFactory, **options) -> None:
    """Daphne's websocket options, with autobahn's `failByDrop` off: a protocol error (a message over the
    1 MiB limit, text that is not UTF-8) then closes the socket with its code and reason (1009 "message too
    big", 1007) instead of dropping the TCP connection, which the client can only report as 1006."""
    _daphne_ws_set_protocol_options(self, **{"failByDrop": False, **options})


_daphne_ws_set_protocol_options = ws_protocol.WebSocketFactory.setProtocolOptions


def install() -> None:
    """Make this process's Daphne (if it is what serves us) build bounded requests and say why it closes
    sockets. Idempotent."""
    http_protocol.WebRequest = BoundedWebRequest
    server.Server.create_application = _create_application
    ws_protocol.WebSocketProtocol.handle_reply = _ws_handle_reply
    ws_protocol.WebSocketFactory.setProtocolOptions = _ws_set_protocol_options
