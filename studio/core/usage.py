"""What one upstream call used, in our own words: tokens per model and kind, and their Decimal cost.

`openai_client` turns the API's usage blocks into `Usage`; `jobs` stores one `UsageRecord` per `Usage`.
A Responses API call uses two models: the image model (the tool's tokens) and the mainline model that
drives the turn; each is its own `Usage`, priced at its own rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from studio.core import pricing


@dataclass(frozen=True)
class Usage:
    model: str
    input_text_tokens: int = 0
    input_image_tokens: int = 0
    cached_input_tokens: int = 0  # of the input tokens, those billed at the cached rate
    output_tokens: int = 0
    partial_image_tokens: int = 0  # of the output tokens, those the partial images cost
    estimated: bool = False  # the service reported nothing: the figures come from the price table

    @property
    def cost_usd(self) -> Decimal:
        return pricing.cost(
            self.model,
            text=self.input_text_tokens,
            image=self.input_image_tokens,
            cached=self.cached_input_tokens,
            output=self.output_tokens,
        )


def estimated_image_usage(
    model: str, quality: str, size: str, *, prompt: str, partials: int, n: int = 1
) -> Usage:
    """The table's figure for `n` images, for a service that reported no usage for them."""
    estimate = pricing.estimate(model, quality, size, n=n, partial_images=partials, prompt=prompt)
    return Usage(
        model=model,
        input_text_tokens=estimate.input_text_tokens,
        output_tokens=estimate.output_tokens + estimate.partial_image_tokens,
        partial_image_tokens=estimate.partial_image_tokens,
        estimated=True,
    )


def estimated_mainline_usage(model: str, prompt: str, *, earlier_turns: int, input_images: int) -> Usage:
    """The table's figure for a turn's mainline model, for a response that never reported its usage."""
    estimate = pricing.estimate_mainline(
        model, prompt, earlier_turns=earlier_turns, input_images=input_images
    )
    return Usage(
        model=model,
        input_text_tokens=estimate.input_tokens,
        cached_input_tokens=estimate.cached_tokens,
        output_tokens=estimate.output_tokens,
        estimated=True,
    )


def mainline_usage(model: str, *, input_tokens: int, cached_tokens: int, output_tokens: int) -> Usage:
    """The mainline model's part of a Responses call (its `usage`): text and images alike count as input."""
    return Usage(
        model=model,
        input_text_tokens=input_tokens,
        cached_input_tokens=cached_tokens,
        output_tokens=output_tokens,
    )
