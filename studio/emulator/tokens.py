"""Token counts for `usage`, from the published price tables (shared/reference §8).

Output tokens per image:
- gpt-image-1.x: the three standard sizes from the token table (only those sizes exist for them).
- gpt-image-2: the standard sizes from the price table at $30 per 1M image output tokens, with the observed
  7,024 (1024x1024 high), 5,488 (1536x1024 high) and 1,756 (an `auto` = medium 1024x1024 edit). Any other size
  scales the 1024x1024 figure of its quality as `T * (pixels / 1024²) ** 0.64 * (long / short) ** -1.24`:
  fitted on the calculator's 1536x1024, 1792x1024 and 3584x2048 high figures (within 1%), it grows slower
  than the area and makes a non-square image cheaper than a square one of the same area, as the guide says.
- Each partial image adds 100 output tokens.

Input tokens: text tokens from the prompt (one per run of up to six letters or digits and one per other mark,
about what OpenAI's tokenizer gives for English), and image tokens for every input image: fitted into 2048x2048,
its short side brought down to 768, then 64 + 176 per 512-pixel tile (a 1024x1024 reference is 768 tokens, as
observed on a real gpt-image-2 edit).
"""

from __future__ import annotations

import math
import re

from .validation import GPT_IMAGE_2, ImageOptions

PARTIAL_IMAGE_TOKENS = 100

_TABLE_1X = {
    "low": {(1024, 1024): 272, (1024, 1536): 408, (1536, 1024): 400},
    "medium": {(1024, 1024): 1056, (1024, 1536): 1584, (1536, 1024): 1568},
    "high": {(1024, 1024): 4160, (1024, 1536): 6240, (1536, 1024): 6208},
}
_TABLE_2 = {
    "low": {(1024, 1024): 200, (1024, 1536): 167, (1536, 1024): 167},
    "medium": {(1024, 1024): 1756, (1024, 1536): 1367, (1536, 1024): 1367},
    "high": {(1024, 1024): 7024, (1024, 1536): 5488, (1536, 1024): 5488},
}
_AREA_EXPONENT = 0.64
_ASPECT_EXPONENT = -1.24
_WORD_RE = re.compile(r"[^\W_]{1,6}|[^\w\s]|_")


def image_output_tokens(model: str, quality: str, width: int, height: int) -> int:
    table = _TABLE_2 if model in GPT_IMAGE_2 else _TABLE_1X
    exact = table[quality].get((width, height))
    if exact is not None:
        return exact
    square = table[quality][(1024, 1024)]
    area = width * height / (1024 * 1024)
    aspect = max(width, height) / min(width, height)
    return max(1, round(square * area**_AREA_EXPONENT * aspect**_ASPECT_EXPONENT))


def text_tokens(text: str) -> int:
    return len(_WORD_RE.findall(text))


def image_input_tokens(width: int, height: int) -> int:
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    tiles = math.ceil(width / 512) * math.ceil(height / 512)
    return 64 + 176 * tiles


def image_usage(
    options: ImageOptions,
    *,
    prompt: str,
    input_sizes: list[tuple[int, int]],
    images: int,
    partials_per_image: int,
) -> dict:
    """The `usage` object of an Image API result (also `tool_usage.image_gen` on the Responses API)."""
    text = text_tokens(prompt)
    image_in = sum(image_input_tokens(width, height) for width, height in input_sizes)
    per_image = image_output_tokens(options.model, options.quality, options.width, options.height)
    output = images * (per_image + PARTIAL_IMAGE_TOKENS * partials_per_image)
    return {
        "input_tokens": text + image_in,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
        "output_tokens": output,
        "output_tokens_details": {"image_tokens": output, "text_tokens": 0},
        "total_tokens": text + image_in + output,
    }
