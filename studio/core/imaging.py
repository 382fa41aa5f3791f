"""Pillow work: checking uploads, thumbnails, format conversion, masks, paste-back and the leak figure.

Every function refuses bad input with `ImageRejected`, whose message can be shown to the user as it is.

Pixel modes: files keep their pixels in many modes (CMYK JPEGs, 16-bit grayscale and 1-bit PNGs, palettes,
grayscale with alpha), and Pillow cannot resize, composite or save every one of them in every format. Pixels
are therefore worked on in RGB, or RGBA where the image has any transparency: `decode` gives every image in
one of the two (`rgb_or_rgba`), and `rgb_or_rgba_file` hands code that reads files itself one it can take.

Mask polarity: in a mask Atelier sends, alpha 0 (transparent) marks where the model may change the image, as
the API wants. A grayscale or RGB mask (no alpha) is read the way designers paint: white (painted) = change
here, black = keep. It becomes an alpha mask with the source article's method (`convert("L")`, then
`putalpha` on an RGBA copy), inverted so that white turns transparent.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, replace
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Twice gpt-image-2's largest output: room for big references, none for decompression bombs.
MAX_PIXELS = 2 * 8_294_400
# EXIF orientations whose pixels are stored on their side: the image is seen with width and height swapped.
SIDEWAYS_ORIENTATIONS = (5, 6, 7, 8)
# 16-bit grayscale, as Pillow opens a 16-bit PNG (older Pillows said "I").
SIXTEEN_BIT_GREY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# The modes of RGB's own colours: any other's colour profile does not describe the image once in RGB.
RGB_FAMILY_MODES = ("RGB", "RGBA", "P", "PA")


class ImageRejected(ValueError):
    """An image Atelier will not take, with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageInfo:
    format: str  # png, jpeg or webp
    width: int
    height: int
    mode: str
    has_alpha: bool
    sha256: str


# Bytes, or a seekable binary file (an upload Django has spooled to a temporary file): read from the file
# in chunks and decoded at most once, so that a 40 MB upload is never held whole in memory beside its pixels.
ImageSource = bytes | BinaryIO
CHUNK_BYTES = 1024 * 1024


def sha256_hex(data: ImageSource) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    data.seek(0)
    digest = hashlib.file_digest(data, "sha256")
    data.seek(0)
    return digest.hexdigest()


def byte_size(data: ImageSource) -> int:
    if isinstance(data, bytes):
        return len(data)
    size = data.seek(0, io.SEEK_END)
    data.seek(0)
    return size


def _open(data: ImageSource) -> Image.Image:
    """Open without decoding pixels, refusing what is not an image and decompression bombs."""
    if not isinstance(data, bytes):
        data.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("That image declares far more pixels than any real picture: refused.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected("That file is not an image Atelier can read (use PNG, JPEG or WebP).") from None
    if image.width * image.height > MAX_PIXELS:
        raise ImageRejected(
            f"That image is {image.width}x{image.height}: more than {MAX_PIXELS:,} pixels is refused."
        )
    return image


def inspect_upload(data: ImageSource, *, max_bytes: int = MAX_UPLOAD_BYTES) -> ImageInfo:
    """Check an uploaded image (bytes or a file) fully, without trusting its name or declared type: its
    pixels are decoded once, to find a damaged or cut-short file, and let go."""
    size = byte_size(data)
    if not size:
        raise ImageRejected("That file is empty.")
    if size > max_bytes:
        raise ImageRejected(
            f"That file is {size / 1_048_576:.1f} MB; images must be under {max_bytes // 1_048_576} MB."
        )
    image = _open(data)
    if image.format not in ALLOWED_FORMATS:
        raise ImageRejected(f"{image.format or 'That'} images are not accepted: use PNG, JPEG or WebP.")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("That image is damaged or cut short, and cannot be read.") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    width, height = image.size
    if _orientation(image) in SIDEWAYS_ORIENTATIONS:
        width, height = height, width  # as it is seen, and as `upright` will store it
    info = ImageInfo(ALLOWED_FORMATS[image.format], width, height, image.mode, has_alpha, "")
    del image  # the pixels go before the file is hashed (close() would close the caller's file)
    return replace(info, sha256=sha256_hex(data))


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1-8) of an opened image; 1, as stored, when it has none or a broken one."""
    if image.format == "PNG" and "exif" not in image.info:
        return 1  # no eXIf chunk before the pixels (one after them would take decoding the whole image)
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1
    return orientation if orientation in range(1, 9) else 1


def upright(data: ImageSource) -> bytes | None:
    """The image re-encoded with its pixels turned as viewers show it, if its EXIF orientation says they
    are stored otherwise (a phone photo held upright), and the tag gone; None if there is nothing to turn.

    Stored upright, an upload is what the designer saw everywhere: the mask and text editors' canvases, the
    model (which may not read the tag), downloads and cut-outs.
    """
    image = _open(data)
    if _orientation(image) == 1:
        return None
    fmt = image.format
    try:
        turned = ImageOps.exif_transpose(image)  # also drops the tag from the EXIF it keeps
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("That image is damaged or cut short, and cannot be read.") from None
    options = {"exif": turned.info.get("exif", b""), "icc_profile": image.info.get("icc_profile")}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 95
    out = io.BytesIO()
    turned.save(out, fmt, **{key: value for key, value in options.items() if value})
    return out.getvalue()


def describe(data: ImageSource) -> ImageInfo:
    """Format, size and hash from the header alone: for images that come from the model service, whose
    pixels are decoded only where they are used (thumbnails, paste-back)."""
    image = _open(data)
    if image.format not in ALLOWED_FORMATS:
        raise ImageRejected(f"{image.format or 'That'} images are not accepted: use PNG, JPEG or WebP.")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return ImageInfo(
        ALLOWED_FORMATS[image.format], image.width, image.height, image.mode, has_alpha, sha256_hex(data)
    )


def decode(data: ImageSource, *, draft_edge: int | None = None) -> Image.Image:
    """The image's pixels in RGB, or RGBA if it has transparency (`rgb_or_rgba`), whatever mode its file
    keeps them in. `draft_edge`: a JPEG may be decoded smaller, down to this many pixels a side."""
    image = _open(data)
    if draft_edge is not None:
        image.draft("RGB", (draft_edge, draft_edge))  # JPEG decodes at 1/2..1/8 scale; others ignore it
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("That image is damaged or cut short, and cannot be read.") from None
    return rgb_or_rgba(image)


def rgb_or_rgba(image: Image.Image) -> Image.Image:
    """The image in RGBA if it has any transparency (an alpha band, or a palette entry or a colour marked
    transparent), else in RGB: the image itself if it is in that mode already, else a converted copy.

    16-bit grayscale is scaled to 8 bits (Pillow's own conversion cuts every level above 255 to white), and
    a colour profile that describes other colours than RGB ones (CMYK, grey) is dropped: viewers reject an
    RGB PNG that carries one, or misapply it.
    """
    mode = _rgb_or_rgba_mode(image)
    if image.mode == mode:
        return image
    if image.mode in SIXTEEN_BIT_GREY_MODES:
        image = _eight_bit_grey(image)
    converted = image.convert(mode)
    if image.mode not in RGB_FAMILY_MODES:
        converted.info.pop("icc_profile", None)
    return converted


def _rgb_or_rgba_mode(image: Image.Image) -> str:
    return "RGBA" if image.has_transparency_data else "RGB"


def _eight_bit_grey(image: Image.Image) -> Image.Image:
    """A 16-bit grayscale image as 8-bit L (LA if one level is marked transparent): each level's high byte."""
    levels = np.asarray(image)
    grey = Image.fromarray((np.clip(levels, 0, 65535) >> 8).astype(np.uint8))
    transparent_level = image.info.get("transparency")
    if isinstance(transparent_level, int):
        grey.putalpha(Image.fromarray(np.where(levels == transparent_level, 0, 255).astype(np.uint8)))
    return grey


def rgb_or_rgba_file(data: bytes) -> bytes:
    """`data` itself if its image is kept in RGB or RGBA (as `rgb_or_rgba` would have it), else a PNG of it
    converted to one of them, with its EXIF (so its orientation): for code that reads files itself."""
    header = _open(data)  # no pixels decoded yet
    if header.mode == _rgb_or_rgba_mode(header):
        return data
    image = decode(data)
    out = io.BytesIO()
    # Level 1: the file is read once, straight away, and thrown away; speed matters more than its size.
    image.save(out, "PNG", compress_level=1, exif=image.getexif())
    return out.getvalue()


def make_thumbnail(data: ImageSource, max_edge: int = 512) -> bytes:
    """A small WebP for lists and grids, upright (EXIF orientation applied), aspect ratio kept."""
    image = decode(data, draft_edge=max_edge)
    ImageOps.exif_transpose(image, in_place=True)  # no copy of a large image's pixels
    # A box reduction first, to twice the thumbnail's size, one band at a time: Pillow resizes and reduces
    # RGBA through a premultiplied full-size copy (42 MB more for a 40 MB PNG). The small image is then
    # resized as usual.
    factor = int(max(image.size) / max_edge / 2)
    if factor > 1:
        image = Image.merge(image.mode, [image.getchannel(band).reduce(factor) for band in image.getbands()])
    image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def convert_format(data: bytes, fmt: str, compression: int | None = None) -> bytes:
    """Re-encode as png, jpeg or webp (in RGB, or RGBA but for JPEG); `compression` (0-100) is the
    JPEG/WebP quality."""
    image = decode(data)
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", optimize=False)
    elif fmt in ("jpeg", "webp"):
        if fmt == "jpeg" and image.mode != "RGB":
            image = _flatten(image)
        image.save(out, fmt.upper(), quality=95 if compression is None else compression)
    else:
        raise ImageRejected(f"Cannot convert to {fmt!r}: choose png, jpeg or webp.")
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def normalise_mask(mask_bytes: bytes, size: tuple[int, int]) -> bytes:
    """A PNG RGBA mask at exactly `size`, alpha 0 where the model may change the image."""
    mask = decode(mask_bytes)
    if mask.size != tuple(size):
        raise ImageRejected(
            f"The mask is {mask.width}x{mask.height} but the image is {size[0]}x{size[1]}: they must match."
        )
    if mask.mode == "RGBA":
        if mask.getchannel("A").getextrema() != (255, 255):
            return _png(mask)
        # An opaque RGBA file carries its painting in colour: read it as a grayscale mask.
        mask = mask.convert("RGB")
    painted = mask.convert("L")
    rgba = mask.convert("RGBA")
    rgba.putalpha(ImageOps.invert(painted))
    return _png(rgba)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def editable_area(mask_png: bytes) -> Image.Image:
    """An L image: 255 where the mask lets the model change the image, 0 where it must be kept."""
    return ImageOps.invert(decode(mask_png).convert("RGBA").getchannel("A"))


def paste_back(
    original: bytes, edited: bytes, mask_png: bytes, *, feather_px: int = 8, out_format: str = "png"
) -> bytes:
    """The edit inside the mask, the original everywhere else, pixel for pixel.

    The blend is feathered inward only: the feather fades the edit in over `feather_px` pixels inside the
    editable area, so every pixel outside it is exactly the original's.
    """
    base = decode(original)
    result = decode(edited)
    if base.size != result.size:
        raise ImageRejected(f"The edit is {result.size} but the original is {base.size}: cannot paste back.")
    area = editable_area(mask_png)
    if area.size != base.size:
        raise ImageRejected("The mask does not match the image's size.")
    if feather_px > 0:
        # Erode the area, then blur: the soft edge stays inside the editable area.
        eroded = area.filter(ImageFilter.MinFilter(2 * (feather_px // 2) + 1))
        soft = eroded.filter(ImageFilter.GaussianBlur(feather_px / 2))
        alpha = ImageChops.multiply(soft, area)
    else:
        alpha = area
    mode = "RGBA" if "RGBA" in (base.mode, result.mode) else "RGB"
    composite = Image.composite(result.convert(mode), base.convert(mode), alpha)
    return convert_format(_png(composite), out_format) if out_format != "png" else _png(composite)


def leak_ratio(original: bytes, edited: bytes, mask_png: bytes, *, tolerance: int = 8) -> float:
    """The share of pixels outside the mask that the model changed by more than `tolerance` (0-255) in
    any channel."""
    base = decode(original).convert("RGB")
    result = decode(edited).convert("RGB")
    if base.size != result.size:
        raise ImageRejected("The edit and the original differ in size.")
    keep = editable_area(mask_png).point(lambda v: 255 if v == 0 else 0)
    outside = keep.histogram()[255]
    if outside == 0:
        return 0.0
    difference = ImageChops.difference(base, result)
    channels = difference.split()
    worst = channels[0]
    for channel in channels[1:]:
        worst = ImageChops.lighter(worst, channel)
    changed = worst.point(lambda v: 255 if v > tolerance else 0)
    leaked = ImageChops.multiply(changed, keep).histogram()[255]
    return leaked / outside
