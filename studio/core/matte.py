"""Transparent output by post-processing: the subject on a flat key colour, keyed out to RGBA.

gpt-image-2 cannot return a transparent background, so Atelier asks it for the subject on a flat key colour
chosen away from the subject's colours (`choose_key_colour`, `key_prompt_suffix`) and keys that colour out
(`cut_out`). The model never hits the key exactly and lights it unevenly, so the background is measured from
the image: its colour from the borders (`estimate_key_colour`), then a smooth lighting field fitted to the
background everywhere. Ask the model for PNG: JPEG and lossy WebP keep colour at half resolution, and
fine strands lose theirs (bench/transparency.py measures both).

How a pixel's alpha is found. Every pixel is read as C = alpha*F + (1-alpha)*K: the foreground colour F over
the local background K, in the sRGB values a browser composites in. Two thresholds sort pixels:
- background: closer to K in OKLab than the background threshold (noise, JPEG ringing, light left over);
- foreground: farther than the foreground threshold and with little of the key's signature (for green,
  green above both red and blue), and not within two pixels of anything else, so an opaque subject stays
  opaque and an anti-aliased edge is not mistaken for it;
- the rest (edges, hair, shadows, glass) is solved from the model above. Alpha is bounded below by F
  having to lie inside the RGB cube and above by F carrying no more of the key's signature than the
  subject does; within the bounds it is the projection of C - K on F - K, F being the nearest foreground
  colour, where C lies along that line, and the middle of the bounds where it does not (a shadow or a
  tinted glass is not the colour of the subject next to it).
`tightness` (0..1) raises both thresholds and lowers the signature a subject may carry: tighter removes
more. The matte shrinks as it rises; a few edge pixels can move either way, as the subject colours they
are solved against change.

Soft pixels are then de-spilled: their colour is unmixed from the key, F = (C - (1-alpha)K) / alpha, and its
key signature cut back to the subject's own, so no key-coloured fringe is left on semi-transparent edges.
From a 4:2:0 JPEG, edge alpha is also re-fitted to luma with a guided filter, luma being the only channel
JPEG keeps at full resolution.

Limits: a colour may be an opaque subject or a mixture of another colour with the key. A uniform
semi-transparent region (a glass rim, a tinted film) whose mixture has little of the key's signature reads
as opaque, and a subject colour with much of it (mint or lime on green) reads as partly transparent until
tightness is lowered.
"""

from __future__ import annotations

import functools
import io
import warnings

import numpy as np
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from studio.core import oklab
from studio.core.key_background import background_field, border_key
from studio.core.matte_filters import guided_filter, push_pull_fill, shrink

GREEN = (0, 255, 0)
MAGENTA = (255, 0, 255)
BLUE = (0, 0, 255)
# In order of preference when they tie: models paint pure green the most evenly.
KEY_CANDIDATES = {GREEN: "pure green", MAGENTA: "pure magenta", BLUE: "pure blue"}

READABLE_FORMATS = ("PNG", "JPEG", "WEBP")
OUTPUT_FORMATS = ("png", "webp")
# Twice gpt-image-2's largest output, as for uploads: room for big images, none for decompression bombs.
MAX_PIXELS = 2 * 8_294_400
# Differences in the chroma plane this small do not make one key easier to take out than another.
_KEY_MARGIN = 0.03


class MatteError(ValueError):
    """An image or a setting `cut_out` cannot work with, with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def choose_key_colour(prompt_palette: list[tuple[int, int, int]] | None = None) -> tuple[int, int, int]:
    """The candidate key colour farthest from every colour of the subject, green without any.

    Distance is measured in OKLab's hue-and-chroma plane (a, b), leaving out lightness: keying tells a
    subject from the background by hue and chroma, and a sky blue is as hard to take off pure blue as a
    navy is, though OKLab puts it far from blue by lightness. "Farthest" is the largest distance to the
    nearest subject colour, so one green leaf in the palette rules green out. Candidates within
    `_KEY_MARGIN` of the best count as tied, and the earlier one (green first) wins.
    """
    if not prompt_palette:
        return GREEN
    subject = np.stack([oklab.oklab_of_rgb(_checked_rgb(colour))[1:] for colour in prompt_palette])

    def margin(key: tuple[int, int, int]) -> float:
        return float(oklab.distance(subject, oklab.oklab_of_rgb(key)[1:]).min())

    margins = {key: margin(key) for key in KEY_CANDIDATES}
    best = max(margins.values())
    return next(key for key in KEY_CANDIDATES if margins[key] >= best - _KEY_MARGIN)


def key_prompt_suffix(key: tuple[int, int, int]) -> str:
    """The sentence appended to the prompt so that the model paints a background `cut_out` can remove."""
    r, g, b = _checked_rgb(key)
    hex_code = f"#{r:02X}{g:02X}{b:02X}"
    name = KEY_CANDIDATES.get((r, g, b), "solid colour")
    return (
        f"Show the subject alone on a flat, evenly lit, solid {name} background of exactly {hex_code} "
        f"(RGB {r}, {g}, {b}) filling the whole frame, with no gradient, texture, vignette, floor or shadow "
        f"on the background, a clean gap between the subject and the edges of the frame, and no {name} or "
        "colours close to it anywhere in the subject."
    )


def estimate_key_colour(image: Image.Image) -> tuple[int, int, int]:
    """The background colour the model actually painted, from the image's borders.

    The commonest border colour wins, then is refined to the mean of the border pixels near it, so a
    subject touching an edge or an uneven light does not pull it away.
    """
    pixels = np.asarray(image.convert("RGB"))
    return tuple(int(round(v * 255)) for v in border_key(pixels))


def cut_out(
    image_bytes: bytes,
    *,
    key: tuple[int, int, int] | None = None,
    tightness: float = 0.5,
    out_format: str = "png",
) -> bytes:
    """The image with its key-colour background made transparent: RGBA PNG or WebP of the same size.

    `key` is the colour asked for (the painted one is measured from the image near it); None finds it from
    the borders. `tightness` 0..1: tighter removes more (fainter edges, near-key colours). Raises
    MatteError for what is not a PNG, JPEG or WebP image, a bad tightness or an output format without
    alpha.
    """
    out_format = out_format.lower()
    if out_format not in OUTPUT_FORMATS:
        raise MatteError(f"A cut-out needs transparency: save it as PNG or WebP, not {out_format!r}.")
    if isinstance(tightness, bool) or not isinstance(tightness, int | float) or not 0 <= tightness <= 1:
        raise MatteError(f"Tightness must be a number between 0 and 1, not {tightness!r}.")
    if key is not None:
        key = _checked_rgb(key)
    image, chroma_subsampled = _decode(image_bytes)
    rgba = key_out(
        np.asarray(image.convert("RGB")), key=key, tightness=tightness, chroma_subsampled=chroma_subsampled
    )
    if "A" in image.getbands() or "transparency" in image.info:
        # Already transparent pixels stay so.
        own_alpha = np.asarray(image.convert("RGBA"))[..., 3]
        rgba[..., 3] = (rgba[..., 3].astype(np.uint16) * own_alpha // 255).astype(np.uint8)
    return _encode(Image.fromarray(rgba, "RGBA"), out_format)


def checkerboard_preview(rgba_bytes: bytes, max_side: int = 1024) -> bytes:
    """A PNG of the image over a grey checkerboard, no side longer than `max_side`, for showing a cut-out
    where a page background would hide its transparency."""
    if max_side < 16:
        raise MatteError(f"A preview needs at least 16 pixels a side, not {max_side}.")
    image = _decode(rgba_bytes)[0].convert("RGBA")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    cell = max(8, max(image.size) // 64)
    tiles = (np.indices((image.height, image.width)) // cell).sum(axis=0) % 2
    board = np.where(tiles[..., None] == 0, np.uint8(204), np.uint8(255)).repeat(3, axis=2)
    preview = Image.fromarray(board, "RGB").convert("RGBA")
    preview.alpha_composite(image)
    out = io.BytesIO()
    preview.convert("RGB").save(out, "PNG")
    return out.getvalue()


def key_out(
    pixels: np.ndarray,
    *,
    key: tuple[int, int, int] | None = None,
    tightness: float = 0.5,
    chroma_subsampled: bool = False,
) -> np.ndarray:
    """The matte itself: (h, w, 3) uint8 RGB in, (h, w, 4) uint8 RGBA out (see the module's docstring).

    `chroma_subsampled` says the pixels come from a JPEG that stored colour at half resolution (4:2:0):
    edge alpha is then re-fitted to the full-resolution luma.
    """
    colour = [pixels[..., c].astype(np.float32) / 255 for c in range(3)]
    seed = border_key(pixels, start=None if key is None else np.array(key, np.float32) / 255)
    background, background_lab = background_field(pixels, seed)
    dist = np.sqrt(
        sum((p - q) ** 2 for p, q in zip(oklab.oklab_planes_from_bytes(pixels), background_lab, strict=True))
    )
    del background_lab  # a 4K image's planes are 33 MB each: let them go as soon as they are used
    signature = _Signature(seed)

    background_threshold, foreground_threshold, allowed_signature = _thresholds(tightness)
    sure_background = dist < background_threshold
    # Pixels within two of a non-foreground one may be anti-aliased mixtures that happen to look like a
    # subject colour (half red, half green reads as olive): they are solved like every edge pixel.
    sure_foreground = shrink(
        (dist > foreground_threshold) & (signature.saturation(colour) <= allowed_signature), radius=2
    )
    edge = ~(sure_background | sure_foreground)

    alpha = sure_foreground.astype(np.float32)
    at_edge = [plane[edge] for plane in colour]
    key_at_edge = [plane[edge] for plane in background]
    subject_at_edge = push_pull_fill(colour, sure_foreground.astype(np.float32), at=edge)
    edge_alpha, trust = _solve_alpha(at_edge, key_at_edge, subject_at_edge, signature)
    # Fade in over the background threshold's width, so soft shadows do not end on a step.
    edge_alpha *= np.clip(dist[edge] / background_threshold - 1, 0, 1)
    alpha[edge] = edge_alpha

    if chroma_subsampled:
        alpha = _refine_edges(alpha, colour, edge)

    rgba = np.zeros(pixels.shape[:2] + (4,), np.uint8)
    rgba[..., 3] = np.round(alpha * 255)
    opaque = alpha >= 1
    rgba[opaque, :3] = pixels[opaque]
    # Only edge pixels can be soft: the others are 0 or 1.
    edge_alpha = alpha[edge]
    soft = (edge_alpha > 0) & (edge_alpha < 1)
    foreground = _unmix(
        [plane[soft] for plane in at_edge],
        [plane[soft] for plane in key_at_edge],
        [plane[soft] for plane in subject_at_edge],
        edge_alpha[soft],
        trust[soft],
        signature,
    )
    edge_pixels = rgba[edge]
    edge_pixels[soft, :3] = np.round(np.stack(foreground, axis=-1) * 255)
    rgba[edge] = edge_pixels
    return rgba


def _thresholds(tightness: float) -> tuple[float, float, float]:
    """OKLab distances below which a pixel is background and above which it may be foreground, and the key
    saturation (see `_Signature`) a foreground colour may have."""
    # Tuned on bench/transparency.py. At the default 0.5: background below 0.028, a little over what noise
    # and JPEG leave on a lit key; foreground beyond 0.11, so a yellow-green (0.135 from pure green)
    # still counts; a signature up to 0.3, which takes in yellow-greens and olives (0.2-0.25) but not
    # the key half mixed with white or grey (0.5 and more).
    background = 0.008 + 0.04 * tightness
    foreground = 0.06 + 0.1 * tightness
    allowed_signature = 0.5 - 0.4 * tightness
    return background, foreground, allowed_signature


class _Signature:
    """What marks a colour as the key's: its strong channels above its weak ones (for green, green above
    both red and blue; for magenta, red and blue above green). A neutral key has none."""

    def __init__(self, key: np.ndarray) -> None:
        middle = (key.max() + key.min()) / 2
        self.strong = [c for c in range(3) if key[c] > middle]
        self.weak = [c for c in range(3) if key[c] <= middle]
        self.neutral = key.max() - key.min() < 0.2

    def of(self, planes: list[np.ndarray]) -> np.ndarray:
        if self.neutral:
            return np.zeros_like(planes[0])
        strong = functools.reduce(np.minimum, [planes[c] for c in self.strong])
        weak = functools.reduce(np.maximum, [planes[c] for c in self.weak])
        return strong - weak

    def saturation(self, planes: list[np.ndarray]) -> np.ndarray:
        """The signature relative to the brightest channel: 1 for the key and its shadows, about 0.2 for a
        yellow-green, 0 or less for colours without it."""
        brightest = np.maximum(np.maximum(planes[0], planes[1]), planes[2])
        return self.of(planes) / np.maximum(brightest, 1 / 255)

    def limit(self, planes: list[np.ndarray], ceiling: np.ndarray) -> list[np.ndarray]:
        """The colours with their signature cut down to `ceiling` by lowering the strong channels."""
        excess = np.maximum(self.of(planes) - ceiling, 0)
        return [plane - excess if c in self.strong else plane for c, plane in enumerate(planes)]


# Channel differences this small (in 0..1) are noise, not evidence of alpha.
_NOISE = 4 / 255
# F is trusted when the pixel lies along the line from K towards it: beyond this cosine of the angle.
_ALIGNED = 0.9
# Room above the subject's own key signature in the upper bound, for noise in either colour.
_SIGNATURE_SLACK = 0.05


def _solve_alpha(colour, key, subject, signature: _Signature) -> tuple[np.ndarray, np.ndarray]:
    """Alpha of mixed pixels within the physical bounds, and how far F was trusted (0..1).

    F, the nearest subject colour, is trusted where C lies along the line from K towards it; there alpha
    is the projection of C - K on F - K. Elsewhere (glass, shadows: what is mixed in is not the nearest
    subject colour) alpha is the middle of the bounds.
    """
    towards = [f - k for f, k in zip(subject, key, strict=True)]
    seen = [c - k for c, k in zip(colour, key, strict=True)]
    length = sum(t * t for t in towards)
    dot = sum(s * t for s, t in zip(seen, towards, strict=True))
    cosine = dot / np.sqrt(np.maximum(sum(s * s for s in seen) * length, 1e-12))
    trust = np.clip((cosine - _ALIGNED) / (1 - _ALIGNED), 0, 1) * (length > 0.01)

    # Lower bound: the smallest alpha whose unmixed F stays inside the RGB cube.
    lowest = np.zeros_like(colour[0])
    for s, k in zip(seen, key, strict=True):
        room = np.where(s > 0, 1 - k, k)
        lowest = np.maximum(lowest, np.maximum(np.abs(s) - _NOISE, 0) / np.maximum(room, 0.05))
    # Upper bound: F carries no more of the key's signature than the trusted subject colour does.
    if signature.neutral:
        highest = np.ones_like(lowest)
    else:
        key_signature = signature.of(key)
        allowed = trust * np.maximum(signature.of(subject), 0) + _SIGNATURE_SLACK
        highest = (key_signature - signature.of(colour)) / np.maximum(key_signature - allowed, 0.05)
    highest = np.maximum(highest, lowest)

    projected = np.clip(dot / np.maximum(length, 1e-6), lowest, highest)
    middle = (lowest + highest) / 2
    return np.clip(trust * projected + (1 - trust) * middle, 0, 1), trust


def _refine_edges(alpha: np.ndarray, colour: list[np.ndarray], edge: np.ndarray) -> np.ndarray:
    """Edge alpha re-fitted to luma: JPEG and the model's own decoder blur colour more than brightness."""
    luma = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
    refined = np.clip(guided_filter(luma, alpha, radius=2, eps=1e-4), 0, 1)
    return np.where(edge, refined, alpha)


def _unmix(colour, key, subject, alpha, trust, signature: _Signature) -> list[np.ndarray]:
    """Foreground colours of soft pixels: the key taken out of C, then any key signature beyond the
    subject's own (none where the subject colour nearby is not what is mixed in)."""
    unmixed = [
        np.clip((c - (1 - alpha) * k) / np.maximum(alpha, 1e-3), 0, 1)
        for c, k in zip(colour, key, strict=True)
    ]
    # At low alpha the division amplifies noise: lean on the neighbouring subject's colour instead.
    steady = np.clip(alpha / 0.1, 0, 1)
    mixed = [steady * u + (1 - steady) * s for u, s in zip(unmixed, subject, strict=True)]
    ceiling = trust * np.maximum(signature.of(subject), 0)
    return [np.clip(plane, 0, 1) for plane in signature.limit(mixed, ceiling)]


def _checked_rgb(colour) -> tuple[int, int, int]:
    try:
        r, g, b = (int(v) for v in colour)
    except (TypeError, ValueError):
        raise MatteError(f"A colour must be three numbers 0-255, not {colour!r}.") from None
    if not all(0 <= v <= 255 for v in (r, g, b)):
        raise MatteError(f"A colour must be three numbers 0-255, not {colour!r}.")
    return r, g, b


def _decode(data: bytes) -> tuple[Image.Image, bool]:
    """The image upright, and whether it is a JPEG with colour at half resolution (4:2:0)."""
    if not data:
        raise MatteError("That file is empty.")
    unreadable = MatteError("That file is not an image Atelier can read (use PNG, JPEG or WebP).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MatteError("That image declares far more pixels than any real picture: refused.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable from None
    if image.format not in READABLE_FORMATS:
        raise MatteError(f"{image.format} images cannot be cut out: use PNG, JPEG or WebP.")
    if image.width * image.height > MAX_PIXELS:
        raise MatteError(f"That image is {image.width}x{image.height}: too large to cut out.")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise MatteError("That image is damaged or cut short, and cannot be read.") from None
    chroma_subsampled = image.format == "JPEG" and JpegImagePlugin.get_sampling(image) == 2
    return ImageOps.exif_transpose(image), chroma_subsampled


def _encode(image: Image.Image, out_format: str) -> bytes:
    out = io.BytesIO()
    if out_format == "png":
        # Level 3 compresses within a few percent of the default 6 at a quarter of its time.
        image.save(out, "PNG", compress_level=3)
    else:
        image.save(out, "WEBP", lossless=True, method=3)
    return out.getvalue()
