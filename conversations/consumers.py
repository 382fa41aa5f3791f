"""The conversation's live channel: turns re-rendered from the database whenever a job says "look again"."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.template.loader import render_to_string

from conversations.models import Conversation, Turn
from conversations.services import conversation_cost
from studio.consumers import OwnedObjectConsumer
from studio.core.broadcast import conversation_group


class ConversationConsumer(OwnedObjectConsumer):
    """A conversation's live channel: its turns re-rendered from the database, partials from the message."""

    model = Conversation
    group_for = staticmethod(conversation_group)

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
        html = render_to_string(
            "conversations/_turn_stage.html",
            {
                "job_id": message["job_id"],
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
            {"content": html, "target": f"#job-{message['job_id']}-stage", "swap": "outerHTML"}
        )

    async def _render_turn(self, job_id: int) -> tuple[int, str, str | None] | None:
        # In the thread pool, not the one shared thread of thread-sensitive calls: fifty conversations
        # updating at once then do not queue behind one another.
        return await database_sync_to_async(self._render_turn_now, thread_sensitive=False)(job_id)

    def _render_turn_now(self, job_id: int) -> tuple[int, str, str | None] | None:
        turn = Turn.objects.with_display_data().filter(job_id=job_id, conversation_id=self.pk).first()
        if turn is None:
            return None
        html = render_to_string("conversations/_turn.html", {"turn": turn})
        cost_html = None
        if not turn.job.is_active:
            cost = conversation_cost(turn.conversation)
            cost_html = render_to_string("conversations/_cost.html", {"cost": cost})
        return turn.pk, html, cost_html
