"""Choosing the key colour before the image exists, and the request a "Transparent background" makes."""

from __future__ import annotations

import pytest

from studio.core.cutouts import prompt_palette, transparent_request
from studio.core.matte import BLUE, GREEN, MAGENTA
from studio.core.requests import ImageOptions, ImageRequest, InvalidRequest


def keyed(prompt: str, model: str = "gpt-image-2") -> ImageRequest:
    return transparent_request(ImageRequest(prompt=prompt, options=ImageOptions(model=model)))


def test_it_reads_the_subject_colours_from_the_prompt():
    assert prompt_palette("A Red mug with #112233 stripes") == [(214, 48, 49), (0x11, 0x22, 0x33)]
    assert prompt_palette("a fern in a pot") == [(80, 150, 70)]
    assert prompt_palette("a chair") == []


@pytest.mark.parametrize(
    ("prompt", "key"),
    [
        ("a red ceramic mug", GREEN),
        ("a chair", GREEN),
        ("a potted fern with green leaves", MAGENTA),
        ("a magenta and lime parrot", BLUE),
    ],
)
def test_it_keys_away_from_the_colours_the_prompt_names(prompt, key):
    request = keyed(prompt)
    assert request.cutout_key == "#{:02X}{:02X}{:02X}".format(*key)
    assert request.prompt.startswith(prompt + "\n\n")
    assert f"background of exactly {request.cutout_key}" in request.prompt
    assert request.options.background == "opaque"
    request.validate()


def test_a_model_with_transparency_gets_it_natively_and_the_prompt_untouched():
    request = keyed("a red ceramic mug", model="gpt-image-1.5")
    assert request.options.background == "transparent"
    assert request.prompt == "a red ceramic mug" and request.cutout_key == ""


def test_a_key_colour_that_is_not_a_colour_is_refused():
    with pytest.raises(InvalidRequest, match="#RRGGBB"):
        ImageRequest(prompt="a mug", cutout_key="green").validate()
