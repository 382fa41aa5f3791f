"""The conversation's live channel: turns re-rendered from the database whenever a job says "look again"."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string

from conversations.models import Conversation, Turn
from conversations.services import conversation_cost
from studio.broadcast import bind_server_loop, conversation_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await self._owns_conversation(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        bind_server_loop()
        self.group = conversation_group(self.conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # The page only listens; anything it sends is answered with a clear refusal, not silence.
        await self.send_json({"type": "error", "message": "This channel only sends updates."})

    async def job_updated(self, message: dict) -> None:
        rendered = await self._render_turn(message["job_id"])
        if rendered is None:
            return
        turn_id, html, cost_html = rendered
        await self.send_json({"content": html, "target": f"#turn-{turn_id}", "swap": "outerHTML"})
        if cost_html is not None:
            await self.send_json({"content": cost_html, "target": "#conversation-cost", "swap": "outerHTML"})

    async def job_partial(self, message: dict) -> None:
        """The hot path: swap in the new partial image, rendered from the message alone (no query)."""
        if message.get("turn_id") is None:
            return
        html = render_to_string(
            "conversations/_turn_stage.html",
            {
                "turn_id": message["turn_id"],
                "partial": {
                    "pk": message["image_id"],
                    "partial_index": message["index"],
                    "width": message["width"],
                    "height": message["height"],
                },
                "active": True,
                "total": message["total"],
            },
        )
        await self.send_json(
            {"content": html, "target": f"#turn-{message['turn_id']}-stage", "swap": "outerHTML"}
        )

    @database_sync_to_async
    def _owns_conversation(self, user) -> bool:
        return Conversation.objects.for_user(user).filter(pk=self.conversation_id).exists()

    async def _render_turn(self, job_id: int) -> tuple[int, str, str | None] | None:
        # In the thread pool, not the one shared thread of thread-sensitive calls: fifty conversations
        # updating at once then do not queue behind one another.
        return await database_sync_to_async(self._render_turn_now, thread_sensitive=False)(job_id)

    def _render_turn_now(self, job_id: int) -> tuple[int, str, str | None] | None:
        turn = (
            Turn.objects.with_display_data()
            .filter(job_id=job_id, conversation_id=self.conversation_id)
            .first()
        )
        if turn is None:
            return None
        html = render_to_string("conversations/_turn.html", {"turn": turn})
        cost_html = None
        if not turn.job.is_active:
            cost = conversation_cost(turn.conversation)
            cost_html = render_to_string("conversations/_cost.html", {"cost": cost})
        return turn.pk, html, cost_html
