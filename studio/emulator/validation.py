"""The server's own rules for image options: models, sizes, enums and ranges, with the real error bodies.

This is the emulator's copy of OpenAI's rules; it never imports the app's validation, so a bug in one cannot hide
a bug in the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import config
from .errors import (
    USER_ERROR,
    bad_request,
    integer_out_of_range,
    invalid_enum,
    invalid_size,
    invalid_type,
    missing_parameter,
    model_not_found,
    string_too_long,
)

GPT_IMAGE_2 = frozenset({"gpt-image-2", "gpt-image-2-2026-04-21"})
GPT_IMAGE_1X = frozenset({"gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest"})
# dall-e-2 and dall-e-3 were retired on 2026-05-12, gpt-image-1 shut down on 2026-10-23: the server now answers
# for them exactly as for a model that never existed.
IMAGE_MODELS = GPT_IMAGE_2 | GPT_IMAGE_1X

STANDARD_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
MAX_EDGE = 3840
MIN_PIXELS = 655_360
MAX_PIXELS = 8_294_400
MAX_PROMPT = 32_000

QUALITIES = ("low", "medium", "high", "auto")
BACKGROUNDS = ("transparent", "opaque", "auto")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
MODERATIONS = ("auto", "low")
FIDELITIES = ("high", "low")
# `quality: auto` resolves to medium (a real auto edit billed 1756 output tokens, the medium figure).
AUTO_QUALITY = "medium"

_SIZE_RE = re.compile(r"^(\d+)x(\d+)$")


@dataclass(frozen=True)
class ImageOptions:
    """Options for one image call with every `auto` resolved to the value the server really uses."""

    model: str
    width: int
    height: int
    quality: str
    background: str
    output_format: str
    output_compression: int
    moderation: str
    partial_images: int
    n: int
    input_fidelity: str | None

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def described(self) -> dict[str, str]:
        """The four fields every image result and event carries."""
        return {
            "size": self.size,
            "quality": self.quality,
            "background": self.background,
            "output_format": self.output_format,
        }


class Fields:
    """Typed reads of request parameters, naming each parameter the way the server names it in errors.

    `from_form` is for multipart bodies, where every scalar arrives as text.
    """

    def __init__(
        self, raw: Mapping[str, Any], *, from_form: bool = False, name: Callable[[str], str] = str
    ) -> None:
        self.raw = raw
        self.from_form = from_form
        self.name = name

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def string(self, key: str, default: str | None = None) -> str | None:
        if not self.has(key):
            return default
        value = self.raw[key]
        if not isinstance(value, str):
            raise invalid_type(self.name(key), "a string", value)
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.string(key, default)
        if value not in allowed:
            raise invalid_enum(self.name(key), value, allowed)
        return value

    def integer(self, key: str, default: int, minimum: int, maximum: int) -> int:
        if not self.has(key):
            return default
        value = self.raw[key]
        if self.from_form and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_type(self.name(key), "an integer", value)
        if not minimum <= value <= maximum:
            raise integer_out_of_range(self.name(key), value, minimum, maximum)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.raw[key]
        if self.from_form and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise invalid_type(self.name(key), "a boolean", value)
        return value


def check_model(fields: Fields, *, default: str | None = None) -> str:
    model = fields.string("model", default)
    if model is None:
        raise bad_request("you must provide a model parameter", param=None, code=None)
    if model not in IMAGE_MODELS:
        raise model_not_found(model, param=fields.name("model"))
    return model


def check_prompt(fields: Fields, key: str = "prompt") -> str:
    if not fields.has(key):
        raise missing_parameter(fields.name(key))
    prompt = fields.string(key)
    assert prompt is not None
    return check_prompt_text(prompt, fields.name(key))


def check_prompt_text(prompt: str, param: str) -> str:
    if not prompt.strip():
        raise bad_request(
            f"Invalid '{param}': string too short. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            param=param,
            code="string_below_min_length",
        )
    if len(prompt) > MAX_PROMPT:
        raise string_too_long(param, len(prompt), MAX_PROMPT)
    return prompt


def parse_size(size: str, model: str, *, param: str) -> tuple[int, int] | None:
    """The requested size as (width, height), or None for `auto`; the server's size rules per model."""
    if size == "auto":
        return None
    match = _SIZE_RE.match(size)
    if model not in GPT_IMAGE_2:
        if match and (int(match[1]), int(match[2])) in STANDARD_SIZES:
            return int(match[1]), int(match[2])
        raise bad_request(
            f"Invalid size '{size}'. Supported sizes are 1024x1024, 1024x1536, 1536x1024, and auto.",
            param=param,
            code="invalid_value",
            type=USER_ERROR,
        )
    if not match:
        raise invalid_size(size, "Expected WIDTHxHEIGHT, for example '1824x1024'.", param=param)
    width, height = int(match[1]), int(match[2])
    if width % 16 or height % 16:
        raise invalid_size(size, "Width and height must both be divisible by 16.", param=param)
    if max(width, height) > MAX_EDGE:
        raise invalid_size(size, f"The longest edge must be {MAX_EDGE} pixels or less.", param=param)
    if max(width, height) > 3 * min(width, height):
        raise invalid_size(size, "The aspect ratio must be between 1:3 and 3:1.", param=param)
    if not MIN_PIXELS <= width * height <= MAX_PIXELS:
        raise invalid_size(
            size,
            f"The total number of pixels must be between {MIN_PIXELS:,} and {MAX_PIXELS:,}.",
            param=param,
        )
    return width, height


def auto_size(model: str, reference: tuple[int, int] | None) -> tuple[int, int]:
    """What `size: auto` becomes: square for a fresh image, the reference's shape for an edit."""
    if reference is None:
        return 1024, 1024
    width, height = reference
    if model not in GPT_IMAGE_2:
        return min(STANDARD_SIZES, key=lambda size: abs(size[0] / size[1] - width / height))
    # Keep the reference's shape within the size rules, on the 16-pixel grid.
    ratio = min(max(width / height, 1 / 3), 3)
    pixels = min(max(width * height, MIN_PIXELS), MAX_PIXELS)
    new_height = (pixels / ratio) ** 0.5
    new_width = new_height * ratio
    scale = min(1.0, MAX_EDGE / max(new_width, new_height))
    snapped_width = max(16, int(new_width * scale) // 16 * 16)
    snapped_height = max(16, int(new_height * scale) // 16 * 16)
    while snapped_width * snapped_height < MIN_PIXELS:
        snapped_width, snapped_height = snapped_width + 16, snapped_height + 16
    return snapped_width, snapped_height


def read_image_options(
    fields: Fields,
    *,
    model: str,
    rule_param: Callable[[str], str],
    allow_n: bool = True,
    reference: tuple[int, int] | None = None,
    accepts_fidelity: bool = False,
) -> ImageOptions:
    """Validate the image options shared by generations, edits and the Responses tool.

    `rule_param` names the parameter in errors raised by the image model's own rules (size, transparency,
    fidelity): the field itself on the Image API, `tools` when the call came through the Responses tool.
    """
    size_text = fields.string("size", "auto")
    assert size_text is not None
    requested = parse_size(size_text, model, param=rule_param("size"))
    width, height = requested or auto_size(model, reference)
    quality = fields.choice("quality", QUALITIES, "auto")
    background = fields.choice("background", BACKGROUNDS, "auto")
    output_format = fields.choice("output_format", OUTPUT_FORMATS, "png")
    output_compression = fields.integer("output_compression", 100, 0, 100)
    moderation = fields.choice("moderation", MODERATIONS, "auto")
    partial_images = fields.integer("partial_images", 0, 0, 3)
    n = fields.integer("n", 1, 1, 10) if allow_n else 1
    fidelity = None
    if accepts_fidelity and fields.has("input_fidelity"):
        if model in GPT_IMAGE_2:
            raise bad_request(
                f"The model '{model}' does not support the 'input_fidelity' parameter.",
                param=rule_param("input_fidelity"),
                code="unsupported_parameter",
            )
        fidelity = fields.choice("input_fidelity", FIDELITIES, "low")
        if model == "gpt-image-1-mini" and fidelity == "high":
            raise invalid_enum(fields.name("input_fidelity"), fidelity, ("low",))
    if background == "transparent":
        if model in GPT_IMAGE_2 and not config.transparent_on_gpt_image_2():
            raise bad_request(
                "Transparent background is not supported for this model.",
                param=rule_param("background"),
                code="invalid_value",
                type=USER_ERROR,
            )
        if output_format == "jpeg":
            raise bad_request(
                "Transparent background requires output_format 'png' or 'webp'.",
                param=rule_param("background"),
                code="invalid_value",
                type=USER_ERROR,
            )
    return ImageOptions(
        model=model,
        width=width,
        height=height,
        quality=AUTO_QUALITY if quality == "auto" else quality,
        background="opaque" if background == "auto" else background,
        output_format=output_format,
        output_compression=output_compression,
        moderation=moderation,
        partial_images=partial_images,
        n=n,
        input_fidelity=fidelity,
    )
