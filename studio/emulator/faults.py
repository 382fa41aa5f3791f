"""The `X-Emulator-Fault` switch: one named fault per request, applied to the first attempt(s) only.

`X-Emulator-Fault: NAME` applies NAME when `x-stainless-retry-count` is absent or 0, so the SDK's own retry then
succeeds; `NAME;times=N` applies it to the first N attempts. Other `key=value` options tune a fault:
`429;retry-after=S` sets the delay the 429 asks for, `moderation-output;via=error` picks the error-event form of
a blocked Responses call, `moderation-flag;category=C` the category a moderation flags.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .errors import SERVER_ERROR, APIError, moderation_blocked

# Faults answered before the request is even looked at.
EARLY = frozenset({"429", "500", "503", "401", "403-verify", "moderation-input", "hang"})
# Faults the endpoint plays itself, mid-way through its work.
LATE = frozenset({"cut", "moderation-output", "stream-error", "expired-chain", "moderation-flag"})
NAMES = EARLY | LATE


@dataclass(frozen=True)
class Fault:
    name: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def retry_after(self) -> float:
        """The delay a 429 asks for, in seconds."""
        return float(self.options.get("retry-after", "1"))


def fault_for(headers: dict[str, str]) -> Fault | None:
    """The fault this attempt must suffer, or None. An unknown name is an error for the test that sent it."""
    raw = headers.get("x-emulator-fault", "").strip()
    if not raw:
        return None
    name, *options = (piece.strip() for piece in raw.split(";"))
    settings = dict(option.partition("=")[::2] for option in options)
    if name not in NAMES:
        raise APIError(
            400,
            f"Unknown X-Emulator-Fault {name!r}; known faults: {', '.join(sorted(NAMES))}.",
            param=None,
            code="unknown_emulator_fault",
        )
    if name == "moderation-output" and settings.get("via", "item") not in ("item", "error"):
        raise APIError(
            400,
            f"Unknown X-Emulator-Fault option via={settings['via']!r}; moderation-output takes via=item or via=error.",
            param=None,
            code="unknown_emulator_fault",
        )
    times = int(settings.get("times", "1"))
    attempt = int(headers.get("x-stainless-retry-count", "0") or 0)
    if attempt >= times:
        return None
    return Fault(name, options=settings)


def early_error(fault: Fault, *, model: str, request_id: str) -> APIError:
    """The error answer of an EARLY fault other than `hang`."""
    match fault.name:
        case "429":
            return APIError(
                429,
                f"Rate limit reached for {model} in organization org-emulator on images per minute (IPM): "
                f"Limit 5, Used 5, Requested 1. Please try again in {fault.retry_after:g}s. Visit "
                "https://platform.openai.com/account/rate-limits to learn more.",
                type="requests",
                code="rate_limit_exceeded",
                headers={
                    "retry-after": str(math.ceil(fault.retry_after)),
                    "retry-after-ms": str(int(fault.retry_after * 1000)),
                    "x-ratelimit-limit-requests": "5",
                    "x-ratelimit-remaining-requests": "0",
                    "x-ratelimit-reset-requests": f"{fault.retry_after:g}s",
                    "x-ratelimit-limit-tokens": "100000",
                    "x-ratelimit-remaining-tokens": "92976",
                    "x-ratelimit-reset-tokens": "4.214s",
                },
            )
        case "500":
            return APIError(
                500,
                "The server had an error while processing your request. Sorry about that!",
                type=SERVER_ERROR,
            )
        case "503":
            return APIError(503, "The server is overloaded or not ready yet.", type=SERVER_ERROR)
        case "401":
            return APIError(
                401,
                "Incorrect API key provided: sk-emul*****ault. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        case "403-verify":
            return APIError(
                403,
                f"Your organization must be verified to use the model `{model}`. Please go to: "
                "https://platform.openai.com/settings/organization/general and click on Verify Organization. "
                "If you just verified, it can take up to 15 minutes for access to propagate.",
            )
        case "moderation-input":
            return moderation_blocked("input", request_id)
    raise ValueError(f"{fault.name} is not an early fault")


def stream_error_object() -> dict:
    """The `error` of a mid-stream `error` event (the `stream-error` fault)."""
    return {
        "type": SERVER_ERROR,
        "code": "server_error",
        "message": "The server had an error while processing your request. Sorry about that!",
        "param": None,
    }


def error_event(error: dict, sequence_number: int) -> dict:
    """A mid-stream error as the real server sends it (nested `error`, which makes the SDK raise), with the
    top-level `code`/`message`/`param` of the published ResponseErrorEvent schema as well."""
    return {
        "type": "error",
        "code": error.get("code"),
        "message": error["message"],
        "param": error.get("param"),
        "error": error,
        "sequence_number": sequence_number,
    }
