"""Uploads checked, thumbnails, conversions, masks, paste-back exact outside the mask, and the leak figure."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from studio.core import imaging
from tests.support.images import ReadCountingFile, alpha_mask, decode, encode, png_declaring, solid


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_it_reads_png_jpeg_and_webp(fmt):
    info = imaging.inspect_upload(solid((80, 60), fmt=fmt))
    assert (info.format, info.width, info.height) == (fmt.lower(), 80, 60)
    assert len(info.sha256) == 64


def test_it_refuses_random_bytes():
    with pytest.raises(imaging.ImageRejected, match="not an image"):
        imaging.inspect_upload(random.Random(1).randbytes(2000))


def test_it_refuses_a_gif():
    with pytest.raises(imaging.ImageRejected, match="GIF images are not accepted"):
        imaging.inspect_upload(encode(Image.new("RGB", (10, 10)), "GIF"))


def test_it_refuses_a_truncated_png():
    data = solid((300, 300))
    big = encode(Image.effect_noise((300, 300), 60).convert("RGB"))
    with pytest.raises(imaging.ImageRejected):
        imaging.inspect_upload(big[: len(big) // 2])
    assert imaging.inspect_upload(data).width == 300


def test_it_refuses_a_file_over_the_limit():
    with pytest.raises(imaging.ImageRejected, match="under"):
        imaging.inspect_upload(solid(), max_bytes=10)


def test_it_refuses_an_empty_file():
    with pytest.raises(imaging.ImageRejected, match="empty"):
        imaging.inspect_upload(b"")


def test_it_refuses_a_decompression_bomb_without_decoding_it():
    with pytest.raises(imaging.ImageRejected, match="pixels"):
        imaging.inspect_upload(png_declaring(20_000, 20_000))


def test_a_thumbnail_is_a_small_webp_with_the_same_shape():
    thumb = decode(imaging.make_thumbnail(solid((2048, 1024)), max_edge=256))
    assert thumb.format == "WEBP"
    assert thumb.size == (256, 128)


@pytest.mark.parametrize(
    ("fmt", "magic"), [("png", b"\x89PNG"), ("jpeg", b"\xff\xd8\xff"), ("webp", b"RIFF")]
)
def test_it_converts_between_formats(fmt, magic):
    rgba = encode(Image.new("RGBA", (20, 20), (10, 20, 30, 128)))
    assert imaging.convert_format(rgba, fmt).startswith(magic)


def test_an_alpha_mask_is_kept_as_it_is():
    mask = alpha_mask((40, 30), (10, 10, 20, 20))
    result = decode(imaging.normalise_mask(mask, (40, 30)))
    assert result.mode == "RGBA"
    assert result.getpixel((15, 15))[3] == 0
    assert result.getpixel((0, 0))[3] == 255


def test_a_grayscale_mask_turns_white_into_the_editable_area():
    painted = Image.new("L", (40, 30), 0)
    painted.paste(255, (10, 10, 20, 20))
    result = decode(imaging.normalise_mask(encode(painted), (40, 30)))
    assert result.getpixel((15, 15))[3] == 0  # white: the model may change it
    assert result.getpixel((0, 0))[3] == 255  # black: kept


def test_a_mask_of_another_size_is_refused_naming_both_sizes():
    with pytest.raises(imaging.ImageRejected, match="40x30 but the image is 64x48"):
        imaging.normalise_mask(alpha_mask((40, 30), (0, 0, 5, 5)), (64, 48))


def test_paste_back_keeps_every_pixel_outside_the_mask_exactly():
    size = (96, 64)
    original = Image.effect_noise(size, 50).convert("RGB")
    edited = Image.new("RGB", size, (0, 200, 0))
    box = (30, 20, 70, 50)
    result = decode(imaging.paste_back(encode(original), encode(edited), alpha_mask(size, box), feather_px=6))
    for y in range(size[1]):
        for x in range(size[0]):
            inside = box[0] <= x < box[2] and box[1] <= y < box[3]
            if not inside:
                assert result.getpixel((x, y)) == original.getpixel((x, y)), (x, y)
    assert result.getpixel((50, 35)) == (0, 200, 0)  # the middle of the edit is the edit


def test_paste_back_without_feather_is_a_hard_cut():
    size = (32, 32)
    original, edited = Image.new("RGB", size, (255, 0, 0)), Image.new("RGB", size, (0, 0, 255))
    result = decode(
        imaging.paste_back(encode(original), encode(edited), alpha_mask(size, (8, 8, 24, 24)), feather_px=0)
    )
    assert result.getpixel((8, 8)) == (0, 0, 255)
    assert result.getpixel((7, 7)) == (255, 0, 0)


def test_the_leak_figure_is_the_share_of_changed_pixels_outside_the_mask():
    size = (100, 100)
    original = Image.new("RGB", size, (100, 100, 100))
    edited = original.copy()
    edited.paste((0, 0, 0), (0, 0, 50, 50))  # the editable box: not a leak
    edited.paste((103, 100, 100), (50, 50, 100, 100))  # within tolerance: not a leak
    edited.paste((160, 100, 100), (0, 90, 100, 100))  # 1,000 pixels outside, changed
    ratio = imaging.leak_ratio(
        encode(original), encode(edited), alpha_mask(size, (0, 0, 50, 50)), tolerance=8
    )
    assert ratio == pytest.approx(1000 / 7500)


def test_the_leak_figure_is_zero_for_an_exact_paste_back():
    size = (64, 64)
    original = Image.effect_noise(size, 40).convert("RGB")
    edited = Image.new("RGB", size, (9, 9, 9))
    mask = alpha_mask(size, (16, 16, 48, 48))
    pasted = imaging.paste_back(encode(original), encode(edited), mask)
    assert imaging.leak_ratio(encode(original), pasted, mask) == 0.0


def test_it_checks_an_upload_from_its_file_without_reading_it_whole():
    data = encode(Image.frombytes("RGB", (700, 700), random.Random(2).randbytes(700 * 700 * 3)), "PNG")
    upload = ReadCountingFile(data)
    info = imaging.inspect_upload(upload)
    assert info == imaging.inspect_upload(data)  # the same format, size and SHA-256 as from the bytes
    assert 0 < upload.largest_read < len(data) // 2
    assert upload.tell() == 0  # left at the start, ready to be stored


def test_it_refuses_a_cut_short_upload_from_its_file():
    big = encode(Image.frombytes("RGB", (300, 300), random.Random(3).randbytes(300 * 300 * 3)), "PNG")
    with pytest.raises(imaging.ImageRejected, match="damaged or cut short"):
        imaging.inspect_upload(io.BytesIO(big[: len(big) // 2]))


def test_a_large_transparent_image_gets_a_thumbnail_that_keeps_its_transparency():
    image = Image.new("RGBA", (3000, 1500), (200, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 1500, 1500))  # the left half transparent
    thumb = decode(imaging.make_thumbnail(io.BytesIO(encode(image, "PNG")), max_edge=512))
    assert thumb.size == (512, 256)
    assert thumb.getpixel((50, 128))[3] == 0
    assert thumb.getpixel((460, 128))[:3] == pytest.approx((200, 30, 30), abs=6)


def sixteen_bit_grey(levels: np.ndarray, **options) -> bytes:
    """A 16-bit grayscale PNG (Pillow's mode I;16) of these levels (0-65535, rows of columns)."""
    height, width = levels.shape
    return encode(Image.frombytes("I;16", (width, height), levels.astype("<u2").tobytes()), **options)


def upright_cmyk_jpeg() -> bytes:
    """A 40x20 CMYK JPEG stored on its side: its EXIF says to turn it a quarter (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(Image.new("CMYK", (40, 20), (0, 200, 200, 0)), "JPEG", exif=exif)


def test_16_bit_grey_with_a_transparent_level_converts_to_rgba_with_its_levels_scaled():
    levels = np.full((10, 30), 32768)
    levels[:, :10] = 1000  # the level the file marks transparent
    webp = decode(imaging.convert_format(sixteen_bit_grey(levels, transparency=1000), "webp"))
    assert webp.mode == "RGBA"
    assert webp.getpixel((5, 5))[3] == 0
    assert webp.getpixel((20, 5)) == pytest.approx((128, 128, 128, 255), abs=2)  # not cut to white


def test_a_16_bit_grey_mask_is_read_by_its_levels_not_cut_at_255():
    levels = np.full((30, 40), 200)  # black, but for 200/65535 of noise
    levels[10:20, 10:20] = 65535
    result = decode(imaging.normalise_mask(sixteen_bit_grey(levels), (40, 30)))
    assert result.getpixel((15, 15))[3] == 0  # white: the model may change it
    assert result.getpixel((0, 0))[3] == 255  # black: kept


def test_a_1_bit_and_a_grey_and_alpha_mask_are_read_as_painted_and_as_alpha():
    painted = Image.new("1", (40, 30), 0)
    painted.paste(1, (10, 10, 20, 20))
    result = decode(imaging.normalise_mask(encode(painted), (40, 30)))
    assert (result.getpixel((15, 15))[3], result.getpixel((0, 0))[3]) == (0, 255)
    holed = Image.new("LA", (40, 30), (0, 255))
    holed.paste((0, 0), (10, 10, 20, 20))
    result = decode(imaging.normalise_mask(encode(holed), (40, 30)))
    assert (result.getpixel((15, 15))[3], result.getpixel((0, 0))[3]) == (0, 255)


def test_paste_back_onto_an_image_with_a_transparent_colour_keeps_it_transparent():
    original = Image.new("RGB", (40, 30), (0, 255, 0))
    original.paste((200, 30, 30), (10, 10, 30, 20))
    edited = encode(Image.new("RGB", (40, 30), (9, 9, 9)))
    mask = alpha_mask((40, 30), (10, 10, 20, 20))
    result = decode(
        imaging.paste_back(encode(original, transparency=(0, 255, 0)), edited, mask, feather_px=0)
    )
    assert result.mode == "RGBA"
    assert result.getpixel((2, 2))[3] == 0  # the original's transparent colour
    assert result.getpixel((25, 15)) == (200, 30, 30, 255)
    assert result.getpixel((15, 15)) == (9, 9, 9, 255)


def test_a_cmyk_jpeg_thumbnail_is_rgb_and_upright():
    thumb = decode(imaging.make_thumbnail(upright_cmyk_jpeg()))
    assert (thumb.mode, thumb.size) == ("RGB", (20, 40))


def test_a_file_for_code_that_reads_files_itself_is_rgb_or_rgba_and_keeps_its_orientation():
    rgb = solid((40, 20), fmt="JPEG")
    assert imaging.rgb_or_rgba_file(rgb) is rgb  # already workable: not decoded again
    png = decode(imaging.rgb_or_rgba_file(upright_cmyk_jpeg()))
    assert (png.format, png.mode, png.size) == ("PNG", "RGB", (40, 20))
    assert png.getexif()[0x0112] == 6
