"""`manage.py openai_check`: try Atelier against the real OpenAI service with the cheapest real calls, through
the same client code the app uses, and print what came back and what it cost.

1. one low-quality 1024x1024 generation on the Image API (no partials: one plain call);
2. a two-turn conversation on the Responses API with one partial image each, chained by previous_response_id;
3. one request the service must refuse (an unknown image model), to see its error as the app reads it.

With no OPENAI_API_KEY it says so and does nothing (exit 0). About $0.05 in all at today's prices.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand

from studio.core import openai_client
from studio.core.errors import ModelServiceError
from studio.core.openai_client import CallUsage, FinalImage, PartialImage, RequestStarted, ResponseCompleted
from studio.core.pricing import format_usd
from studio.core.requests import ImageOptions, ImageRequest, TurnRequest


class Command(BaseCommand):
    help = "Run the cheapest real calls against OpenAI and print what they returned and cost."

    def handle(self, *args, **options) -> None:
        if not settings.OPENAI_API_KEY:
            self.stdout.write(
                "No OPENAI_API_KEY is set: nothing to check (Atelier uses its emulator). Set one to try."
            )
            return
        self.stdout.write(f"Checking {settings.OPENAI_BASE_URL or 'https://api.openai.com/v1'} ...")
        total = asyncio.run(self._check())
        self.stdout.write(self.style.SUCCESS(f"Done. These calls cost {format_usd(total)} in all."))

    async def _check(self) -> Decimal:
        cheap = ImageOptions(quality="low", size="1024x1024")
        total = await self._run(
            "Image API generation (low, 1024x1024)",
            openai_client.create_images(
                ImageRequest(prompt="A small red kite in a blue sky", options=cheap), [], None
            ),
        )
        first = TurnRequest(
            prompt="A lighthouse on a cliff, simple flat illustration",
            options=ImageOptions(quality="low", size="1024x1024", partial_images=1),
            mainline_model=settings.ATELIER_MAINLINE_MODEL,
        )
        response_id = ""

        def remember(event) -> None:
            nonlocal response_id
            if isinstance(event, ResponseCompleted):
                response_id = event.response_id

        total += await self._run("Responses turn 1", openai_client.respond(first, [], None), remember)
        second = TurnRequest(
            prompt="Make it night, with the lamp lit",
            options=first.options,
            mainline_model=first.mainline_model,
            previous_response_id=response_id,
        )
        total += await self._run(
            f"Responses turn 2 (previous_response_id={response_id})", openai_client.respond(second, [], None)
        )
        refused = ImageRequest(prompt="A kite", options=ImageOptions(model="gpt-image-0-does-not-exist"))
        await self._run(
            "A request the service must refuse (unknown model)",
            openai_client.create_images(refused, [], None),
        )
        return total

    async def _run(self, title: str, events, on_event=None) -> Decimal:
        self.stdout.write(f"\n{title}")
        cost = Decimal("0")
        try:
            async for event in events:
                if on_event is not None:
                    on_event(event)
                if isinstance(event, RequestStarted):
                    self.stdout.write(f"  request id {event.request_id or '(none)'}")
                elif isinstance(event, PartialImage):
                    self.stdout.write(f"  partial image {event.index} ({len(event.image):,} bytes)")
                elif isinstance(event, FinalImage):
                    self.stdout.write(
                        f"  image {event.size} {event.quality} {event.output_format} ({len(event.image):,} bytes)"
                    )
                elif isinstance(event, CallUsage):
                    usage = event.usage
                    cost += usage.cost_usd
                    self.stdout.write(
                        f"  usage {usage.model}: {usage.input_text_tokens} text in ({usage.cached_input_tokens} cached),"
                        f" {usage.input_image_tokens} image in, {usage.output_tokens} out = {format_usd(usage.cost_usd)}"
                    )
                elif isinstance(event, ResponseCompleted):
                    self.stdout.write(f"  response {event.response_id}")
        except ModelServiceError as exc:
            self.stdout.write(f"  refused: {exc.code} (param {exc.param or '-'}): {exc.message}")
        return cost
