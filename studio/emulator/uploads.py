"""Input images as the server checks them: MIME type, 50 MB limit, decodable as PNG, JPEG or WebP, and the
mask's rules (a PNG with alpha, the format and size of the image it applies to)."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from .errors import bad_request

MAX_BYTES = 50 * 1024 * 1024
MAX_IMAGES = 16
MIME_TYPES = ("image/jpeg", "image/png", "image/webp")
PIL_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class InputImage:
    data: bytes
    width: int
    height: int
    has_alpha: bool
    format: str  # as Pillow names it: PNG, JPEG or WEBP


def check_image(data: bytes, content_type: str, *, param: str) -> InputImage:
    mime = content_type.split(";")[0].strip().lower()
    if mime not in MIME_TYPES:
        raise bad_request(
            f"Invalid file '{param}': unsupported mimetype ('{mime}'). Supported file formats are "
            "'image/jpeg', 'image/png', and 'image/webp'.",
            param=param,
            code="unsupported_file_mimetype",
        )
    if len(data) > MAX_BYTES:
        raise bad_request(
            f"Invalid file '{param}': file too large ({len(data)} bytes). Each image must be under 50 MB.",
            param=param,
            code="image_file_too_large",
        )
    if not data:
        raise bad_request(f"Invalid file '{param}': the file is empty.", param=param, code="empty_image_file")
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError):
        raise bad_request(
            f"Invalid file '{param}': the image could not be read.", param=param, code="image_parse_error"
        ) from None
    if image.format not in PIL_MIME:
        # The declared type is not the whole check: the file itself must be one of the three formats.
        raise bad_request(
            f"Invalid file '{param}': unsupported image format ('{(image.format or 'unknown').lower()}'). "
            "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
            param=param,
            code="invalid_image_format",
        )
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return InputImage(data, image.width, image.height, has_alpha, image.format)


def check_mask(data: bytes, content_type: str, first: InputImage, *, param: str = "mask") -> InputImage:
    mask = check_image(data, content_type, param=param)
    if mask.format != "PNG":
        raise bad_request(
            "Invalid mask image format - mask must be a PNG image.", param=param, code="invalid_image_format"
        )
    if not mask.has_alpha:
        raise bad_request(
            "Invalid mask image format - mask image missing alpha channel.",
            param=param,
            code="invalid_image_format",
        )
    if first.format != mask.format:
        # "The image and the mask must share format and size" (§3.3); a mask is a PNG, so the image is too.
        raise bad_request(
            f"Invalid mask image format - mask and image must be the same format (the image is "
            f"{first.format}, the mask PNG).",
            param=param,
            code="invalid_image_format",
        )
    if (mask.width, mask.height) != (first.width, first.height):
        raise bad_request(
            f"Invalid mask image - mask size ({mask.width}x{mask.height}) does not match image size "
            f"({first.width}x{first.height}).",
            param=param,
            code="invalid_value",
        )
    return mask


def decode_data_url(url: str, *, param: str) -> tuple[bytes, str]:
    """The bytes and MIME type of a `data:image/...;base64,` URL; the emulator is offline, so nothing else."""
    if not url.startswith("data:"):
        raise bad_request(
            f"Invalid '{param}': the emulator cannot download '{url[:60]}'; send the image as a base64 data URL.",
            param=param,
            code="invalid_image_url",
        )
    header, _, payload = url.partition(",")
    if ";base64" not in header:
        raise bad_request(
            f"Invalid '{param}': expected a base64 data URL.", param=param, code="invalid_image_url"
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(
            f"Invalid '{param}': the data URL is not valid base64.", param=param, code="invalid_base64_image"
        ) from None
    return data, header[5:].split(";")[0]
