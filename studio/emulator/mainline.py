"""The mainline model of a Responses call: which models exist, which may call the image_generation tool, how
hard they reason, and what they read and write in tokens (the `usage` of the Response).

The image tool's own tokens are not here: they are `tool_usage.image_gen` (tokens.py), billed at the image
model's rates on top of these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import bad_request, invalid_enum
from .state import StoredResponse
from .tokens import text_tokens

# Every model id of OpenAI's published schema for `model` on /v1/responses (ModelIdsShared and
# ResponsesOnlyModel, openai-openapi f85dbe2). Anything else does not exist.
KNOWN_MODELS = frozenset(
    """
    gpt-5.6-sol gpt-5.6-terra gpt-5.6-luna gpt-5.6-cyber gpt-5.5 gpt-5.5-2026-04-23 gpt-5.5-pro
    gpt-5.5-pro-2026-04-23 gpt-5.4 gpt-5.4-mini gpt-5.4-nano gpt-5.4-mini-2026-03-17 gpt-5.4-nano-2026-03-17
    gpt-5.3-chat-latest gpt-5.2 gpt-5.2-2025-12-11 gpt-5.2-chat-latest gpt-5.2-pro gpt-5.2-pro-2025-12-11
    gpt-5.1 gpt-5.1-2025-11-13 gpt-5.1-codex gpt-5.1-codex-max gpt-5.1-mini gpt-5.1-chat-latest gpt-5
    gpt-5-mini gpt-5-nano gpt-5-2025-08-07 gpt-5-mini-2025-08-07 gpt-5-nano-2025-08-07 gpt-5-chat-latest
    gpt-5-codex gpt-5-pro gpt-5-pro-2025-10-06 gpt-4.1 gpt-4.1-mini gpt-4.1-nano gpt-4.1-2025-04-14
    gpt-4.1-mini-2025-04-14 gpt-4.1-nano-2025-04-14 o4-mini o4-mini-2025-04-16 o4-mini-deep-research
    o4-mini-deep-research-2025-06-26 o3 o3-2025-04-16 o3-mini o3-mini-2025-01-31 o3-pro o3-pro-2025-06-10
    o3-deep-research o3-deep-research-2025-06-26 o1 o1-2024-12-17 o1-preview o1-preview-2024-09-12 o1-mini
    o1-mini-2024-09-12 o1-pro o1-pro-2025-03-19 gpt-4o gpt-4o-2024-11-20 gpt-4o-2024-08-06 gpt-4o-2024-05-13
    gpt-4o-audio-preview gpt-4o-audio-preview-2024-10-01 gpt-4o-audio-preview-2024-12-17
    gpt-4o-audio-preview-2025-06-03 gpt-4o-mini-audio-preview gpt-4o-mini-audio-preview-2024-12-17
    gpt-4o-search-preview gpt-4o-mini-search-preview gpt-4o-search-preview-2025-03-11
    gpt-4o-mini-search-preview-2025-03-11 chatgpt-4o-latest codex-mini-latest gpt-4o-mini
    gpt-4o-mini-2024-07-18 gpt-4-turbo gpt-4-turbo-2024-04-09 gpt-4-0125-preview gpt-4-turbo-preview
    gpt-4-1106-preview gpt-4-vision-preview gpt-4 gpt-4-0314 gpt-4-0613 gpt-4-32k gpt-4-32k-0314
    gpt-4-32k-0613 gpt-3.5-turbo gpt-3.5-turbo-16k gpt-3.5-turbo-0301 gpt-3.5-turbo-0613 gpt-3.5-turbo-1106
    gpt-3.5-turbo-0125 gpt-3.5-turbo-16k-0613 computer-use-preview computer-use-preview-2025-03-11
    gpt-daybreak-blue-latest gpt-daybreak-red-latest
    """.split()  # noqa: SIM905 - a list of 100 names reads better as words
)
# The guide names "gpt-4o and newer" (gpt-image-1.5 era), then "gpt-5 and newer", as the mainline models of
# the image tool; audio, search, deep-research and codex variants have tools of their own only.
_IMAGE_TOOL_FAMILIES = ("gpt-4o", "gpt-4.1", "o3", "gpt-5")
_NO_IMAGE_TOOL = ("audio", "search", "deep-research", "codex", "o3-mini")

EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
DEFAULT_EFFORT = "medium"
# Reasoning tokens per effort: real gpt-5 turns with the image tool at medium effort reasoned 1,024 and 1,920.
REASONING_TOKENS = {"none": 0, "minimal": 0, "low": 256, "medium": 1024, "high": 2048, "xhigh": 3072}

# The image_generation tool's definition and the system prompt around it: a real first turn ("A cute fluffy
# cat", gpt-5-nano) read 3,151 input tokens.
IMAGE_TOOL_TOKENS = 3_120
MESSAGE_TOKENS = 7  # the role and the separators around one message
# OpenAI's prompt caching: prompts of 1,024 tokens or more, cached in steps of 128.
CACHE_MINIMUM = 1024
CACHE_STEP = 128


def check_model(model: str, *, image_tool: bool) -> None:
    if model not in KNOWN_MODELS:
        raise bad_request(
            f"The requested model '{model}' does not exist.", param="model", code="model_not_found"
        )
    if image_tool and not supports_image_tool(model):
        raise bad_request(f"Tool 'image_generation' is not supported with {model}.", param="tools", code=None)


def supports_image_tool(model: str) -> bool:
    return model.startswith(_IMAGE_TOOL_FAMILIES) and not any(word in model for word in _NO_IMAGE_TOOL)


def reasons(model: str) -> bool:
    """The o-series and gpt-5 models think before they answer (and bill it); gpt-4o and gpt-4.1 do not."""
    return model.startswith(("o1", "o3", "o4", "gpt-5", "codex"))


def reasoning_effort(model: str, reasoning: object) -> str | None:
    """The effort this call reasons with (None for a model that does not reason), from `reasoning.effort`."""
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if effort is None:
        return DEFAULT_EFFORT if reasons(model) else None
    if not reasons(model):
        raise bad_request(
            "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
            param="reasoning.effort",
            code="unsupported_parameter",
        )
    if effort not in EFFORTS:
        raise invalid_enum("reasoning.effort", effort, EFFORTS)
    return effort


def vision_tokens(width: int, height: int, detail: str = "auto") -> int:
    """What the mainline model reads of one image: OpenAI's vision rule for gpt-4o-class models (fit into
    2048x2048, short side down to 768, then 85 + 170 per 512-pixel tile; `low` detail is 85 flat)."""
    if detail == "low":
        return 85
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    tiles = math.ceil(width * scale / 512) * math.ceil(height * scale / 512)
    return 85 + 170 * tiles


@dataclass(frozen=True)
class MainlineUsage:
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int
    # What a follow-up reads again: this turn's input, its visible output and the image it made.
    context_tokens: int

    def body(self) -> dict:
        return {
            "input_tokens": self.input_tokens,
            "input_tokens_details": {"cached_tokens": self.cached_tokens, "cache_write_tokens": 0},
            "output_tokens": self.output_tokens,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.input_tokens + self.output_tokens,
        }


def mainline_usage(
    *,
    effort: str | None,
    previous: StoredResponse | None,
    instructions: str,
    user_text: str,
    image_reads: list[int],
    image_tool: bool,
    visible_output: str,
    image_made: tuple[int, int] | None,
) -> MainlineUsage:
    """The mainline model's tokens for one turn.

    A follow-up reads the whole chain again (every earlier turn's input, visible output and image), and the
    earlier turn's input is a prefix it has already sent: that share comes from the prompt cache.
    """
    carried = previous.context_tokens if previous is not None else (IMAGE_TOOL_TOKENS if image_tool else 0)
    input_tokens = (
        carried + text_tokens(instructions) + MESSAGE_TOKENS + text_tokens(user_text) + sum(image_reads)
    )
    cached = 0
    if previous is not None and input_tokens >= CACHE_MINIMUM:
        cached = previous.input_tokens // CACHE_STEP * CACHE_STEP
    reasoning = REASONING_TOKENS[effort] if effort is not None else 0
    visible = MESSAGE_TOKENS + text_tokens(visible_output)
    made = vision_tokens(*image_made) if image_made is not None else 0
    return MainlineUsage(
        input_tokens=input_tokens,
        cached_tokens=cached,
        output_tokens=reasoning + visible,
        reasoning_tokens=reasoning,
        # What a follow-up carries: not these `instructions`, which the server never carries over (§6.2).
        context_tokens=input_tokens - text_tokens(instructions) + visible + made,
    )
