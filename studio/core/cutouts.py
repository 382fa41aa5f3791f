"""Cut-outs: an image with its background made transparent, stored as a new image linked to the original
(which is kept). Two ways in: "Remove background" on any image (`save_cutout`, previewed with
`preview_cutout`), and a "Transparent background" generation (`transparent_request`), which asks a model
that cannot make transparency for the subject on a flat key colour and keys each final out once it is
stored (`key_out_finals`, called by the job runner).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from studio.core import imaging, oklab, sizes
from studio.core.matte import (
    KEY_CANDIDATES,
    MatteError,
    checkerboard_preview,
    choose_key_colour,
    cut_out,
    estimate_key_colour,
    key_prompt_suffix,
)
from studio.core.requests import ImageRequest, JobRequest, from_json, with_options
from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset

logger = logging.getLogger(__name__)

RGB = tuple[int, int, int]
DEFAULT_TIGHTNESS = 0.5
PREVIEW_SIDE = 640
# The border colours are measured on the image scaled to this size.
BACKGROUND_SIDE = 256
# Border pixels this close (OKLab) to the detected colour count as background; a flat backdrop has most.
_FLAT_RADIUS = 0.06

# Colour words a prompt may give its subject, and the colours they stand for: enough to keep the key away
# from what the prompt describes before the image exists. Things that are nearly always one colour count.
COLOUR_WORDS: dict[str, RGB] = {
    "green": (46, 160, 90),
    "lime": (160, 220, 60),
    "olive": (128, 128, 40),
    "emerald": (40, 160, 100),
    "mint": (150, 230, 200),
    "sage": (150, 170, 130),
    "jade": (0, 168, 107),
    "leaf": (70, 150, 60),
    "leaves": (70, 150, 60),
    "grass": (90, 170, 60),
    "plant": (60, 140, 70),
    "fern": (80, 150, 70),
    "cactus": (80, 140, 80),
    "frog": (90, 160, 60),
    "forest": (34, 100, 60),
    "teal": (20, 150, 150),
    "blue": (40, 90, 200),
    "navy": (20, 40, 90),
    "cobalt": (0, 71, 171),
    "azure": (0, 127, 255),
    "sky": (135, 206, 235),
    "ocean": (20, 110, 170),
    "sea": (20, 110, 170),
    "turquoise": (64, 224, 208),
    "cyan": (0, 200, 220),
    "purple": (120, 70, 180),
    "violet": (140, 90, 220),
    "lavender": (180, 160, 220),
    "magenta": (220, 40, 200),
    "fuchsia": (220, 40, 200),
    "pink": (240, 120, 170),
    "red": (214, 48, 49),
    "crimson": (170, 20, 50),
    "orange": (240, 130, 40),
    "yellow": (250, 205, 60),
    "gold": (212, 170, 60),
    "brown": (130, 80, 50),
}
_HEX = re.compile(r"#([0-9a-fA-F]{6})\b")


def prompt_palette(prompt: str) -> list[RGB]:
    """The subject colours a prompt names: colour words, things of one colour, and #rrggbb codes."""
    words = re.findall(r"[a-z]+", prompt.lower())
    colours = [COLOUR_WORDS[word] for word in words if word in COLOUR_WORDS]
    colours += [_rgb_of_hex(f"#{code}") for code in _HEX.findall(prompt)]
    return colours


def transparent_request(request: ImageRequest) -> ImageRequest:
    """The request with a transparent background: natively where the model makes one (PNG or WebP), else the
    prompt asks for a flat key colour chosen away from the prompt's colours, and the finals are keyed out."""
    if sizes.supports_transparency(request.options.model):
        return with_options(request, background="transparent")
    key = choose_key_colour(prompt_palette(request.prompt))
    return replace(
        request,
        prompt=f"{request.prompt.rstrip()}\n\n{key_prompt_suffix(key)}",
        cutout_key=_hex_of(key),
        options=replace(request.options, background="opaque"),
    )


def asks_for_key_out(request: JobRequest) -> bool:
    """Whether a job's finals are to be keyed out (its request asked for a key colour)."""
    return isinstance(request, ImageRequest) and bool(request.cutout_key)


def key_out_finals(job: GenerationJob, *, store: Callable[..., ImageAsset]) -> list[ImageAsset]:
    """For a job that asked for a key colour: each final without a cut-out yet, keyed out into a linked
    cut-out (PNG, or WebP for a WebP final), stored with `store(job, data, kind, **fields)`.

    Never raises: the finals are stored and paid for whatever happens here, and a cut-out can still be
    made from the image's "Remove background" page. Safe to call again (a job taken over after a crash).
    """
    request = from_json(job.request)
    if not asks_for_key_out(request):
        return []
    key = _rgb_of_hex(request.cutout_key)
    finals = job.images.filter(kind=ImageAsset.Kind.FINAL).exclude(derivatives__kind=ImageAsset.Kind.CUTOUT)
    made = []
    for final in finals:
        try:
            data = cut_out(
                _read_for_the_matte(final),
                key=key,
                tightness=DEFAULT_TIGHTNESS,
                out_format=_alpha_format(final),
            )
            recipe = {"key": request.cutout_key, "tightness": DEFAULT_TIGHTNESS, "detected": False}
            made.append(
                store(
                    job,
                    data,
                    ImageAsset.Kind.CUTOUT,
                    output_index=final.output_index,
                    derived_from=final,
                    recipe=recipe,
                )
            )
        except Exception:
            logger.exception("could not key out image %s of job %s; the final is kept", final.pk, job.pk)
    return made


@dataclass(frozen=True)
class Background:
    """The background a cut-out removes: the colour asked for, or the one found along the borders."""

    key: RGB
    asked_for: bool  # the image was generated on this key colour
    flat: bool  # most of the border is this colour: a plain backdrop the matte can remove

    @property
    def hex(self) -> str:
        return _hex_of(self.key)

    @property
    def name(self) -> str:
        return KEY_CANDIDATES.get(self.key, "")


def background_of(image: ImageAsset) -> Background:
    """The key colour the image was generated on, if it was; otherwise the colour found along its borders,
    and whether that colour is a flat backdrop (most of the border) or only the commonest of several."""
    request = from_json(image.job.request) if image.job is not None else None
    if isinstance(request, ImageRequest) and request.cutout_key:
        return Background(_rgb_of_hex(request.cutout_key), asked_for=True, flat=True)
    picture = _decode_to_scale(image, BACKGROUND_SIDE)
    picture.thumbnail((BACKGROUND_SIDE, BACKGROUND_SIDE))
    key = estimate_key_colour(picture)
    pixels = np.asarray(picture.convert("RGB"))
    border = np.concatenate([pixels[:2].reshape(-1, 3), pixels[-2:].reshape(-1, 3)])
    border = np.concatenate([border, pixels[:, :2].reshape(-1, 3), pixels[:, -2:].reshape(-1, 3)])
    near = oklab.distance(oklab.oklab_from_bytes(border), oklab.oklab_of_rgb(key)) < _FLAT_RADIUS
    return Background(key, asked_for=False, flat=bool(near.mean() >= 0.6))


def preview_cutout(image: ImageAsset, background: Background, tightness: float) -> bytes:
    """The cut-out at preview size on a checkerboard (PNG): the same matte `save_cutout` computes, on the
    image scaled to at most PREVIEW_SIDE pixels a side so that a slider can follow it."""
    picture = _decode_to_scale(image, PREVIEW_SIDE)
    picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    small = io.BytesIO()
    picture.save(small, "PNG")
    keyed = cut_out(small.getvalue(), key=background.key, tightness=tightness)
    return checkerboard_preview(keyed, max_side=PREVIEW_SIDE)


def save_cutout(image: ImageAsset, background: Background, tightness: float, out_format: str) -> ImageAsset:
    """Key the image out at full size and store it as a new cut-out linked to `image`. MatteError for an
    image that cannot be cut out."""
    data = cut_out(_read_for_the_matte(image), key=background.key, tightness=tightness, out_format=out_format)
    recipe = {"key": background.hex, "tightness": tightness, "detected": not background.asked_for}
    return store_image(
        image.owner,
        data,
        kind=ImageAsset.Kind.CUTOUT,
        job=image.job,
        derived_from=image,
        recipe=recipe,
        output_index=image.output_index,
    )


def _alpha_format(image: ImageAsset) -> str:
    return "webp" if image.format == "webp" else "png"


def _read(image: ImageAsset) -> bytes:
    with image.file.open("rb") as handle:
        return handle.read()


def _decode_to_scale(image: ImageAsset, side: int) -> Image.Image:
    """The image in RGB or RGBA, to be scaled to `side` pixels: a JPEG is decoded at no less than twice
    that, as `thumbnail()` would have it."""
    return imaging.decode(_read(image), draft_edge=2 * side)


def _read_for_the_matte(image: ImageAsset) -> bytes:
    """The image's file, or for one kept in another mode than RGB or RGBA (a CMYK JPEG, 16-bit grey) a PNG
    of it in one: the matte converts modes the way Pillow does, which turns 16-bit grey white."""
    return imaging.rgb_or_rgba_file(_read(image))


def _hex_of(colour: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*colour)


def _rgb_of_hex(code: str) -> RGB:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", code):
        raise MatteError(f"A key colour is #RRGGBB, not {code!r}.")
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)
