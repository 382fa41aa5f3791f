"""The conversation's live channel: turns re-rendered from the database whenever a job says "look again"."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.template.loader import render_to_string

from conversations.branches import branch_map
from conversations.models import Conversation, Turn
from conversations.services import cost_of
from studio.consumers import OwnedObjectConsumer
from studio.core import budgets
from studio.core.broadcast import conversation_group


class ConversationConsumer(OwnedObjectConsumer):
    """A conversation's live channel: its turns re-rendered from the database, partials from the message."""

    model = Conversation
    group_for = staticmethod(conversation_group)

    async def job_updated(self, message: dict) -> None:
        rendered = await self._render_turn(message["job_id"], ended=message.get("ended", False))
        if rendered is None:
            return
        turn_id, html, finished_html = rendered
        await self.send_json({"content": html, "target": f"#turn-{turn_id}", "swap": "outerHTML"})
        if finished_html is not None:
            cost_html, map_html, spend_html = finished_html
            await self.send_json({"content": cost_html, "target": "#conversation-cost", "swap": "outerHTML"})
            await self.send_json({"content": map_html, "target": "#branch-map", "swap": "outerHTML"})
            await self.send_json({"content": spend_html, "target": "#budget-meter", "swap": "outerHTML"})

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

    async def _render_turn(
        self, job_id: int, *, ended: bool
    ) -> tuple[int, str, tuple[str, str, str] | None] | None:
        # In the thread pool, not the one shared thread of thread-sensitive calls: fifty conversations
        # updating at once then do not queue behind one another. Plain sync_to_async, as the job runner's
        # database calls in the same pool: channels' database_sync_to_async closes the thread's connection
        # after each call (CONN_MAX_AGE is 0), and the next call there, a job's write or this, opened a new
        # one (a tenth of the server's CPU with twenty turns at once).
        return await sync_to_async(self._render_turn_now, thread_sensitive=False)(job_id, ended=ended)

    def _render_turn_now(
        self, job_id: int, *, ended: bool = False
    ) -> tuple[int, str, tuple[str, str, str] | None] | None:
        """The turn; once its job has ended, the conversation's cost, its branch map and the top bar's month
        spend too (as the Studio's job channel does). Three queries (the turns, their images, their usage) for
        a running turn, read alone; an ended one (as the message says) is read with the rest of the
        conversation, which the map and the cost need, and the month's spend takes three more."""
        turns = Turn.objects.with_display_data().filter(conversation_id=self.pk)
        everything = list(turns) if ended else None
        if everything is not None:
            turn = next((each for each in everything if each.job_id == job_id), None)
        else:
            turn = next(iter(turns.filter(job_id=job_id).order_by()[:1]), None)  # no order to compute
        if turn is None:
            return None
        html = render_to_string("conversations/_turn.html", {"turn": turn})
        if turn.job.is_active:
            return turn.pk, html, None
        if everything is None:  # it ended after the message was sent
            everything = list(turns)
        cost_html = render_to_string("conversations/_cost.html", {"cost": cost_of(everything)})
        map_html = render_to_string("conversations/_branch_map.html", {"branches": branch_map(everything)})
        spend = budgets.month_summary(self.scope["user"])
        spend_html = render_to_string("studio/_budget_meter.html", {"budget_summary": spend})
        return turn.pk, html, (cost_html, map_html, spend_html)
