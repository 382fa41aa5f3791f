"""Reading a Responses `input`: the user's words and the images in context (data-URL `input_image` parts and
earlier `image_generation_call` items given back by id)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request, invalid_enum, invalid_type, missing_parameter
from .state import STATE, GeneratedImage
from .uploads import InputImage, check_image, decode_data_url

IMAGE_DETAILS = ("low", "high", "auto", "original")  # `ImageDetail` (§6.2)


@dataclass
class UserInput:
    texts: list[str] = field(default_factory=list)
    images: list[InputImage] = field(default_factory=list)
    # Each input image's `detail` (low, high, auto, original): how much of it the mainline model reads.
    details: list[str] = field(default_factory=list)
    referenced: list[GeneratedImage] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(text.strip() for text in self.texts if text.strip())


def read_input(raw: Any, *, chain_expired: bool = False) -> UserInput:
    """The user's part of `input`; with `chain_expired`, earlier calls given back by id are gone (expired)."""
    if raw is None:
        raise missing_parameter("input")
    if isinstance(raw, str):
        return UserInput(texts=[raw])
    if not isinstance(raw, list):
        raise invalid_type("input", "a string or an array", raw)
    found = UserInput()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid_type(f"input[{index}]", "an object", item)
        if item.get("type") == "image_generation_call":
            found.referenced.append(referenced_call(item, index, chain_expired))
        elif "role" in item and item.get("type", "message") == "message" and item["role"] == "user":
            read_message(item.get("content"), index, found)
    return found


def referenced_call(item: dict, index: int, chain_expired: bool) -> GeneratedImage:
    call_id = item.get("id")
    if not isinstance(call_id, str):
        raise missing_parameter(f"input[{index}].id")
    image = None if chain_expired else STATE.live_image(call_id)
    if image is None:
        raise bad_request(f"Item with id '{call_id}' not found.", param=f"input[{index}]", code=None)
    return image


def read_message(content: Any, index: int, found: UserInput) -> None:
    if isinstance(content, str):
        found.texts.append(content)
        return
    if not isinstance(content, list):
        raise invalid_type(f"input[{index}].content", "a string or an array", content)
    for part_index, part in enumerate(content):
        param = f"input[{index}].content[{part_index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "input_text":
            found.texts.append(str(part.get("text", "")))
        elif kind == "input_image":
            if part.get("file_id"):
                raise bad_request(
                    f"File '{part['file_id']}' not found: the emulator has no Files API; use a data URL.",
                    param=f"{param}.file_id",
                    code=None,
                )
            url = part.get("image_url")
            if not isinstance(url, str):
                raise missing_parameter(f"{param}.image_url")
            data, mime = decode_data_url(url, param=f"{param}.image_url")
            found.images.append(check_image(data, mime, param=f"{param}.image_url"))
            detail = part.get("detail", "auto")
            if detail not in IMAGE_DETAILS:
                raise invalid_enum(f"{param}.detail", detail, IMAGE_DETAILS)
            found.details.append(detail)
        else:
            raise bad_request(f"Invalid value: '{kind}'.", param=f"{param}.type", code="invalid_value")
