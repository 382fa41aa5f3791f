"""Whole-image filters the matte is built from, in numpy: a box mean, a guided filter, a push-pull fill
and an erosion.

Each works on 2-D float32 planes and costs a few passes over the image whatever its radius, which is what
keeps a 2048x2048 cut-out near a second.
"""

from __future__ import annotations

import numpy as np


def _box_sum_along(plane: np.ndarray, radius: int, axis: int) -> np.ndarray:
    # Running sums in float64: in float32 the difference of two large sums loses the small variances the
    # guided filter divides by.
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius + 1, radius)
    sums = np.cumsum(np.pad(plane, pad), axis=axis, dtype=np.float64)
    width = 2 * radius + 1
    if axis == 0:
        return sums[width:] - sums[:-width]
    return sums[:, width:] - sums[:, :-width]


def box_mean(plane: np.ndarray, radius: int) -> np.ndarray:
    """The mean over a (2r+1)-square window, the window cut at the image's edges (not padded)."""
    height, width = plane.shape
    ones_rows = _box_sum_along(np.ones((height, 1), np.float32), radius, 0)
    ones_cols = _box_sum_along(np.ones((1, width), np.float32), radius, 1)
    total = _box_sum_along(_box_sum_along(plane, radius, 0), radius, 1)
    return (total / (ones_rows * ones_cols)).astype(np.float32)


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He, Sun and Tang's guided filter (2010) with a grey guide: the source smoothed, except that each
    window keeps the source as a linear function of the guide, so edges of the guide stay sharp."""
    mean_guide = box_mean(guide, radius)
    mean_source = box_mean(source, radius)
    variance = box_mean(guide * guide, radius) - mean_guide * mean_guide
    covariance = box_mean(guide * source, radius) - mean_guide * mean_source
    slope = covariance / (variance + np.float32(eps))
    offset = mean_source - slope * mean_guide
    return box_mean(slope, radius) * guide + box_mean(offset, radius)


def _halve(plane: np.ndarray) -> np.ndarray:
    """2x2 sums, an odd last row or column padded with zeros (which carry no weight)."""
    height, width = plane.shape
    if height % 2 or width % 2:
        plane = np.pad(plane, ((0, height % 2), (0, width % 2)))
    return plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]


def push_pull_fill(planes: list[np.ndarray], weight: np.ndarray, at: np.ndarray) -> list[np.ndarray]:
    """Values for the pixels of the boolean mask `at` (as 1-D arrays, in `plane[at]` order), smoothly
    filled in from the pixels where `weight` (0 or 1) is 1, by Gortler et al.'s push-pull: known pixels
    keep their value, gaps take the weighted mean of ever coarser neighbourhoods, so a gap pixel gets the
    colour of the nearest known pixels whatever the distance. The full-size level is only worked out at
    `at`."""
    if not weight.any():
        return [np.zeros(int(at.sum()), np.float32) for _ in planes]
    # The full-size level is the input itself (weights of 0 or 1 need no normalising): no copies of it.
    levels = [(planes, weight)]
    values = [_halve(plane * weight) for plane in planes]
    confidence = _halve(weight)
    while max(levels[-1][1].shape) > 1:
        safe = np.maximum(confidence, 1e-12)
        means = [value / safe for value in values]
        confidence = np.minimum(confidence, 1.0)
        levels.append((means, confidence))
        values = [_halve(mean * confidence) for mean in means]
        confidence = _halve(confidence)
    filled, _ = levels[-1]
    for means, confidence in reversed(levels[1:-1]):
        height, width = confidence.shape
        upsampled = [np.repeat(np.repeat(f, 2, 0), 2, 1)[:height, :width] for f in filled]
        filled = [confidence * m + (1 - confidence) * u for m, u in zip(means, upsampled, strict=True)]
    means, confidence = levels[0]
    if len(levels) == 1:
        return [m[at] for m in means]
    ys, xs = np.nonzero(at)
    known = confidence[ys, xs]
    return [known * m[ys, xs] + (1 - known) * f[ys // 2, xs // 2] for m, f in zip(means, filled, strict=True)]


def shrink(mask: np.ndarray, radius: int) -> np.ndarray:
    """The mask less every pixel within `radius` (a square) of an unset one, the outside counted as set.
    Row then column shifts: Pillow's MinFilter does the same ten times slower."""
    out = mask.copy()
    for shift in range(1, radius + 1):
        out[:-shift] &= mask[shift:]
        out[shift:] &= mask[:-shift]
    rows = out.copy()
    for shift in range(1, radius + 1):
        out[:, :-shift] &= rows[:, shift:]
        out[:, shift:] &= rows[:, :-shift]
    return out
