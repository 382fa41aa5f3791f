"""Compositions that look like designs, seeded by the prompt: a palette, a layout, shapes, and the prompt's
words set as typography. The same prompt and size always give the same pixels.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

RGB = tuple[int, int, int]

COLOUR_WORDS: dict[str, RGB] = {
    "red": (214, 48, 49),
    "crimson": (170, 20, 50),
    "orange": (240, 130, 40),
    "yellow": (250, 205, 60),
    "gold": (212, 170, 60),
    "green": (46, 160, 90),
    "forest": (34, 100, 60),
    "teal": (20, 150, 150),
    "blue": (40, 90, 200),
    "ocean": (20, 110, 170),
    "navy": (20, 40, 90),
    "purple": (120, 70, 180),
    "violet": (140, 90, 220),
    "pink": (240, 120, 170),
    "brown": (130, 80, 50),
    "coffee": (110, 70, 45),
    "black": (20, 20, 24),
    "white": (245, 245, 240),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "sunset": (245, 110, 80),
    "neon": (60, 255, 170),
    "mint": (150, 230, 200),
}

# (background, ink, accent, accent, accent): flat backgrounds, so a later "change the background" can find them.
PALETTES: tuple[tuple[RGB, ...], ...] = (
    ((246, 241, 231), (33, 37, 41), (231, 111, 81), (42, 157, 143), (233, 196, 106)),
    ((17, 24, 39), (243, 244, 246), (99, 102, 241), (236, 72, 153), (250, 204, 21)),
    ((236, 244, 243), (16, 42, 67), (0, 129, 167), (240, 113, 103), (254, 217, 183)),
    ((255, 250, 240), (60, 40, 30), (188, 71, 73), (106, 153, 78), (242, 232, 207)),
    ((30, 41, 59), (248, 250, 252), (56, 189, 248), (251, 146, 60), (163, 230, 53)),
    ((250, 237, 205), (40, 54, 24), (212, 163, 115), (96, 108, 56), (204, 213, 174)),
    ((241, 250, 238), (29, 53, 87), (230, 57, 70), (69, 123, 157), (168, 218, 220)),
    ((43, 45, 66), (237, 242, 244), (239, 35, 60), (141, 153, 174), (217, 4, 41)),
)

LAYOUTS = ("poster", "split", "badge", "grid")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "with",
        "and",
        "in",
        "on",
        "at",
        "to",
        "by",
        "from",
        "as",
        "is",
        "are",
        "be",
        "this",
        "that",
        "our",
        "your",
        "its",
    ]
)


@dataclass(frozen=True)
class Palette:
    background: RGB
    ink: RGB
    accents: tuple[RGB, RGB, RGB]


def seed_of(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big")


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def colours_named(text: str) -> list[RGB]:
    return [COLOUR_WORDS[word] for word in re.findall(r"[a-z]+", text.lower()) if word in COLOUR_WORDS]


def palette_for(prompt: str, rng: random.Random, references: list[Image.Image]) -> Palette:
    background, ink, *accents = rng.choice(PALETTES)
    named = colours_named(prompt)
    if references:
        # Reference images lend their colours: the design is visibly made from them.
        accents = reference_colours(references)[:3] + accents
    for index, colour in enumerate(named[:3]):
        accents[index] = colour
    return Palette(background, ink, (accents[0], accents[1], accents[2]))


def reference_colours(references: list[Image.Image]) -> list[RGB]:
    colours: list[RGB] = []
    for reference in references[:3]:
        thumbnail = reference.convert("RGB").resize((48, 48))
        quantised = thumbnail.quantize(colors=4, method=Image.Quantize.MEDIANCUT)
        palette = quantised.getpalette() or []
        counts = sorted(quantised.getcolors() or [], reverse=True)
        for _, index in counts[:2]:
            colours.append(tuple(palette[index * 3 : index * 3 + 3]))  # type: ignore[arg-type]
    return colours


def headline(prompt: str) -> tuple[str, str]:
    """The title (up to four meaningful words, upper case) and the rest of the prompt as a subtitle."""
    words = re.findall(r"[\w'’-]+", prompt)
    meaningful = [word for word in words if word.lower() not in STOP_WORDS] or words or ["Untitled"]
    title = " ".join(meaningful[:4]).upper()
    rest = " ".join(words[len(meaningful[:4]) :]) if len(words) > 4 else ""
    subtitle = rest[:80] + ("…" if len(rest) > 80 else "")
    return title, subtitle.lower()


def wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font(size)) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def set_type(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    title: str,
    subtitle: str,
    ink: RGB,
    *,
    centred: bool,
) -> None:
    left, top, right, bottom = box
    width = right - left
    size = max(12, (bottom - top) // 4)
    lines = wrap(draw, title, size, width)
    while size > 12 and (len(lines) * size * 1.15 > (bottom - top) * 0.7 or len(lines) > 3):
        size = int(size * 0.88)
        lines = wrap(draw, title, size, width)
    y = top
    for line in lines[:3]:
        x = left + (width - draw.textlength(line, font=font(size))) / 2 if centred else left
        draw.text((x, y), line, font=font(size), fill=ink, stroke_width=max(1, size // 28), stroke_fill=ink)
        y += int(size * 1.15)
    if subtitle:
        small = max(10, size // 3)
        for line in wrap(draw, subtitle, small, width)[:2]:
            x = left + (width - draw.textlength(line, font=font(small))) / 2 if centred else left
            draw.text((x, y + small // 2), line, font=font(small), fill=ink)
            y += int(small * 1.3)


def mix(first: RGB, second: RGB, amount: float) -> RGB:
    """`first` moved `amount` of the way towards `second`."""
    return tuple(round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))  # type: ignore[return-value]


def paste_cover(canvas: Image.Image, picture: Image.Image, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    fitted = ImageOps.fit(picture.convert("RGB"), (max(1, right - left), max(1, bottom - top)))
    canvas.paste(fitted, (left, top))


def render_design(
    prompt: str,
    width: int,
    height: int,
    *,
    quality: str,
    transparent: bool,
    references: list[Image.Image],
    variant: int = 0,
) -> Image.Image:
    """One design for `prompt`; `variant` tells apart the images of one request (n > 1)."""
    rng = random.Random(seed_of(prompt, len(references), variant))
    palette = palette_for(prompt, rng, references)
    layout = LAYOUTS[rng.randrange(len(LAYOUTS))]
    background = (0, 0, 0, 0) if transparent else (*palette.background, 255)
    canvas = Image.new("RGBA", (width, height), background)
    draw = ImageDraw.Draw(canvas)
    title, subtitle = headline(prompt)
    unit = min(width, height)
    margin = unit // 14
    detail = {"low": 4, "medium": 10, "high": 18}[quality]
    accent_a, accent_b, accent_c = palette.accents

    if layout == "poster":
        radius = int(unit * rng.uniform(0.22, 0.32))
        cx, cy = int(width * rng.uniform(0.55, 0.75)), int(height * rng.uniform(0.35, 0.5))
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=accent_a)
        stripe = max(4, height // 40)
        for index in range(min(detail, 8)):
            y = height - margin - index * stripe * 2
            draw.rectangle((0, y - stripe, width, y), fill=(accent_b, accent_c)[index % 2])
        hero = (cx - radius // 2, cy - radius // 2, cx + radius // 2, cy + radius // 2)
        type_box = (margin, margin, int(width * 0.62), int(height * 0.55))
        centred = False
    elif layout == "split":
        split = int(width * rng.uniform(0.42, 0.55))
        draw.rectangle((0, 0, split, height), fill=accent_a)
        step = max(8, (width - split) // max(3, detail // 2))
        for x in range(split + step // 2, width, step):
            for y in range(step // 2, height, step):
                r = step // 3
                draw.ellipse((x - r, y - r, x + r, y + r), fill=(accent_b, accent_c)[(x + y) // step % 2])
        hero = (split + margin, margin, width - margin, height // 2)
        type_box = (margin, height // 2, split - margin, height - margin)
        centred = False
    elif layout == "badge":
        cx, cy = width // 2, height // 2
        for index in range(detail * 2):
            angle = index * 360 / (detail * 2)
            draw.pieslice(
                (cx - unit, cy - unit, cx + unit, cy + unit), angle, angle + 180 / (detail * 2), fill=accent_c
            )
        outer = int(unit * 0.42)
        draw.ellipse((cx - outer, cy - outer, cx + outer, cy + outer), fill=accent_a)
        inner = int(outer * 0.86)
        draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=(*palette.background, 255))
        hero = (cx - inner // 2, cy - inner + inner // 6, cx + inner // 2, cy - inner // 6)
        type_box = (cx - int(inner * 0.8), cy, cx + int(inner * 0.8), cy + int(inner * 0.7))
        centred = True
    else:  # grid
        columns = 3 if width >= height else 2
        rows = 2 if width >= height else 3
        cell_w, cell_h = width // columns, height // rows
        for column in range(columns):
            for row in range(rows):
                left, top = column * cell_w, row * cell_h
                colour = palette.accents[(column + row * 2) % 3]
                shape = rng.randrange(3)
                inset = cell_h // 8
                box = (left + inset, top + inset, left + cell_w - inset, top + cell_h - inset)
                if shape == 0:
                    draw.ellipse(box, fill=colour)
                elif shape == 1:
                    draw.rectangle(box, fill=colour)
                else:
                    draw.polygon(
                        [(box[0], box[3]), ((box[0] + box[2]) // 2, box[1]), (box[2], box[3])], fill=colour
                    )
        band = height // 5
        draw.rectangle(
            (0, height // 2 - band // 2, width, height // 2 + band), fill=(*palette.background, 255)
        )
        hero = (width - cell_w + margin, margin, width - margin, cell_h - margin)
        type_box = (margin, height // 2 - band // 2 + band // 8, width - margin, height // 2 + band)
        centred = True

    if quality == "high":
        # Fine hairlines: more detail for more tokens.
        hairline = mix(palette.ink, palette.background, 0.8)
        for _ in range(10):
            x = rng.randrange(width)
            draw.line((x, 0, x + width // 6, height), fill=hairline, width=max(1, unit // 512))
    if references:
        frame = max(2, unit // 120)
        left, top, right, bottom = hero
        draw.rectangle((left - frame, top - frame, right + frame, bottom + frame), fill=palette.ink)
        paste_cover(canvas, references[0], hero)
        thumb = unit // 8
        for index, reference in enumerate(references[1:6]):
            x = margin + index * (thumb + margin // 2)
            y = height - margin - thumb
            draw.rectangle((x - frame, y - frame, x + thumb + frame, y + thumb + frame), fill=palette.ink)
            paste_cover(canvas, reference, (x, y, x + thumb, y + thumb))
    set_type(draw, type_box, title, subtitle, palette.ink, centred=centred)
    return canvas if transparent else canvas.convert("RGB")
