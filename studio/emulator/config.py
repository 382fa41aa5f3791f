"""The emulator's switches, read from the environment at the moment they are needed (see README.md)."""

from __future__ import annotations

import os

# Seconds per streamed step when ATELIER_EMULATOR_LATENCY is unset: a generation is four steps (three partial
# images and the final), so about three seconds, the feel of a fast real call.
DEFAULT_LATENCY = 0.75
DEFAULT_EDIT_LEAK = 0.06
DEFAULT_HANG_SECONDS = 120.0
# OpenAI keeps a stored response (and so the chain through it) for 30 days by default.
DEFAULT_RESPONSE_TTL = 30 * 24 * 3600.0


def _float(name: str, default: float, *, minimum: float = 0.0, maximum: float | None = None) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


def latency() -> float:
    return _float("ATELIER_EMULATOR_LATENCY", DEFAULT_LATENCY)


def edit_leak() -> float:
    """How much an edit changes pixels outside its mask (0 = not at all, 1 = as much as inside)."""
    return _float("ATELIER_EMULATOR_EDIT_LEAK", DEFAULT_EDIT_LEAK, maximum=1.0)


def hang_seconds() -> float:
    return _float("ATELIER_EMULATOR_HANG_SECONDS", DEFAULT_HANG_SECONDS)


def response_ttl() -> float:
    """Seconds after which a stored response, and the images it made, are gone for good."""
    return _float("ATELIER_EMULATOR_RESPONSE_TTL", DEFAULT_RESPONSE_TTL)


def transparent_on_gpt_image_2() -> bool:
    """gpt-image-2 transparency: "not supported" in real errors, "in preview" in the newest SDK docs."""
    return os.environ.get("ATELIER_EMULATOR_GPT_IMAGE_2_TRANSPARENT", "").strip().lower() in {
        "1",
        "true",
        "yes",
    }
