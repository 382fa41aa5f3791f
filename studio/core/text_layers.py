"""Exact text over generated images: layers of text set by the server with Pillow, in vendored fonts, so
that the preview the page shows is the very image the user downloads.

The model renders short text well but not reliably; brand names, prices and legal lines are set here
instead, on an image the model was asked to leave room in (`leave_room_for_text_prompt`).

Coordinates are pixels of the image the layers are drawn on, origin top-left. A layer's box (x, y, width,
height) is where its text goes: lines wrap at the box's width (at spaces, and inside words longer than a
line), align left, center or right in it, and start at its top (or sit in its middle or at its bottom
with `valign`). Text taller than the box is not cut off: it runs on below, as CSS's overflow: visible.

Typography: `size` is pixels per em. Each line box is `line_spacing` x size tall, with the baseline half
the leading plus the font's ascent below its top (CSS's model). Glyphs are placed one by one, each
advancing by its own width (`font.getlength`, no kerning) plus `letter_spacing` x size between glyphs.
Runs of spaces collapse to one, as in HTML; a newline starts a new line.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

from studio.core.fonts import FONTS, WEIGHTS, load_font
from studio.core.imaging import rgb_or_rgba
from studio.core.text_layout import Measure, wrap

MAX_TEXT = 2000
SIZE_RANGE = (6, 512)
LINE_SPACING_RANGE = (0.8, 3.0)
LETTER_SPACING_RANGE = (-0.2, 1.0)
# Wider than any image Atelier makes or accepts, so a box can start off the image but not absurdly far.
MAX_COORDINATE = 16384
ALIGNS = ("left", "center", "right")
VALIGNS = ("top", "middle", "bottom")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
MAX_PIXELS = 2 * 8_294_400
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?")


class TextLayerError(ValueError):
    """A text layer or an image that cannot be rendered, with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outline:
    """A stroke around every glyph, `width` pixels out from its edge."""

    width: int = 2
    colour: str = "#000000"

    def __post_init__(self) -> None:
        _check_int("outline width", self.width, 1, 64)
        _check_colour("outline colour", self.colour)


@dataclass(frozen=True)
class Shadow:
    """A copy of the text (and outline) behind it, moved by (dx, dy) pixels and blurred by `blur`."""

    dx: int = 3
    dy: int = 3
    blur: int = 4
    colour: str = "#00000099"

    def __post_init__(self) -> None:
        _check_int("shadow dx", self.dx, -256, 256)
        _check_int("shadow dy", self.dy, -256, 256)
        _check_int("shadow blur", self.blur, 0, 128)
        _check_colour("shadow colour", self.colour)


@dataclass(frozen=True)
class TextLayer:
    """One block of text in a box; valid once built (TextLayerError otherwise), stored as `to_dict()`.

    Colours are "#rrggbb" or "#rrggbbaa" (aa is the opacity). See the module's docstring for the box and
    the typography.
    """

    text: str
    x: int
    y: int
    width: int
    height: int
    font: str = "inter"
    size: int = 48
    weight: str = "regular"
    colour: str = "#000000"
    align: str = "left"
    valign: str = "top"
    line_spacing: float = 1.2
    letter_spacing: float = 0.0
    outline: Outline | None = None
    shadow: Shadow | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise TextLayerError("A text layer needs some text.")
        if len(self.text) > MAX_TEXT:
            raise TextLayerError(f"A text layer holds at most {MAX_TEXT} characters, not {len(self.text)}.")
        for character in self.text:
            if character != "\n" and unicodedata.category(character).startswith("C"):
                raise TextLayerError(
                    f"The text has a control character ({character!r}) that cannot be drawn."
                )
        _check_int("x", self.x, -MAX_COORDINATE, MAX_COORDINATE)
        _check_int("y", self.y, -MAX_COORDINATE, MAX_COORDINATE)
        _check_int("width", self.width, 1, MAX_COORDINATE)
        _check_int("height", self.height, 1, MAX_COORDINATE)
        if self.font not in FONTS:
            raise TextLayerError(f"Unknown font {self.font!r}: choose one of {', '.join(FONTS)}.")
        _check_int("size", self.size, *SIZE_RANGE, unit=" pixels")
        _check_choice("weight", self.weight, WEIGHTS)
        _check_colour("colour", self.colour)
        _check_choice("align", self.align, ALIGNS)
        _check_choice("valign", self.valign, VALIGNS)
        _check_number("line spacing", self.line_spacing, *LINE_SPACING_RANGE)
        _check_number("letter spacing", self.letter_spacing, *LETTER_SPACING_RANGE, unit=" em")
        if self.outline is not None and not isinstance(self.outline, Outline):
            raise TextLayerError("The outline must be an Outline or none.")
        if self.shadow is not None and not isinstance(self.shadow, Shadow):
            raise TextLayerError("The shadow must be a Shadow or none.")

    def to_dict(self) -> dict:
        """Plain JSON types only; `from_dict` takes it back."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TextLayer:
        """A layer from `to_dict()` (or a form), refusing unknown keys rather than dropping them."""
        if not isinstance(data, dict):
            raise TextLayerError("A text layer must be an object of named settings.")
        values = _known_keys(cls, data, "text layer")
        for name, part in (("outline", Outline), ("shadow", Shadow)):
            if values.get(name) is not None:
                if not isinstance(values[name], dict):
                    raise TextLayerError(f"The {name} must be an object of named settings or none.")
                values[name] = part(**_known_keys(part, values[name], name))
        missing = [name for name in _REQUIRED if name not in values]
        if missing:
            raise TextLayerError(f"A text layer needs {', '.join(missing)}.")
        return cls(**values)


_REQUIRED = ("text", "x", "y", "width", "height")


class PlacedLine(NamedTuple):
    """A line as laid out: its text and the top-left corner of its line box (x, y in image pixels)."""

    text: str
    x: float
    y: float


def layout(layer: TextLayer) -> list[PlacedLine]:
    """Where each line of the layer goes: wrapped to the box width, aligned, stacked in the box. x is the
    left end of the line's advance (its first glyph's ink starts that glyph's side bearing to the right),
    y the top of its line box."""
    font = load_font(layer.font, layer.weight, layer.size)
    measure = Measure(font, layer.letter_spacing * layer.size)
    lines = wrap(layer.text, measure, layer.width)
    line_height = layer.line_spacing * layer.size
    spare = layer.height - line_height * len(lines)
    top = layer.y + {"top": 0, "middle": spare / 2, "bottom": spare}[layer.valign]
    placed = []
    for index, line in enumerate(lines):
        room = layer.width - measure(line)
        left = layer.x + {"left": 0, "center": room / 2, "right": room}[layer.align]
        placed.append(PlacedLine(line, left, top + index * line_height))
    return placed


def render_layers(
    image_bytes: bytes, layers: list[TextLayer], out_format: str = "png", quality: int | None = None
) -> bytes:
    """The image with every layer drawn on it in order, the same size, as png, jpeg or webp.

    Transparency is kept in PNG and WebP; JPEG has none, so a transparent image is laid on white first.
    `quality` (1-100) is for JPEG (default 92) and WebP (default lossless); PNG is always lossless.
    Raises TextLayerError for an image it cannot read or a format or quality it cannot write.
    """
    out_format = out_format.lower()
    if out_format not in OUTPUT_FORMATS:
        raise TextLayerError(f"Cannot save as {out_format!r}: choose png, jpeg or webp.")
    if quality is not None:
        _check_int("quality", quality, 1, 100)
    image = _decode(image_bytes)
    has_alpha = image.mode == "RGBA"
    canvas = image.convert("RGBA")
    for layer in layers:
        if not isinstance(layer, TextLayer):
            raise TextLayerError("Only text layers can be rendered.")
        _draw(canvas, layer)
    return _encode(canvas, out_format, quality, has_alpha)


def leave_room_for_text_prompt(layers: list[TextLayer], image_size: tuple[int, int]) -> str:
    """Sentences for the image prompt asking the model to leave the layers' boxes plain, so that text
    set on them later reads clearly. Empty without layers. The text itself is never quoted: the model
    would try to letter it."""
    if not layers:
        return ""
    width, height = image_size
    requests = [f"{_describe_area(layer, width, height)} {_purpose(layer, height)}" for layer in layers]
    return (
        " ".join(f"Leave {request}." for request in requests)
        + " Keep those areas calm and free of detail, and do not write any text or lettering in the image."
    )


def _describe_area(layer: TextLayer, width: int, height: int) -> str:
    top = min(max(layer.y / height, 0), 1)
    bottom = min(max((layer.y + layer.height) / height, 0), 1)
    left = min(max(layer.x / width, 0), 1)
    right = min(max((layer.x + layer.width) / width, 0), 1)
    if top <= 0.05 and bottom <= 0.5:
        vertical = f"the top {_fraction(bottom)} of the image"
    elif bottom >= 0.95 and top >= 0.5:
        vertical = f"the bottom {_fraction(1 - top)} of the image"
    else:
        vertical = f"the area from {round(top * 100)}% to {round(bottom * 100)}% of the way down"
    if right - left >= 0.8:
        across = "across the full width"
    elif right <= 0.6:
        across = "on the left side"
    elif left >= 0.4:
        across = "on the right side"
    else:
        across = "in the centre"
    return f"{vertical}, {across}, empty"


def _fraction(share: float) -> str:
    for limit, words in ((0.14, "eighth"), (0.22, "fifth"), (0.29, "quarter"), (0.4, "third"), (0.6, "half")):
        if share <= limit:
            return words
    return f"{round(share * 100)}%"


def _purpose(layer: TextLayer, height: int) -> str:
    words = len(layer.text.split())
    if layer.size >= height / 16 and words <= 8:
        return "for a headline"
    if words > 20:
        return "for a paragraph of text"
    return "for a line of text"


def _draw(canvas: Image.Image, layer: TextLayer) -> None:
    font = load_font(layer.font, layer.weight, layer.size)
    ascent, descent = font.getmetrics()
    # CSS's line box: half the leading above the font's ascent, half below its descent.
    baseline_offset = (layer.line_spacing * layer.size - (ascent + descent)) / 2 + ascent
    measure = Measure(font, layer.letter_spacing * layer.size)
    glyphs = []
    for line in layout(layer):
        pen = line.x
        for character in line.text:
            glyphs.append((pen, line.y + baseline_offset, character))
            pen += measure.advance(character) + measure.spacing

    text = _glyph_mask(canvas.size, glyphs, font, stroke=0)
    outline = _glyph_mask(canvas.size, glyphs, font, stroke=layer.outline.width) if layer.outline else None
    if layer.shadow:
        _paint(canvas, _shadow_mask(outline or text, layer.shadow), layer.shadow.colour)
    if outline is not None:
        _paint(canvas, outline, layer.outline.colour)
    _paint(canvas, text, layer.colour)


def _glyph_mask(size, glyphs, font, stroke: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for x, baseline, character in glyphs:
        draw.text(
            (x, baseline), character, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255
        )
    return mask


def _shadow_mask(source: Image.Image, shadow: Shadow) -> Image.Image:
    shadow_mask = Image.new("L", source.size, 0)
    box = source.getbbox()
    if box is None:
        return shadow_mask
    # Blur only around the ink, with room for the blur to spread: a whole 4K image is slow to blur.
    margin = 3 * shadow.blur
    left, top = max(box[0] - margin, 0), max(box[1] - margin, 0)
    right, bottom = min(box[2] + margin, source.width), min(box[3] + margin, source.height)
    region = source.crop((left, top, right, bottom))
    if shadow.blur:
        region = region.filter(ImageFilter.GaussianBlur(shadow.blur))
    shadow_mask.paste(region, (left + shadow.dx, top + shadow.dy))
    return shadow_mask


def _paint(canvas: Image.Image, mask: Image.Image, colour: str) -> None:
    """Composite `colour` through `mask` (and the colour's own opacity) over the canvas."""
    box = mask.getbbox()
    if box is None:
        return
    red, green, blue, opacity = _parse_colour(colour)
    alpha = mask.crop(box)
    if opacity < 255:
        alpha = alpha.point(lambda value: value * opacity // 255)
    paint = Image.new("RGBA", alpha.size, (red, green, blue, 0))
    paint.putalpha(alpha)
    canvas.alpha_composite(paint, dest=box[:2])


def _parse_colour(colour: str) -> tuple[int, int, int, int]:
    digits = colour[1:]
    opacity = int(digits[6:8], 16) if len(digits) == 8 else 255
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), opacity


def _decode(data: bytes) -> Image.Image:
    """The image upright, in RGB or RGBA whatever mode its file keeps it in (`imaging.rgb_or_rgba`)."""
    if not data:
        raise TextLayerError("That file is empty.")
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise TextLayerError("That file is not an image Atelier can read (use PNG, JPEG or WebP).") from None
    if image.format not in ("PNG", "JPEG", "WEBP"):
        raise TextLayerError(f"{image.format} images cannot take text layers: use PNG, JPEG or WebP.")
    if image.width * image.height > MAX_PIXELS:
        raise TextLayerError(f"That image is {image.width}x{image.height}: too large to draw on.")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise TextLayerError("That image is damaged or cut short, and cannot be read.") from None
    return ImageOps.exif_transpose(rgb_or_rgba(image))


def _encode(canvas: Image.Image, out_format: str, quality: int | None, has_alpha: bool) -> bytes:
    out = io.BytesIO()
    if out_format == "jpeg":
        flat = Image.new("RGBA", canvas.size, (255, 255, 255, 255))
        flat.alpha_composite(canvas)
        flat.convert("RGB").save(out, "JPEG", quality=quality or 92)
    else:
        image = canvas if has_alpha else canvas.convert("RGB")
        # Levels chosen for speed at 2048x2048 and up: PNG level 3 is within a few percent of the default
        # 6's size at a quarter of its time; lossless WebP's method 3 likewise against its default 4.
        if out_format == "png":
            image.save(out, "PNG", compress_level=3)
        elif quality is None:
            image.save(out, "WEBP", lossless=True, method=3)
        else:
            image.save(out, "WEBP", quality=quality)
    return out.getvalue()


def _known_keys(kind, data: dict, label: str) -> dict:
    names = {f.name for f in fields(kind)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise TextLayerError(f"Unknown {label} setting: {', '.join(map(str, unknown))}.")
    return dict(data)


def _check_int(label: str, value, low: int, high: int, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TextLayerError(f"The {label} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise TextLayerError(f"The {label} must be {low} to {high}{unit}, not {value}.")


def _check_number(label: str, value, low: float, high: float, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise TextLayerError(f"The {label} must be a number, not {value!r}.")
    if not low <= value <= high:
        raise TextLayerError(f"The {label} must be {low} to {high}{unit}, not {value}.")


def _check_choice(label: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise TextLayerError(f"The {label} must be one of {', '.join(choices)}, not {value!r}.")


def _check_colour(label: str, value) -> None:
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise TextLayerError(f"The {label} must be #rrggbb or #rrggbbaa, not {value!r}.")
