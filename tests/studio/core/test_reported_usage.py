"""A turn's usage as the Responses API reports it: the image tool's own figures when it sends them, and the
price table's figure for the image as it was made when it does not (`tool_usage` may be missing)."""

from __future__ import annotations

import openai
import pytest

from studio.core import pricing
from studio.core.openai_client.responses import _turn_usages
from studio.core.requests import ImageOptions, TurnRequest

pytestmark = pytest.mark.django_db


def made_turn(emulator, **tool):
    """A real response of the emulator, for a tool asked for `tool` (here what the server chose for `auto`)."""
    client = openai.OpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=0)
    return client.responses.create(
        model="gpt-5.4", input="A kite over a hill", tools=[{"type": "image_generation", **tool}]
    )


def auto_request() -> TurnRequest:
    options = ImageOptions(model="gpt-image-2", size="auto", quality="auto", output_format="png")
    return TurnRequest(prompt="A kite over a hill", options=options, mainline_model="gpt-5.4")


def test_the_image_tools_own_figures_are_used_when_it_sends_them(emulator):
    response = made_turn(emulator, quality="high", size="1536x1024")
    image, mainline = _turn_usages(auto_request(), response, partials=0)
    assert not image.usage.estimated
    assert image.usage.output_tokens == response.tool_usage.image_gen.output_tokens == 5488
    assert mainline.usage.model == "gpt-5.4"


def test_without_tool_usage_the_image_is_costed_as_it_was_made_not_as_it_was_asked(emulator):
    """Asked for `auto`, made at high quality and 1536x1024: the table's figure for that (5,488 output
    tokens), not for medium at 1024x1024 (1,756), which cost a third of it."""
    response = made_turn(emulator, quality="high", size="1536x1024").model_copy(update={"tool_usage": None})
    image, _mainline = _turn_usages(auto_request(), response, partials=2)
    assert image.usage.estimated
    assert image.usage.output_tokens == 5488 + 2 * pricing.PARTIAL_IMAGE_TOKENS
    assert (
        image.usage.cost_usd
        == pricing.estimate(
            "gpt-image-2", "high", "1536x1024", partial_images=2, prompt="A kite over a hill"
        ).cost_usd
    )
