"""A long conversation made of rows and small images, without calling a model: for benchmarks, browser tests
and looking at long pages. Prints the conversation's id on its last line."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image, ImageDraw

from conversations.models import Conversation, Turn
from studio.core.requests import ImageOptions, TurnRequest, to_json
from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset


def seed_image(index: int, size: int) -> bytes:
    """A PNG of its own for each turn (a gradient and a disc), a few tens of KB at 1024 px."""
    hue = (index * 47) % 255
    image = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    image = Image.merge(
        "RGB",
        (image.getchannel(0), image.getchannel(0).point(lambda v: (v + hue) % 255), image.getchannel(0)),
    )
    draw = ImageDraw.Draw(image)
    radius = size // 4 + (index * 13) % (size // 5)
    centre = (size // 2 + (index * 31) % (size // 4), size // 2)
    draw.ellipse(
        [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius], fill=(hue, 80, 200)
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Command(BaseCommand):
    help = "Seed a finished conversation of N turns (rows and small images, no model calls) for a user."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", default="designer")
        parser.add_argument("--turns", type=int, default=200)
        parser.add_argument("--size", type=int, default=1024, help="Image width and height in px.")
        parser.add_argument("--branch-every", type=int, default=0, help="Every Nth turn branches (0: never).")

    def handle(self, *args, owner: str, turns: int, size: int, branch_every: int, **options) -> None:
        user = get_user_model().objects.get(username=owner)
        conversation = Conversation.objects.create(owner=user, title=f"A long conversation ({turns} turns)")
        options_ = ImageOptions(model="gpt-image-2", size=f"{size}x{size}", quality="low")
        made: list[Turn] = []
        for index in range(turns):
            branches = branch_every and index > 2 and index % branch_every == 0
            parent = made[-3] if branches else (made[-1] if made else None)
            prompt = f"Turn {index + 1}: make the disc {['bluer', 'larger', 'softer', 'brighter'][index % 4]}"
            previous = parent.job.response_id if parent else ""
            request = TurnRequest(
                prompt=prompt, options=options_, mainline_model="gpt-5.4", conversation_id=conversation.pk
            )
            now = timezone.now()
            job = GenerationJob.objects.create(
                owner=user,
                kind=GenerationJob.Kind.RESPONSE,
                status=GenerationJob.Status.SUCCEEDED,
                request=to_json(request),
                prompt=prompt,
                image_model="gpt-image-2",
                quality="low",
                size=options_.size,
                stage="Done",
                previous_response_id=previous,
                response_id=f"resp_seed_{conversation.pk}_{index}",
                started_at=now,
                finished_at=now,
            )
            store_image(user, seed_image(index, size), kind=ImageAsset.Kind.FINAL, job=job)
            made.append(
                Turn.objects.create(
                    conversation=conversation, parent=parent, job=job, branched=bool(branches)
                )
            )
        self.stdout.write(str(conversation.pk))
