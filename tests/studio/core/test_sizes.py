"""gpt-image-2's published size rules, their edges, and the nearest valid size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core import sizes


@pytest.mark.parametrize(
    "size",
    [
        "1024x1024",
        "1536x1024",
        "1024x1536",
        "2048x2048",
        "3840x2160",
        "auto",
        "3840x1280",
        "1024x640",
        " 1536 X 1024 ",
    ],
)
def test_it_accepts_valid_gpt_image_2_sizes(size):
    assert sizes.check_size("gpt-image-2", size).ok


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ("3856x2160", "at most 3840"),
        ("1000x1000", "multiples of 16"),
        ("1024x1008x", "not a size"),
        ("3840x1264", "3 times"),
        ("1008x640", "Too small"),
        ("3840x2176", "Too large"),
        ("banana", "not a size"),
        ("", "not a size"),
    ],
)
def test_it_refuses_sizes_past_each_edge_with_a_reason(size, words):
    check = sizes.check_size("gpt-image-2", size)
    assert not check.ok
    assert any(words in error for error in check.errors), check.errors


def test_the_edges_themselves_are_allowed():
    assert sizes.check_size("gpt-image-2", "1024x640").ok  # exactly 655,360 pixels
    assert sizes.MIN_PIXELS == 1024 * 640
    assert sizes.check_size("gpt-image-2", "3840x2160").ok  # exactly 8,294,400 pixels
    assert sizes.check_size("gpt-image-2", "2400x800").ok  # exactly 3:1


def test_above_2560x1440_is_marked_experimental():
    assert sizes.check_size("gpt-image-2", "3840x2160").experimental
    assert not sizes.check_size("gpt-image-2", "2048x1152").experimental


def test_the_1x_models_take_only_their_three_sizes():
    assert sizes.check_size("gpt-image-1.5", "1536x1024").ok
    assert not sizes.check_size("gpt-image-1.5", "2048x2048").ok
    assert not sizes.check_size("gpt-image-1-mini", "1024x1008").ok


def test_retired_and_unknown_models_are_refused_with_a_reason():
    assert "shut down" in sizes.check_size("gpt-image-1", "1024x1024").errors[0]
    assert "Unknown model" in sizes.check_size("gpt-9", "1024x1024").errors[0]


def test_transparency_is_not_offered_on_gpt_image_2():
    assert not sizes.supports_transparency("gpt-image-2")
    assert sizes.supports_transparency("gpt-image-1.5")
    assert "gpt-image-2" in sizes.TRANSPARENCY_NOTE


def test_every_preset_is_valid_for_gpt_image_2():
    assert [p.size for p in sizes.presets_for("gpt-image-2")] == [p.size for p in sizes.PRESETS]


edge = st.integers(min_value=1, max_value=12_000)


@given(edge, edge)
def test_the_nearest_valid_size_is_always_valid(width, height):
    w, h = sizes.nearest_valid_size("gpt-image-2", width, height)
    assert sizes.check_size("gpt-image-2", f"{w}x{h}").ok


@given(st.integers(min_value=40, max_value=240), st.integers(min_value=40, max_value=240))
def test_the_nearest_valid_size_of_a_valid_size_is_itself(a, b):
    width, height = a * 16, b * 16
    if sizes.check_size("gpt-image-2", f"{width}x{height}").ok:
        assert sizes.nearest_valid_size("gpt-image-2", width, height) == (width, height)


def test_the_nearest_valid_size_keeps_the_shape():
    assert sizes.nearest_valid_size("gpt-image-2", 1000, 1000) == (992, 992)  # the closest area
    w, h = sizes.nearest_valid_size("gpt-image-2", 1920, 1080)
    assert abs(w / h - 16 / 9) < 0.02
    assert sizes.nearest_valid_size("gpt-image-1.5", 1920, 1080) == (1536, 1024)
