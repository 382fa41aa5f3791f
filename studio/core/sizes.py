"""Size rules per image model, in one place: the forms, live validation in the browser and the job
boundary all ask this module."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

DEFAULT_MODEL = "gpt-image-2"

GPT_IMAGE_2_MODELS = ("gpt-image-2", "gpt-image-2-2026-04-21")
FIXED_SIZE_MODELS = ("gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest")
RETIRED_MODELS = {
    "gpt-image-1": "gpt-image-1 was shut down on 2026-10-23; use gpt-image-2.",
    "dall-e-2": "DALL-E 2 was retired on 2026-05-12; use gpt-image-2.",
    "dall-e-3": "DALL-E 3 was retired on 2026-05-12; use gpt-image-2.",
}
FIXED_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))

# gpt-image-2's published constraints.
MAX_EDGE = 3840
EDGE_MULTIPLE = 16
MAX_RATIO = 3.0
MIN_PIXELS = 655_360
MAX_PIXELS = 8_294_400
EXPERIMENTAL_PIXELS = 2560 * 1440

TRANSPARENCY_NOTE = "gpt-image-2 cannot make transparent backgrounds (the API refuses them); remove the background afterwards."


@dataclass(frozen=True)
class Preset:
    size: str
    label: str


PRESETS = (
    Preset("1024x1024", "Square"),
    Preset("1536x1024", "Landscape"),
    Preset("1024x1536", "Portrait"),
    Preset("2048x2048", "Square 2K"),
    Preset("3840x2160", "4K UHD (experimental)"),
)


@dataclass(frozen=True)
class SizeCheck:
    ok: bool
    width: int | None = None
    height: int | None = None
    errors: list[str] = field(default_factory=list)
    experimental: bool = False


def offered_models() -> tuple[str, ...]:
    return GPT_IMAGE_2_MODELS + FIXED_SIZE_MODELS


def supports_transparency(model: str) -> bool:
    return model in FIXED_SIZE_MODELS


def presets_for(model: str) -> tuple[Preset, ...]:
    return tuple(p for p in PRESETS if check_size(model, p.size).ok)


_SIZE = re.compile(r"^\s*(\d{1,6})\s*[x×*]\s*(\d{1,6})\s*$", re.IGNORECASE)


def parse_size(size: str) -> tuple[int, int] | None:
    match = _SIZE.match(size or "")
    return (int(match[1]), int(match[2])) if match else None


def check_size(model: str, size: str) -> SizeCheck:
    """Whether `size` ("auto" or "WIDTHxHEIGHT") is one `model` accepts, with plain-English reasons if not."""
    if model in RETIRED_MODELS:
        return SizeCheck(False, errors=[RETIRED_MODELS[model]])
    if model not in offered_models():
        return SizeCheck(False, errors=[f"Unknown model {model!r}."])
    if (size or "").strip().lower() == "auto":
        return SizeCheck(True)
    parsed = parse_size(size)
    if parsed is None:
        return SizeCheck(
            False, errors=[f"{size!r} is not a size: write WIDTHxHEIGHT, for example 1536x1024."]
        )
    width, height = parsed
    if model in FIXED_SIZE_MODELS:
        if parsed in FIXED_SIZES:
            return SizeCheck(True, width, height)
        return SizeCheck(
            False, width, height, [f"{model} makes only 1024x1024, 1536x1024 and 1024x1536 (or auto)."]
        )
    errors = []
    if width % EDGE_MULTIPLE or height % EDGE_MULTIPLE:
        errors.append("Width and height must both be multiples of 16.")
    if max(width, height) > MAX_EDGE:
        errors.append(f"The longest edge can be at most {MAX_EDGE} pixels.")
    if min(width, height) == 0 or max(width, height) / min(width, height) > MAX_RATIO:
        errors.append("The long edge can be at most 3 times the short edge.")
    pixels = width * height
    if pixels < MIN_PIXELS:
        errors.append(f"Too small: at least {MIN_PIXELS:,} pixels (e.g. 1024x640); this is {pixels:,}.")
    if pixels > MAX_PIXELS:
        errors.append(f"Too large: at most {MAX_PIXELS:,} pixels (e.g. 3840x2160); this is {pixels:,}.")
    return SizeCheck(
        not errors, width, height, errors, experimental=not errors and pixels > EXPERIMENTAL_PIXELS
    )


def nearest_valid_size(model: str, width: int, height: int) -> tuple[int, int]:
    """The valid size closest to width x height, keeping its shape as well as the rules allow."""
    if model in FIXED_SIZE_MODELS:
        ratio = width / max(height, 1)
        return min(FIXED_SIZES, key=lambda s: (abs(math.log(s[0] / s[1]) - math.log(max(ratio, 1e-6))), s))
    width, height = max(width, 1), max(height, 1)
    ratio = min(max(width / height, 1 / MAX_RATIO), MAX_RATIO)
    pixels = min(max(width * height, MIN_PIXELS), MAX_PIXELS)
    # Scale to the clamped area at the clamped ratio, then fit the longest edge.
    w = math.sqrt(pixels * ratio)
    h = w / ratio
    scale = min(1.0, MAX_EDGE / max(w, h))
    w, h = w * scale, h * scale
    best = None
    for cw in _multiples_near(w):
        for ch in _multiples_near(h):
            if check_size(model, f"{cw}x{ch}").ok:
                score = (abs(math.log(cw / ch) - math.log(ratio)), abs(cw * ch - w * h))
                if best is None or score < best[0]:
                    best = (score, (cw, ch))
    return best[1] if best else (1024, 1024)


def _multiples_near(value: float) -> list[int]:
    base = int(value // EDGE_MULTIPLE) * EDGE_MULTIPLE
    return [m for m in range(base - 2 * EDGE_MULTIPLE, base + 3 * EDGE_MULTIPLE, EDGE_MULTIPLE) if m > 0]
