"""Small helpers to make conversations and run their turns against the emulator."""

from __future__ import annotations

from conversations import services
from conversations.models import Conversation, Turn

DEFAULT_TOOL = {
    "model": "gpt-image-2",
    "size": "1024x1024",
    "quality": "low",
    "output_format": "png",
    "moderation": "auto",
    "partial_images": 2,
}


def make_conversation(owner, **fields) -> Conversation:
    return Conversation.objects.create(owner=owner, **fields)


def send_turn(conversation: Conversation, prompt: str, capture, parent: Turn | None = None, **tool) -> Turn:
    """Start a turn and run its job to the end (the job runs when the transaction commits)."""
    with capture(execute=True):
        turn = services.start_turn(
            conversation, prompt=prompt, tool_options={**DEFAULT_TOOL, **tool}, parent=parent
        )
    turn.refresh_from_db()
    turn.job.refresh_from_db()
    return turn
