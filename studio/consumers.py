"""Websocket consumers: authorise first, accept last, relay small messages; nothing slow here."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string

from studio.core import budgets
from studio.core.broadcast import bind_server_loop, job_group
from studio.core.requests import from_json
from studio.models import GenerationJob, ImageAsset
from studio.session_sockets import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, SessionBoundConsumer


class JsonObjectConsumer(SessionBoundConsumer, AsyncJsonWebsocketConsumer):
    """Base of our consumers: `receive_json` gets JSON objects only, and any other frame a reply that says
    what is wrong.

    Channels' JSON consumer raises on a frame it cannot decode, and the server then closes the socket with
    1011 and no reason and logs a traceback: one stray frame would end a page's live updates, and anyone
    could fill the log at will.
    """

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        if text_data is None:
            await self.send_error("This channel reads text, not binary frames: send a JSON object.")
            return
        if not text_data.strip():
            await self.send_error("This message is empty: send a JSON object.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            # Besides JSONDecodeError (a ValueError): a number of more than 4300 digits raises a plain
            # ValueError, and arrays nested some thousands deep a RecursionError; both fit in one message.
            await self.send_error("This message is not JSON: send a JSON object.")
            return
        if not isinstance(content, dict):
            await self.send_error("This message is JSON but not an object: send a JSON object.")
            return
        await self.receive_json(content, **kwargs)

    async def send_error(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})


class PingConsumer(JsonObjectConsumer):
    """A signed-in user's liveness check: answers every message with `pong`."""

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        await self.follow_session()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave_session()

    async def receive_json(self, content: dict, **kwargs) -> None:
        await self.send_json({"type": "pong"})


class OwnedObjectConsumer(JsonObjectConsumer):
    """The live channel of one object a user owns (from the route's `pk`).

    The handshake refuses anonymous users (4401) and anyone but the owner (4403) before accepting; the
    consumer then joins the object's one group, and its user's (it closes when the session ends). The page
    only listens: what it sends is refused plainly.
    """

    model: type  # the owned object's model, whose manager has for_user()
    group_for: staticmethod  # pk -> the group's name (see studio.core.broadcast)

    def owns(self, user, pk: int) -> bool:
        return self.model.objects.for_user(user).filter(pk=pk).exists()

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        self.pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await database_sync_to_async(self.owns)(user, self.pk):
            await self.refuse(CLOSE_FORBIDDEN)
            return
        bind_server_loop()
        self.group = self.group_for(self.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.follow_session()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave_session()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: dict, **kwargs) -> None:
        await self.send_error("This channel only sends updates.")


class JobConsumer(OwnedObjectConsumer):
    """A Studio job's live channel: its card re-rendered from the database, partial tiles from the message."""

    model = GenerationJob
    group_for = staticmethod(job_group)

    async def connect(self) -> None:
        await super().connect()
        if hasattr(self, "group"):
            # Whatever happened between the page's render and this channel opening (a job starts at once):
            # the card catches up with the row.
            await self.job_updated({"type": "job.updated", "job_id": self.pk})

    async def job_updated(self, message: dict) -> None:
        html = await database_sync_to_async(self._render_job, thread_sensitive=False)()
        await self.send_json({"content": html, "target": f"#job-{self.pk}", "swap": "outerHTML"})

    async def job_partial(self, message: dict) -> None:
        index = message.get("output_index") or 0
        html = render_to_string(
            "studio/_tile.html",
            {
                "job_id": self.pk,
                "index": index,
                "partial": {"pk": message["image_id"], "partial_index": message["index"]},
                "active": True,
            },
        )
        await self.send_json({"content": html, "target": f"#job-{self.pk}-tile-{index}", "swap": "outerHTML"})

    async def job_final(self, message: dict) -> None:
        """One tile's finished image, before the job's other images are done."""
        index = message.get("output_index") or 0
        html = await database_sync_to_async(self._render_final_tile, thread_sensitive=False)(
            message["image_id"], index
        )
        if html:
            await self.send_json(
                {"content": html, "target": f"#job-{self.pk}-tile-{index}", "swap": "outerHTML"}
            )

    def _render_job(self) -> str:
        job = GenerationJob.objects.for_user(self.scope["user"]).in_studio().get(pk=self.pk)
        html = render_to_string("studio/_job.html", {"job": job})
        if not job.is_active:
            # The job is settled: the top bar's month spend changes with it (an out-of-band swap).
            summary = budgets.month_summary(self.scope["user"])
            html += render_to_string("studio/_budget_meter.html", {"budget_summary": summary, "oob": True})
        return html

    def _render_final_tile(self, image_id: int, index: int) -> str:
        image = (
            ImageAsset.objects.for_user(self.scope["user"])
            .finals()
            .filter(job_id=self.pk, pk=image_id)
            .select_related("job")
            .first()
        )
        if image is None:  # deleted meanwhile: the job's own update will show what is left
            return ""
        spec = from_json(image.job.request)
        context = {
            "job": image.job,
            "job_id": self.pk,
            "index": index,
            "final": image,
            "active": True,
            "original_id": spec.input_image_ids[0] if spec.input_image_ids else None,
        }
        return render_to_string("studio/_tile.html", context)
