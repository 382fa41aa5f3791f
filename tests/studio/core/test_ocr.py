"""The text check: quoted text found in the prompt, read on the image with Tesseract, matched or not."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image, ImageDraw, ImageFont

from studio.core import ocr
from studio.core.storage import store_image
from studio.models import ImageAsset, ImageTextCheck
from tests.support.factories import make_finished_job

pytestmark = pytest.mark.django_db
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"
)


def sign(text: str, size=(640, 320)) -> bytes:
    image = Image.new("RGB", size, (24, 40, 90))
    ImageDraw.Draw(image).text((50, 110), text, font=ImageFont.load_default(size=72), fill=(250, 220, 120))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def image_of(owner, prompt: str, data: bytes) -> ImageAsset:
    return store_image(owner, data, kind=ImageAsset.Kind.FINAL, job=make_finished_job(owner, prompt=prompt))


def test_it_finds_straight_and_curly_quotes():
    assert ocr.quoted_texts('a sign that says "OPEN 24H" and “No  parking”') == ["OPEN 24H", "No parking"]
    assert ocr.quoted_texts("a sign, no quotes, it's fine") == []


@pytest.mark.parametrize(
    "found, expected, ok",
    [
        ("SIGN SAYS\nOPEN 24H", ["open 24h"], True),
        ("0PEN 24H", ["OPEN 24H"], True),  # OCR's O/0 confusion is near enough
        ("CLOSED", ["OPEN 24H"], False),
        ("OPEN 24H", ["OPEN 24H", "NO PARKING"], False),
    ],
)
def test_it_matches_ignoring_case_spacing_and_small_ocr_slips(found, expected, ok):
    assert ocr.matches(found, expected) is ok


@needs_tesseract
def test_it_reads_a_matching_sign_and_keeps_the_result(alice):
    image = image_of(alice, 'a sign that says "OPEN 24H"', sign("OPEN 24H"))

    check = ocr.check_image(image)

    assert check.outcome == ImageTextCheck.Outcome.MATCH and "OPEN 24H" in check.found
    assert ocr.check_image(image).pk == check.pk  # read once


@needs_tesseract
def test_it_flags_a_sign_that_says_something_else(alice):
    image = image_of(alice, 'a sign that says "OPEN 24H"', sign("CLOSED"))

    assert ocr.check_image(image).outcome == ImageTextCheck.Outcome.MISMATCH


def test_without_tesseract_it_says_so_and_keeps_nothing(alice, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    ocr.tesseract_available.cache_clear()
    try:
        check = ocr.check_image(image_of(alice, 'a sign that says "OPEN"', sign("OPEN")))
    finally:
        ocr.tesseract_available.cache_clear()

    assert check.outcome == ImageTextCheck.Outcome.UNAVAILABLE and check.pk is None


def test_a_prompt_without_quotes_has_no_check(alice):
    assert ocr.check_image(image_of(alice, "a sign", sign("OPEN"))) is None
