"""Two small text calls around image generation: the moderation endpoint (free) on a prompt before it is
sent, and a text-only Responses call in which the mainline model rewrites a blocked prompt.

Our own results come out (`Moderation`, `Rewrite` with its `Usage`); the SDK's shapes stay here.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.openai_client.client import call_plain, get_client
from studio.core.usage import Usage, mainline_usage

MODERATION_MODEL = "omni-moderation-latest"
# The o-series and gpt-5 models reason; a rewrite needs little of it, and gpt-4o/gpt-4.1 refuse the setting.
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


@dataclass(frozen=True)
class Moderation:
    """What the moderation endpoint said of one text: flagged or not, the flagged categories by name
    (OpenAI's names, e.g. "violence/graphic"), and every category's score."""

    flagged: bool
    categories: tuple[str, ...]
    scores: dict[str, float]


@dataclass(frozen=True)
class Rewrite:
    text: str
    usage: Usage
    response_id: str


async def moderate(text: str) -> Moderation:
    """OpenAI's moderation of one text. Raises `ModelServiceError`."""
    _, answer = await call_plain(
        get_client().moderations.with_raw_response.create, model=MODERATION_MODEL, input=text
    )
    result = answer.results[0]
    flags = result.categories.model_dump(by_alias=True)
    scores = result.category_scores.model_dump(by_alias=True)
    return Moderation(
        flagged=bool(result.flagged),
        categories=tuple(name for name, flagged in flags.items() if flagged),
        scores={name: float(score or 0) for name, score in scores.items()},
    )


async def rewrite(model: str, instructions: str, text: str) -> Rewrite:
    """One text-only Responses call (no tools, not stored): the mainline model's answer to `text` under
    `instructions`, with its usage. Raises `ModelServiceError`."""
    kwargs: dict = {"model": model, "instructions": instructions, "input": text, "store": False}
    if model.startswith(_REASONING_PREFIXES):
        kwargs["reasoning"] = {"effort": "low"}
    _, response = await call_plain(get_client().responses.with_raw_response.create, **kwargs)
    details = getattr(response.usage, "input_tokens_details", None)
    usage = mainline_usage(
        model,
        input_tokens=response.usage.input_tokens if response.usage else 0,
        cached_tokens=getattr(details, "cached_tokens", 0) or 0,
        output_tokens=response.usage.output_tokens if response.usage else 0,
    )
    return Rewrite(text=(response.output_text or "").strip(), usage=usage, response_id=response.id)
