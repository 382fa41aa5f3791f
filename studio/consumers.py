"""Websocket consumers: authorise first, accept last, relay small messages; nothing slow here."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string

from studio.broadcast import bind_server_loop, job_group
from studio.models import GenerationJob


class PingConsumer(AsyncJsonWebsocketConsumer):
    """A signed-in user's liveness check: answers every message with `pong`."""

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()

    async def receive_json(self, content: dict, **kwargs) -> None:
        await self.send_json({"type": "pong"})


class JobConsumer(AsyncJsonWebsocketConsumer):
    """A Studio job's live channel: its card re-rendered from the database, partial tiles from the message."""

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.job_id = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await self._owns_job(user):
            await self.close(code=4403)
            return
        bind_server_loop()
        self.group = job_group(self.job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        await self.send_json({"type": "error", "message": "This channel only sends updates."})

    async def job_updated(self, message: dict) -> None:
        html = await database_sync_to_async(self._render_job, thread_sensitive=False)()
        await self.send_json({"content": html, "target": f"#job-{self.job_id}", "swap": "outerHTML"})

    async def job_partial(self, message: dict) -> None:
        index = message.get("output_index") or 0
        html = render_to_string(
            "studio/_tile.html",
            {
                "job_id": self.job_id,
                "index": index,
                "partial": {"pk": message["image_id"], "partial_index": message["index"]},
                "active": True,
            },
        )
        await self.send_json(
            {"content": html, "target": f"#job-{self.job_id}-tile-{index}", "swap": "outerHTML"}
        )

    @database_sync_to_async
    def _owns_job(self, user) -> bool:
        return GenerationJob.objects.for_user(user).filter(pk=self.job_id).exists()

    def _render_job(self) -> str:
        from studio.studio_views import studio_jobs

        job = studio_jobs(self.scope["user"]).get(pk=self.job_id)
        return render_to_string("studio/_job.html", {"job": job})
