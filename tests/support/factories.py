"""Small helpers to make the things tests need: conversations and their turns run against the emulator,
Studio requests and jobs."""

from __future__ import annotations

from dataclasses import replace

from conversations import services
from conversations.models import Conversation, Turn
from studio.core.jobs import queue_job
from studio.core.requests import ImageOptions, ImageRequest, to_json
from studio.models import GenerationJob

TOOL = ImageOptions(model="gpt-image-2", size="1024x1024", quality="low", partial_images=2)


def tool_options(**changes) -> ImageOptions:
    """The image options of a test turn: low quality, two partials, unless told otherwise."""
    return replace(TOOL, **changes)


def make_conversation(owner, **fields) -> Conversation:
    return Conversation.objects.create(owner=owner, **fields)


def send_turn(conversation: Conversation, prompt: str, capture, parent: Turn | None = None, **tool) -> Turn:
    """Start a turn and run its job to the end (the job runs when the transaction commits)."""
    with capture(execute=True):
        turn = services.start_turn(conversation, prompt=prompt, options=tool_options(**tool), parent=parent)
    turn.refresh_from_db()
    turn.job.refresh_from_db()
    return turn


def image_request(prompt: str = "a lighthouse at dusk", n: int = 1, **options) -> ImageRequest:
    return ImageRequest(prompt=prompt, n=n, options=tool_options(**{"partial_images": 0, **options}))


def run_image_job(owner, capture, request: ImageRequest | None = None) -> GenerationJob:
    """Queue an Image API job and run it to the end."""
    with capture(execute=True):
        job = queue_job(owner, request or image_request())
    job.refresh_from_db()
    return job


def make_finished_job(owner, *, prompt: str = "a lighthouse", n: int = 1, **options) -> GenerationJob:
    """A succeeded Image API job row, made without a call (for lists and filters); add its images."""
    request = image_request(prompt, n=n, **options)
    return GenerationJob.objects.create(
        owner=owner,
        kind=request.kind,
        status=GenerationJob.Status.SUCCEEDED,
        request=to_json(request),
        prompt=prompt,
        image_model=request.options.model,
        quality=request.options.quality,
        size=request.options.size,
    )
