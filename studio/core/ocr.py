"""The text check: after a generation whose prompt quotes text (a sign that says "OPEN 24H"), read the
image's text with Tesseract and say whether the quoted text is there. Optional: without Tesseract (Debian's
`tesseract-ocr`, driven through pytesseract) the check says so, and keeps nothing so it runs once installed.
A result is read once per image and kept (`ImageTextCheck`), never on the streaming path."""

from __future__ import annotations

import io
import re
import shutil
from difflib import SequenceMatcher
from functools import lru_cache

from PIL import Image, ImageOps

from studio.models import ImageAsset, ImageTextCheck

Outcome = ImageTextCheck.Outcome
QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
SIMILAR_ENOUGH = 0.8  # OCR confuses O and 0, I and 1: a near match of the quoted text counts
OCR_LONG_SIDE = 2048  # larger images are read scaled down (Tesseract's time grows with the pixels)


def quoted_texts(prompt: str) -> list[str]:
    """The texts the prompt quotes, in order ("..." or “...”)."""
    return [" ".join((straight or curly).split()) for straight, curly in QUOTED.findall(prompt or "")]


@lru_cache(maxsize=1)
def tesseract_available() -> bool:
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception:  # noqa: BLE001 - any failure to run it means: not available
        return False
    return True


def read_text(data: bytes) -> str:
    """What Tesseract reads on the image, the image and its negative both (light text on dark reads
    better inverted)."""
    import pytesseract

    image = Image.open(io.BytesIO(data))
    image = ImageOps.exif_transpose(image).convert("L")
    image.thumbnail((OCR_LONG_SIDE, OCR_LONG_SIDE))
    texts = [pytesseract.image_to_string(candidate) for candidate in (image, ImageOps.invert(image))]
    return "\n".join(text.strip() for text in texts if text.strip())


def normalised(text: str) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", text.casefold()))


def contains(found: str, expected: str) -> bool:
    """Whether `expected` is in `found`, exactly (ignoring case, punctuation and spacing) or nearly."""
    found, expected = normalised(found), normalised(expected)
    if not expected:
        return True
    if expected in found:
        return True
    size = len(expected)
    for start in range(max(1, len(found) - size + 1)):
        if SequenceMatcher(None, found[start : start + size], expected).ratio() >= SIMILAR_ENOUGH:
            return True
    return False


def matches(found: str, expected: list[str]) -> bool:
    return all(contains(found, text) for text in expected)


def check_image(image: ImageAsset) -> ImageTextCheck | None:
    """The text check of a finished image: None when its prompt quotes nothing; kept once read. Without
    Tesseract, an unsaved check whose outcome is `unavailable`."""
    existing = ImageTextCheck.objects.filter(image=image).first()
    if existing is not None:
        return existing
    expected = quoted_texts(image.prompt)
    if not expected:
        return None
    wanted = "\n".join(expected)
    if not tesseract_available():
        return ImageTextCheck(image=image, expected=wanted, outcome=Outcome.UNAVAILABLE)
    with image.file.open("rb") as file:
        found = read_text(file.read())
    outcome = Outcome.MATCH if matches(found, expected) else Outcome.MISMATCH
    check, _ = ImageTextCheck.objects.get_or_create(
        image=image, defaults={"expected": wanted, "found": found, "outcome": outcome}
    )
    return check
