"""What the model does to existing pixels: masked edits (with a little leak outside the mask), follow-up
instructions applied to a previous image, progressive partial images, and encoding to the requested format.
"""

from __future__ import annotations

import io
import random
import re

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from .design import RGB, colours_named, mix, seed_of

DARK = frozenset(["dark", "darker", "darken", "night", "moody", "noir", "shadow", "shadows", "dim"])
LIGHT = frozenset(["light", "lighter", "brighten", "bright", "brighter", "airy", "sunny"])
REALISTIC = frozenset(
    [
        "realistic",
        "realism",
        "photo",
        "photographic",
        "photorealistic",
        "texture",
        "textured",
        "detailed",
        "gritty",
    ]
)
BACKGROUND = frozenset(["background", "backdrop", "backgrounds"])
BIGGER = frozenset(["bigger", "larger", "zoom", "closer", "enlarge"])


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), Image.Resampling.BILINEAR)


def masked_edit(base: Image.Image, new: Image.Image, mask: Image.Image | None, leak: float) -> Image.Image:
    """`new` where the mask is transparent, `base` elsewhere; `leak` of `new` bleeds in everywhere else, and
    the mask's edge is feathered, as the real model treats a mask as guidance rather than a stencil."""
    if mask is None:
        return new
    edit_area = ImageOps.invert(fit(mask.getchannel("A"), *base.size))
    if leak > 0:
        radius = max(1.0, min(base.size) / 160)
        floor = round(leak * 255)
        edit_area = edit_area.filter(ImageFilter.GaussianBlur(radius)).point(
            lambda value: floor + value * (255 - floor) // 255
        )
    mode = "RGBA" if "A" in new.mode else "RGB"
    return Image.composite(new.convert(mode), base.convert(mode), edit_area)


def apply_instruction(image: Image.Image, instruction: str) -> Image.Image:
    """A follow-up turn: visibly do what the words ask; for words it does not know, still change something,
    the same way every time."""
    words = set(re.findall(r"[a-z]+", instruction.lower()))
    rng = random.Random(seed_of("follow-up", instruction))
    has_alpha = "A" in image.mode
    alpha = image.getchannel("A") if has_alpha else None
    result = image.convert("RGB")
    named = colours_named(instruction)
    changed = False
    if words & BACKGROUND:
        result = replace_background(result, named[0] if named else _random_colour(rng))
        changed = True
    elif named:
        result = Image.blend(result, Image.new("RGB", result.size, named[0]), 0.3)
        changed = True
    if words & DARK:
        result = ImageEnhance.Brightness(result).enhance(0.55)
        result = Image.blend(result, Image.new("RGB", result.size, (10, 20, 60)), 0.15)
        changed = True
    if words & LIGHT:
        result = ImageEnhance.Brightness(result).enhance(1.3)
        changed = True
    if words & REALISTIC:
        result = add_texture(result, rng)
        changed = True
    if words & BIGGER:
        width, height = result.size
        result = result.crop((width // 10, height // 10, width - width // 10, height - height // 10))
        result = result.resize((width, height), Image.Resampling.BILINEAR)
        changed = True
    if not changed:
        result = rotate_hue(result, rng.randrange(40, 320))
        draw = ImageDraw.Draw(result)
        unit = min(result.size)
        x, y = rng.randrange(result.width - unit // 5), rng.randrange(result.height - unit // 5)
        draw.ellipse((x, y, x + unit // 6, y + unit // 6), fill=_random_colour(rng), outline=(255, 255, 255))
    if alpha is not None:
        result.putalpha(alpha)
    return result


def replace_background(image: Image.Image, colour: RGB) -> Image.Image:
    """Find the background as the colour most of the border has, and paint a gradient of `colour` over it."""
    width, height = image.size
    border = Image.new("RGB", (width * 2 + height * 2, 1))
    border.paste(image.crop((0, 0, width, 1)), (0, 0))
    border.paste(image.crop((0, height - 1, width, height)), (width, 0))
    border.paste(image.crop((0, 0, 1, height)).rotate(90, expand=True), (width * 2, 0))
    border.paste(image.crop((width - 1, 0, width, height)).rotate(90, expand=True), (width * 2 + height, 0))
    counts = border.quantize(colors=8).convert("RGB").getcolors(8) or [(1, (255, 255, 255))]
    current = max(counts)[1]
    distance = ImageChops.difference(image, Image.new("RGB", image.size, current)).convert("L")
    is_background = distance.point(lambda value: 255 if value < 40 else 0)
    gradient = ImageOps.colorize(
        Image.linear_gradient("L").resize((width, height)),
        black=colour,
        white=mix(colour, (255, 255, 255), 0.35),
    )
    return Image.composite(gradient, image, is_background)


def add_texture(image: Image.Image, rng: random.Random) -> Image.Image:
    """Film grain and a vignette: what 'realistic' looks like on a flat design."""
    tile = Image.frombytes("L", (256, 256), rng.randbytes(256 * 256)).filter(ImageFilter.GaussianBlur(0.6))
    grain = Image.new("L", image.size)
    for x in range(0, image.width, 256):
        for y in range(0, image.height, 256):
            grain.paste(tile, (x, y))
    textured = ImageChops.overlay(image, Image.merge("RGB", (grain, grain, grain)))
    textured = Image.blend(image, textured, 0.35)
    vignette = Image.radial_gradient("L").resize(image.size).point(lambda value: min(255, value * 2 // 3))
    return Image.composite(Image.new("RGB", image.size, (0, 0, 0)), textured, vignette)


def rotate_hue(image: Image.Image, degrees: int) -> Image.Image:
    shift = degrees * 256 // 360
    hue, saturation, value = image.convert("HSV").split()
    hue = hue.point(lambda level: (level + shift) % 256)
    return Image.merge("HSV", (hue, saturation, value)).convert("RGB")


def _random_colour(rng: random.Random) -> RGB:
    return (rng.randrange(30, 230), rng.randrange(30, 230), rng.randrange(30, 230))


def partial(final: Image.Image, index: int, count: int) -> Image.Image:
    """Partial `index` of `count`: the final image seen through a coarser grid, finer with every index."""
    divisor = 4 * 3 ** (count - 1 - index)
    small = final.resize(
        (max(1, final.width // divisor), max(1, final.height // divisor)), Image.Resampling.BOX
    )
    return small.resize(final.size, Image.Resampling.NEAREST)


def encode(image: Image.Image, output_format: str, compression: int) -> bytes:
    buffer = io.BytesIO()
    if output_format == "png":
        image.save(buffer, "PNG", compress_level=3)
    elif output_format == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=max(1, compression))
    else:
        image.save(buffer, "WEBP", quality=compression, method=2)
    return buffer.getvalue()
