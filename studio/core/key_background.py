"""Measuring the key colour a model actually painted: its colour along the borders, and its uneven light
across the whole frame, so that every pixel is compared with the background behind it."""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.core import oklab
from studio.core.matte_filters import shrink

# How far (OKLab) the background's own colour wanders along the borders: light falloff, noise.
_BORDER_RADIUS = 0.08


def border_key(pixels: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """The background colour (0..1 floats) from a strip around the image: the commonest colour, or the
    given `start`, refined by a mean shift in OKLab."""
    height, width = pixels.shape[:2]
    strip = max(2, min(height, width) // 100)
    # Every other pixel of the strip is plenty for a mean and keeps this quick on large images.
    border = np.concatenate(
        [
            pixels[:strip, ::2].reshape(-1, 3),
            pixels[-strip:, ::2].reshape(-1, 3),
            pixels[::2, :strip].reshape(-1, 3),
            pixels[::2, -strip:].reshape(-1, 3),
        ]
    )
    border_lab = oklab.oklab_from_bytes(border)
    if start is None:
        # A flat subject on the border fills one histogram bin, a lit and noisy background several:
        # of the commonest bins, take the one with the most border pixels near it.
        bins = (border >> 3).astype(np.int32)
        counts = np.bincount(bins[:, 0] * 1024 + bins[:, 1] * 32 + bins[:, 2], minlength=32768)
        candidates = np.argsort(counts)[-8:]
        centres = np.stack([candidates // 1024, candidates // 32 % 32, candidates % 32], axis=1) * 8 + 4
        support = [
            int((oklab.distance(border_lab, oklab.oklab_of_rgb(centre)) < _BORDER_RADIUS).sum())
            for centre in centres
        ]
        start = centres[int(np.argmax(support))] / 255
    centre = np.asarray(start, np.float32)
    for _ in range(4):
        near = oklab.distance(border_lab, oklab.oklab_from_srgb(centre)) < _BORDER_RADIUS
        if near.sum() < 16:
            break
        centre = border[near].mean(axis=0).astype(np.float32) / 255
    return centre


def background_field(pixels: np.ndarray, seed: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The background's colour at every pixel, as three sRGB planes and three OKLab planes.

    A cubic polynomial in x and y is fitted to a thumbnail's background pixels, then the outliers (subject,
    edges) dropped and the fit repeated: uneven light is smooth, a subject is not.
    """
    height, width = pixels.shape[:2]
    factor = max(1, max(height, width) // 96)
    small = np.asarray(Image.fromarray(pixels).reduce(factor), np.float32) / 255
    small_h, small_w = small.shape[:2]
    ys, xs = np.mgrid[0:small_h, 0:small_w]
    u = ((xs + 0.5) * factor / width * 2 - 1).ravel()
    v = ((ys + 0.5) * factor / height * 2 - 1).ravel()
    terms = _cubic_terms(u, v)
    samples = small.reshape(-1, 3)
    samples_lab = oklab.oklab_from_srgb(samples)

    near_seed = oklab.distance(samples_lab, oklab.oklab_from_srgb(seed)) < 0.1
    # Thumbnail pixels next to the subject are part subject: drop a ring around everything that is not near.
    near_seed = shrink(near_seed.reshape(small_h, small_w), radius=1).ravel()
    chosen = near_seed
    fitted_coefficients = None
    for _ in range(3):
        if chosen.sum() < 24:
            break
        fitted_coefficients, *_ = np.linalg.lstsq(terms[chosen], samples[chosen], rcond=None)
        residual = oklab.distance(samples_lab, oklab.oklab_from_srgb(terms @ fitted_coefficients))
        spread = 1.4826 * np.median(residual[chosen])
        chosen = near_seed & (residual < max(3 * spread, 0.015))

    grid = 64
    gu, gv = np.meshgrid((np.arange(grid) + 0.5) / grid * 2 - 1, (np.arange(grid) + 0.5) / grid * 2 - 1)
    if fitted_coefficients is None:
        field = np.broadcast_to(seed, (grid * grid, 3))
    else:
        field = np.clip(_cubic_terms(gu.ravel(), gv.ravel()) @ fitted_coefficients, 0, 1)
    field = field.reshape(grid, grid, 3).astype(np.float32)
    field_lab = oklab.oklab_from_srgb(field)
    planes = [_stretch(field[..., c], width, height) for c in range(3)]
    lab = [_stretch(field_lab[..., c], width, height) for c in range(3)]
    return planes, lab


def _cubic_terms(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack([np.ones_like(u), u, v, u * u, u * v, v * v, u**3, u * u * v, u * v * v, v**3], axis=1)


def _stretch(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    """A small float plane resized to the image, bilinear (Pillow does this in C)."""
    return np.asarray(
        Image.fromarray(np.ascontiguousarray(plane), "F").resize((width, height), Image.BILINEAR)
    )
