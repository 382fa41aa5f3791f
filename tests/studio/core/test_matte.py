"""Keying out a flat background: subjects with known alpha, composited the way a model paints a key."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.core.matte import (
    BLUE,
    GREEN,
    MAGENTA,
    MatteError,
    checkerboard_preview,
    choose_key_colour,
    cut_out,
    estimate_key_colour,
    key_prompt_suffix,
)

SIZE = 256
SUPER = 4
# Green as a model paints it when asked for #00FF00: off the colour and not quite flat.
PAINTED_GREEN = (18, 236, 30)


def coverage(draw_shapes) -> np.ndarray:
    """Exact anti-aliased alpha: shapes drawn at 4x, then box-reduced."""
    image = Image.new("L", (SIZE * SUPER, SIZE * SUPER), 0)
    draw_shapes(ImageDraw.Draw(image), SUPER)
    return np.asarray(image.reduce(SUPER), np.float32) / 255


def over(layers) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, colour 0..1) layers back to front: the true foreground colour and alpha."""
    premultiplied = np.zeros((SIZE, SIZE, 3), np.float32)
    alpha = np.zeros((SIZE, SIZE), np.float32)
    for layer_alpha, colour in layers:
        colour = np.asarray(colour, np.float32) / 255
        premultiplied = layer_alpha[..., None] * colour + (1 - layer_alpha[..., None]) * premultiplied
        alpha = layer_alpha + (1 - layer_alpha) * alpha
    return alpha, np.clip(premultiplied / np.maximum(alpha, 1e-6)[..., None], 0, 1)


def subject(disc_colour=(200, 30, 30), strand_colour=(100, 64, 40)) -> tuple[np.ndarray, np.ndarray]:
    """An opaque red disc, a soft black shadow ramp and thin brown strands."""
    disc = coverage(lambda d, s: d.ellipse((70 * s, 80 * s, 180 * s, 190 * s), fill=255))
    shadow = np.zeros((SIZE, SIZE), np.float32)
    shadow[210:240, 30:230] = np.linspace(0, 0.6, 200)[None, :]

    def draw_strands(draw, s):
        for i in range(12):
            draw.line([(40 * s + i * 15 * s, 20 * s), (60 * s + i * 12 * s, 75 * s)], fill=255, width=5)

    strands = coverage(draw_strands)
    return over([(shadow, (10, 10, 10)), (disc, disc_colour), (strands, strand_colour)])


def painted_background(key=PAINTED_GREEN, seed: int = 7) -> np.ndarray:
    """The key lit a little unevenly, with noise."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    light = 1 - 0.08 * ((xs - 0.5) ** 2 + (ys - 0.5) ** 2) + 0.03 * (xs - 0.5)
    background = np.asarray(key, np.float32)[None, None] / 255 * light[..., None]
    return background + rng.normal(0, 1.2 / 255, background.shape)


def photograph(alpha, colour, background, fmt="PNG", **options) -> bytes:
    composite = alpha[..., None] * colour + (1 - alpha[..., None]) * background
    pixels = np.round(np.clip(composite, 0, 1) * 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **options)
    return out.getvalue()


def rgba_of(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA"
    return np.asarray(image, np.float32) / 255


def green_excess(colour: np.ndarray) -> np.ndarray:
    return colour[..., 1] - np.maximum(colour[..., 0], colour[..., 2])


@pytest.fixture(scope="module")
def composite():
    alpha, colour = subject()
    return alpha, colour, photograph(alpha, colour, painted_background())


def test_it_recovers_a_known_alpha_within_a_tolerance(composite):
    true_alpha, _, data = composite
    alpha = rgba_of(cut_out(data, key=GREEN))[..., 3]
    error = np.abs(alpha - true_alpha)
    soft = (true_alpha > 0.01) & (true_alpha < 0.99)
    assert error.mean() < 0.01
    assert error[soft].mean() < 0.06
    assert np.abs(alpha - true_alpha)[true_alpha == 0].max() < 0.05


def test_it_keeps_the_soft_shadow_as_partial_alpha(composite):
    true_alpha, _, data = composite
    alpha = rgba_of(cut_out(data, key=GREEN))[..., 3]
    ramp = alpha[225, 30:230]
    assert np.abs(ramp - true_alpha[225, 30:230]).mean() < 0.03
    assert ramp[150:].mean() > ramp[50:100].mean() + 0.1


def test_it_leaves_no_green_fringe_on_soft_edges(composite):
    true_alpha, true_colour, data = composite
    rgba = rgba_of(cut_out(data, key=GREEN))
    alpha, colour = rgba[..., 3], rgba[..., :3]
    soft = (alpha > 0) & (alpha < 1)
    assert soft.sum() > 1000
    fringe = np.maximum(green_excess(colour) - np.maximum(green_excess(true_colour), 0), 0)
    weighted_fringe = (fringe * alpha)[soft].sum() / alpha[soft].sum() * 255
    assert weighted_fringe < 1.5
    # Without de-spill the composite's own colour at those pixels is strongly green.
    observed = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float32) / 255
    assert (green_excess(observed)[soft] * alpha[soft]).sum() / alpha[soft].sum() * 255 > 40


def test_it_keeps_an_opaque_subject_opaque_and_its_colour_unchanged():
    square = np.zeros((SIZE, SIZE), np.float32)
    square[60:200, 50:210] = 1
    colour = np.broadcast_to(np.array([40, 70, 200], np.float32) / 255, (SIZE, SIZE, 3))
    rgba = rgba_of(cut_out(photograph(square, colour, painted_background()), key=GREEN))
    assert (rgba[62:198, 52:208, 3] == 1).all()
    assert np.abs(rgba[62:198, 52:208, :3] * 255 - [40, 70, 200]).max() <= 3
    assert (rgba[:55, :, 3] == 0).all()


def test_tightness_removes_more_as_it_rises():
    alpha, colour = subject()
    # A yellow-green patch near the key: kept when loose, thinned as tightness rises.
    alpha[20:60, 190:240] = 1
    colour[20:60, 190:240] = np.array([165, 215, 50]) / 255
    data = photograph(alpha, colour, painted_background())
    mattes = [rgba_of(cut_out(data, key=GREEN, tightness=t))[..., 3] for t in (0, 0.25, 0.5, 0.75, 1)]
    means = [m.mean() for m in mattes]
    assert all(later < earlier for earlier, later in zip(means, means[1:], strict=False))
    for looser, tighter in zip(mattes, mattes[1:], strict=False):
        # A few edge pixels may move either way as the colours they are solved against change.
        assert ((tighter - looser) > 2 / 255).mean() < 0.01
    assert mattes[0][40, 215] == 1
    assert mattes[-1][40, 215] < 0.9


@pytest.mark.parametrize("out_format", ["png", "webp"])
def test_it_returns_rgba_of_the_same_size(composite, out_format):
    *_, data = composite
    image = Image.open(io.BytesIO(cut_out(data, out_format=out_format)))
    assert image.format == out_format.upper()
    assert image.mode == "RGBA"
    assert image.size == (SIZE, SIZE)


def test_it_cuts_out_a_subsampled_jpeg(composite):
    true_alpha, colour, _ = composite
    data = photograph(true_alpha, colour, painted_background(), "JPEG", quality=90, subsampling=2)
    alpha = rgba_of(cut_out(data))[..., 3]
    assert np.abs(alpha - true_alpha).mean() < 0.03


def test_it_works_on_a_magenta_key():
    # A green subject, which is why the key is magenta.
    alpha, colour = subject(disc_colour=(60, 160, 70), strand_colour=(40, 120, 50))
    data = photograph(alpha, colour, painted_background((238, 20, 232)))
    rgba = rgba_of(cut_out(data, key=MAGENTA))
    assert np.abs(rgba[..., 3] - alpha).mean() < 0.015
    soft = (rgba[..., 3] > 0.05) & (rgba[..., 3] < 1)
    magenta_excess = np.minimum(rgba[..., 0], rgba[..., 2]) - rgba[..., 1]
    assert (np.maximum(magenta_excess, 0)[soft]).mean() * 255 < 3


def test_it_keeps_transparent_pixels_of_the_input_transparent(composite):
    *_, data = composite
    image = Image.open(io.BytesIO(data)).convert("RGBA")
    image.putalpha(Image.new("L", image.size, 255))
    image.paste((0, 0, 0, 0), (100, 100, 140, 140))
    out = io.BytesIO()
    image.save(out, "PNG")
    alpha = rgba_of(cut_out(out.getvalue(), key=GREEN))[..., 3]
    assert (alpha[100:140, 100:140] == 0).all()
    assert alpha[130, 90] == 1  # the disc beside it is untouched


def test_it_refuses_bytes_that_are_not_an_image():
    with pytest.raises(MatteError, match="not an image"):
        cut_out(b"certainly not a picture")
    with pytest.raises(MatteError, match="empty"):
        cut_out(b"")


def test_it_refuses_formats_it_does_not_read_or_cannot_write(composite):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), GREEN).save(out, "GIF")
    with pytest.raises(MatteError, match="GIF images cannot be cut out"):
        cut_out(out.getvalue())
    *_, data = composite
    with pytest.raises(MatteError, match="PNG or WebP"):
        cut_out(data, out_format="jpeg")
    with pytest.raises(MatteError, match="number between 0 and 1"):
        cut_out(data, tightness=1.5)
    with pytest.raises(MatteError, match="three numbers"):
        cut_out(data, key=(0, 300, 0))


def test_it_chooses_a_key_away_from_the_subject_colours():
    assert choose_key_colour() == GREEN
    assert choose_key_colour([]) == GREEN
    assert choose_key_colour([(60, 160, 70), (120, 200, 60)]) == MAGENTA
    assert choose_key_colour([(150, 30, 160), (60, 180, 70)]) == BLUE
    # Sky blue is close to blue in hue and chroma though far from it in lightness.
    assert choose_key_colour([(135, 206, 235), (240, 200, 60)]) != BLUE
    with pytest.raises(MatteError):
        choose_key_colour([(1, 2)])


def test_the_prompt_suffix_names_the_exact_colour_and_asks_for_no_shadow():
    suffix = key_prompt_suffix(GREEN)
    assert "#00FF00" in suffix
    assert "pure green" in suffix
    assert "no gradient" in suffix and "shadow" in suffix
    assert "colours close to it anywhere in the subject" in suffix
    assert "#FF00FF" in key_prompt_suffix(MAGENTA)


def test_it_estimates_the_painted_key_even_with_the_subject_on_the_border():
    background = painted_background()
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[:, :60] = 1  # the subject covers the whole left border
    colour = np.broadcast_to(np.array([200, 30, 30], np.float32) / 255, (SIZE, SIZE, 3))
    image = Image.open(io.BytesIO(photograph(alpha, colour, background)))
    estimate = np.array(estimate_key_colour(image))
    mean_border = background[:4, 60:].reshape(-1, 3).mean(axis=0) * 255
    assert np.abs(estimate - mean_border).max() <= 4
    assert np.abs(estimate - PAINTED_GREEN).max() <= 8


def test_the_preview_shows_a_checkerboard_through_transparency(composite):
    *_, data = composite
    preview = Image.open(io.BytesIO(checkerboard_preview(cut_out(data, key=GREEN), max_side=128)))
    assert preview.format == "PNG"
    assert preview.size == (128, 128)
    pixels = np.asarray(preview.convert("RGB")).astype(int)
    corner = {tuple(p) for p in pixels[:16, :16].reshape(-1, 3)}
    assert corner == {(204, 204, 204), (255, 255, 255)}
    assert np.abs(pixels[67, 62] - [200, 30, 30]).max() <= 6  # the disc's centre, scaled by half
