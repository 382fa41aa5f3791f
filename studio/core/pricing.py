"""Token and cost arithmetic, in Decimal, with every price in one table.

The estimate before a job uses the published tables; the actual cost after it uses the tokens the API reported.

Token model for sizes outside the tables (gpt-image-2 publishes only a calculator): a quality's 1024x1024 count
T scales as T x (pixels / 1024^2)^0.64 x (long edge / short edge)^-1.24, rounded. The exponents fit the
calculator's published high-quality figures (1536x1024 = 5,488; 1792x1024 = 5,063; 3584x2048 = 12,329) within
about 1%: tokens grow slower than the area, and a non-square image costs fewer tokens than a square one of the
same area. Such estimates are marked inexact, and so is `quality: auto` (estimated as medium).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from studio.core import sizes

MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")
MILL = Decimal("0.001")
SMALLEST = Decimal("0.0001")
PARTIAL_IMAGE_TOKENS = 100


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens."""

    text_input: Decimal
    image_input: Decimal
    image_output: Decimal
    cached_input: Decimal


PRICES = {
    "gpt-image-2": Prices(Decimal("5.00"), Decimal("8.00"), Decimal("30.00"), Decimal("1.25")),
    "gpt-image-1.5": Prices(Decimal("5.00"), Decimal("8.00"), Decimal("32.00"), Decimal("1.25")),
    "chatgpt-image-latest": Prices(Decimal("5.00"), Decimal("8.00"), Decimal("32.00"), Decimal("1.25")),
    "gpt-image-1-mini": Prices(Decimal("2.00"), Decimal("2.50"), Decimal("8.00"), Decimal("0.20")),
    "gpt-image-1": Prices(Decimal("5.00"), Decimal("10.00"), Decimal("40.00"), Decimal("1.25")),
}

# The mainline models that drive a conversation on the Responses API, per 1M tokens: input (text and
# images alike), cached input, output (reasoning included). From OpenAI's pricing page.
MAINLINE_PRICES = {
    "gpt-5.4": Prices(Decimal("2.50"), Decimal("2.50"), Decimal("15.00"), Decimal("0.25")),
    "gpt-5.4-mini": Prices(Decimal("0.75"), Decimal("0.75"), Decimal("4.50"), Decimal("0.075")),
    "gpt-5": Prices(Decimal("1.25"), Decimal("1.25"), Decimal("10.00"), Decimal("0.125")),
    "gpt-5-mini": Prices(Decimal("0.25"), Decimal("0.25"), Decimal("2.00"), Decimal("0.025")),
    "gpt-4.1": Prices(Decimal("2.00"), Decimal("2.00"), Decimal("8.00"), Decimal("0.50")),
}
MAINLINE_MODELS = tuple(MAINLINE_PRICES)

# What a turn's mainline call reads and writes, for the estimate before it is sent: the image tool's
# definition and instructions, then each earlier turn of the chain again (its prompt and image), most of
# it from the prompt cache; it writes its reasoning and a short answer. Close to what OpenAI reports.
MAINLINE_BASE_INPUT = 3_200
MAINLINE_PER_EARLIER_TURN = 850
MAINLINE_OUTPUT = 1_100

# Output tokens per image, by quality, for the sizes each model's table gives.
GPT_IMAGE_2_TOKENS = {
    "low": {(1024, 1024): 200, (1536, 1024): 167, (1024, 1536): 167},
    "medium": {(1024, 1024): 1756, (1536, 1024): 1367, (1024, 1536): 1367},
    "high": {(1024, 1024): 7024, (1536, 1024): 5488, (1024, 1536): 5488},
}
GPT_IMAGE_1_TOKENS = {
    "low": {(1024, 1024): 272, (1024, 1536): 408, (1536, 1024): 400},
    "medium": {(1024, 1024): 1056, (1024, 1536): 1584, (1536, 1024): 1568},
    "high": {(1024, 1024): 4160, (1024, 1536): 6240, (1536, 1024): 6208},
}


def _canonical(model: str) -> str:
    return "gpt-image-2" if model in sizes.GPT_IMAGE_2_MODELS else model


def mainline_prices(model: str) -> Prices | None:
    """A mainline model's prices (a dated snapshot is priced as its model), or None for a model not in the
    table: settings refuse such a model for ATELIER_MAINLINE_MODEL, so that no turn is costed at a guess."""
    if model in MAINLINE_PRICES:
        return MAINLINE_PRICES[model]
    for name in sorted(MAINLINE_PRICES, key=len, reverse=True):
        if model.startswith(f"{name}-20"):
            return MAINLINE_PRICES[name]
    return None


def prices_for(model: str) -> Prices:
    """An image model's prices, or a mainline model's."""
    return mainline_prices(model) or PRICES.get(_canonical(model), PRICES["gpt-image-2"])


@dataclass(frozen=True)
class MainlineEstimate:
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost_usd: Decimal


def estimate_mainline(
    model: str, prompt: str, *, earlier_turns: int, input_images: int = 0
) -> MainlineEstimate:
    """What the mainline model of a turn should cost: an estimate (OpenAI reports the real figure after)."""
    earlier = MAINLINE_PER_EARLIER_TURN * earlier_turns
    new = MAINLINE_BASE_INPUT + text_tokens(prompt) + 765 * input_images
    cached = earlier + MAINLINE_BASE_INPUT if earlier_turns else 0
    total = earlier + new
    cost = _cost(model, total, 0, cached, MAINLINE_OUTPUT)
    return MainlineEstimate(total, cached, MAINLINE_OUTPUT, cost)


@dataclass(frozen=True)
class Estimate:
    output_tokens: int
    partial_image_tokens: int
    input_text_tokens: int
    input_image_tokens: int
    cost_usd: Decimal
    is_exact: bool


def output_tokens(model: str, quality: str, width: int, height: int) -> tuple[int, bool]:
    """Output tokens of one image, and whether the figure comes straight from a published table."""
    exact = quality in ("low", "medium", "high")
    quality = quality if exact else "medium"
    table = (GPT_IMAGE_2_TOKENS if _canonical(model) == "gpt-image-2" else GPT_IMAGE_1_TOKENS)[quality]
    if (width, height) in table:
        return table[(width, height)], exact
    square = table[(1024, 1024)]
    ratio = max(width, height) / min(width, height)
    tokens = square * (width * height / 1024**2) ** 0.64 * ratio**-1.24
    return round(tokens), False


def text_tokens(prompt: str) -> int:
    """About four characters a token, as OpenAI's rule of thumb for English."""
    return math.ceil(len(prompt) / 4) if prompt else 0


def image_input_tokens(width: int, height: int) -> int:
    """An input image is fitted into 2048x2048, its short side brought down to 768, then 64 tokens plus
    176 per 512-pixel tile (a 1024x1024 reference is 768 tokens, as observed on gpt-image-2)."""
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return 64 + 176 * math.ceil(width / 512) * math.ceil(height / 512)


def estimate(
    model: str,
    quality: str,
    size: str,
    n: int = 1,
    partial_images: int = 0,
    input_images: list[tuple[int, int]] | tuple = (),
    prompt: str = "",
) -> Estimate:
    """What a request should cost before it is sent."""
    dimensions = sizes.parse_size(size) if size != "auto" else None
    width, height = dimensions or (1024, 1024)
    per_image, exact = output_tokens(model, quality, width, height)
    exact = exact and dimensions is not None
    output = per_image * n
    partial = PARTIAL_IMAGE_TOKENS * partial_images * n
    text = text_tokens(prompt)
    image_in = sum(image_input_tokens(w, h) for w, h in input_images)
    cost = _cost(model, text, image_in, 0, output + partial)
    return Estimate(output, partial, text, image_in, cost, exact)


def _cost(model: str, text: int, image_in: int, cached: int, output: int) -> Decimal:
    prices = prices_for(model)
    total = (
        (text - cached) * prices.text_input
        + cached * prices.cached_input
        + image_in * prices.image_input
        + output * prices.image_output
    ) / MILLION
    return total.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def cost(model: str, *, text: int, image: int = 0, cached: int = 0, output: int = 0) -> Decimal:
    """The actual cost of tokens the API reported (`cached` of the `text` input tokens at the cached rate)."""
    return _cost(model, text, image, min(cached, text), output)


def format_usd(amount: Decimal) -> str:
    """Money as people read it, the same way everywhere, with more digits only where the figure needs them:
    "$12.40" and "$1,234.50" from a dollar up; under a dollar the tenth of a cent OpenAI's price tables
    quote ("$0.053", but "$0.01", never "$0.010"); under a cent up to four places ("$0.0005", so a partial
    image does not read as free)."""
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    if size == 0:
        return "$0.00"
    if size >= 1:
        return f"{sign}${size.quantize(CENT, rounding=ROUND_HALF_UP):,}"
    places = SMALLEST if size < CENT else MILL
    fine = size.quantize(places, rounding=ROUND_HALF_UP)
    if fine == 0:
        return "> -$0.0001" if sign else "< $0.0001"
    text = f"{fine:f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{fine:.2f}"
    return f"{sign}${text}"
