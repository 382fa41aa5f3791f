"""`POST /v1/moderations`: OpenAI's moderation endpoint, unflagged unless a test asks for a flag.

A flag comes from the `moderation-flag` fault (every result flagged; `moderation-flag;category=sexual` picks the
category, `violence` by default) or from a marker in a text: `[flag]` or `[flag:<category>]` flags the result
of the input that holds it, so pages that cannot set a header can still meet a flagged prompt.

The image endpoints have a marker of their own, `[block]`: a prompt that holds it is blocked by the safety
system at the input stage (`moderation_blocked`), unless it is sent with `moderation: low`; this module says
which prompts those are (`blocked_by_marker`). `[block]` also flags the prompt here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from .errors import APIError, bad_request, invalid_type, missing_parameter, unknown_parameter
from .uploads import decode_data_url
from .wire import Call, JsonReply

OMNI_MODELS = frozenset({"omni-moderation-latest", "omni-moderation-2024-09-26"})
TEXT_MODELS = frozenset({"text-moderation-latest", "text-moderation-stable", "text-moderation-007"})
DEFAULT_MODEL = "omni-moderation-latest"
# The categories of omni-moderation, in the order OpenAI lists them; the ones that read images too.
CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
IMAGE_CATEGORIES = frozenset(
    {"self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "violence", "violence/graphic"}
)
DEFAULT_FLAG = "violence"
FLAG_MARKER = re.compile(r"\[flag(?::([a-z/-]+))?\]")
BLOCK_MARKER = "[block]"


def blocked_by_marker(prompt: str, moderation: str) -> bool:
    """Whether the image endpoints block this prompt at the input stage: it holds `[block]`, and the
    request did not ask for `moderation: low`."""
    return BLOCK_MARKER in prompt and moderation != "low"


async def create_moderation(call: Call) -> JsonReply:
    body = call.request.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", param=None, code="invalid_type")
    for key in body:
        if key not in ("input", "model"):
            raise unknown_parameter(key)
    model = body.get("model", DEFAULT_MODEL)
    if not isinstance(model, str):
        raise invalid_type("model", "a string", model)
    if model not in OMNI_MODELS | TEXT_MODELS:
        raise bad_request(
            f"The requested model '{model}' does not exist.", param="model", code="model_not_found"
        )
    inputs = read_inputs(body.get("input"), model)
    await call.pace()
    flag_all = (
        flagged_category(call.fault_option("category") or DEFAULT_FLAG)
        if call.suffers("moderation-flag")
        else None
    )
    results = [moderate(texts, images, flag_all) for texts, images in inputs]
    return JsonReply(200, {"id": f"modr-{secrets.token_hex(16)}", "model": model, "results": results})


Input = tuple[list[str], int]  # the texts and the number of images of one moderated input


def read_inputs(raw: Any, model: str) -> list[Input]:
    """A string, an array of strings (one result each), or an array of text and image parts (one result)."""
    if raw is None:
        raise missing_parameter("input")
    if isinstance(raw, str):
        return [([raw], 0)]
    if not isinstance(raw, list) or not raw:
        raise invalid_type("input", "a string or an array", raw)
    if all(isinstance(item, str) for item in raw):
        return [([item], 0) for item in raw]
    texts, images = [], 0
    for index, part in enumerate(raw):
        param = f"input[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if "text" not in part:
                raise missing_parameter(f"{param}.text")
            if not isinstance(part["text"], str):
                raise invalid_type(f"{param}.text", "a string", part["text"])
            texts.append(part["text"])
        elif kind == "image_url":
            url = part.get("image_url", {}).get("url") if isinstance(part.get("image_url"), dict) else None
            if not isinstance(url, str):
                raise missing_parameter(f"{param}.image_url.url")
            if model in TEXT_MODELS:
                raise bad_request(
                    f"Model '{model}' does not support image inputs.",
                    param=f"{param}.type",
                    code="invalid_value",
                )
            if url.startswith("data:"):
                decode_data_url(url, param=f"{param}.image_url.url")
            images += 1
        else:
            raise bad_request(f"Invalid value: '{kind}'.", param=f"{param}.type", code="invalid_value")
    return [(texts, images)]


def flagged_category(name: str) -> str:
    if name not in CATEGORIES:
        raise APIError(
            400,
            f"Unknown moderation category {name!r} for the emulator; known: {', '.join(CATEGORIES)}.",
            param=None,
            code="unknown_emulator_fault",
        )
    return name


def moderate(texts: list[str], images: int, flag_all: str | None) -> dict:
    flagged = {flag_all} if flag_all is not None else set()
    for text in texts:
        flagged |= {flagged_category(found or DEFAULT_FLAG) for found in FLAG_MARKER.findall(text)}
        if BLOCK_MARKER in text:
            flagged.add(DEFAULT_FLAG)
    seed = hashlib.sha256("\n".join(texts).encode() + bytes([images])).digest()
    scores = {}
    for number, category in enumerate(CATEGORIES):
        # Small, stable scores for what is not flagged; a clear one for what is.
        low = (seed[number] + 1) / 256 * 1e-3
        scores[category] = 0.97 if category in flagged else round(low, 8)
    applied = {}
    for category in CATEGORIES:
        kinds = ["text"] if texts else []
        if images and category in IMAGE_CATEGORIES:
            kinds.append("image")
        applied[category] = kinds
    return {
        "flagged": bool(flagged),
        "categories": {category: category in flagged for category in CATEGORIES},
        "category_scores": scores,
        "category_applied_input_types": applied,
    }
