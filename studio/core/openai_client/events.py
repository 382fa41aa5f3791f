"""Our own event types: what a call to the model service brings, in our words."""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.usage import Usage


@dataclass(frozen=True)
class RequestStarted:
    """The service answered; `limits` are its x-ratelimit-* headers (names without the prefix)."""

    request_id: str
    limits: dict[str, str]


@dataclass(frozen=True)
class PartialImage:
    index: int
    image: bytes
    output_index: int = 0


@dataclass(frozen=True)
class FinalImage:
    """A finished image. For a Responses turn, the ids and texts of the turn come with it."""

    image: bytes
    output_index: int = 0
    size: str = ""
    quality: str = ""
    output_format: str = ""
    revised_prompt: str = ""
    image_call_id: str = ""


@dataclass(frozen=True)
class CallUsage:
    """What one model used in one upstream response; `key` names that response, so it is recorded once."""

    usage: Usage
    key: str


@dataclass(frozen=True)
class ResponseCompleted:
    response_id: str
    assistant_text: str = ""


Event = RequestStarted | PartialImage | FinalImage | CallUsage | ResponseCompleted


@dataclass(frozen=True)
class InputImage:
    """An image sent with a request: its bytes and format (png, jpeg or webp)."""

    data: bytes
    format: str

    @property
    def mime(self) -> str:
        return f"image/{self.format}"
