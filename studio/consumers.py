"""Websocket consumers: authorise first, accept last, relay small messages; nothing slow here."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """A signed-in user's liveness check: answers every message with `pong`."""

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()

    async def receive_json(self, content: dict, **kwargs) -> None:
        await self.send_json({"type": "pong"})
