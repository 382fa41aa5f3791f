"""A subject alone on a flat key colour, for prompts that ask for one ("... a flat, evenly lit, solid pure
green background of exactly #00FF00 ..."), as a model paints it: the key a little off the colour asked for
and lit a little unevenly, the subject anti-aliased, clear of the frame's edges and of the key's hue. Tests
of transparent output key it out and know where the subject is: a disc and a square in the middle half.
"""

from __future__ import annotations

import random
import re

from PIL import Image, ImageDraw

from .design import colours_named, seed_of

RGB = tuple[int, int, int]
_ASKED = re.compile(r"background of exactly #([0-9A-Fa-f]{6})\b")
_SUPER = 4


def asked_key(prompt: str) -> RGB | None:
    """The key colour the prompt asks the background to be, if it asks for one."""
    found = _ASKED.search(prompt)
    if found is None:
        return None
    code = found.group(1)
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def render_on_key(prompt: str, width: int, height: int, key: RGB, *, variant: int = 0) -> Image.Image:
    """The subject (a disc and a square, in the prompt's colours that are far from the key) on the key."""
    rng = random.Random(seed_of("keyed", prompt, variant))
    painted = tuple(max(0, min(255, channel + rng.randint(-14, 14))) for channel in key)
    # Uneven light: a gentle vertical falloff, as a model paints a "flat" backdrop.
    top = Image.new("RGB", (1, 2), painted)
    top.putpixel((0, 1), tuple(max(0, int(channel * 0.94)) for channel in painted))
    canvas = top.resize((width, height), Image.Resampling.BILINEAR)

    colours = [colour for colour in colours_named(prompt) if _far_from(colour, key)]
    colours += [(200, 40, 40), (40, 60, 160), (240, 200, 60)]
    coverage = Image.new("L", (width * _SUPER, height * _SUPER), 0)
    draw = ImageDraw.Draw(coverage)
    unit = min(width, height) * _SUPER
    cx, cy = width * _SUPER // 2, height * _SUPER // 2
    radius = unit // 4
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=255)
    disc_mask = coverage.reduce(_SUPER)
    square = Image.new("L", coverage.size, 0)
    side = unit // 7
    ImageDraw.Draw(square).rectangle((cx - side, cy - side, cx + side, cy + side), fill=255)
    square_mask = square.reduce(_SUPER)
    canvas.paste(colours[0], (0, 0, width, height), disc_mask)
    canvas.paste(colours[1], (0, 0, width, height), square_mask)
    return canvas


def _far_from(colour: RGB, key: RGB) -> bool:
    return sum((a - b) ** 2 for a, b in zip(colour, key, strict=True)) > 180**2
