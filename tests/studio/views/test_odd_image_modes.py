"""Images stored in pixel modes other than RGB and RGBA: a print shop's CMYK JPEG, a scanner's 16-bit
grayscale PNG, 1-bit line art, grayscale with alpha, palettes and colour keys with a transparent colour.
Every page that works on their pixels answers with a picture in RGB or RGBA, never a 500, and keeps their
tones and their transparency."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset
from tests.support.images import decode, encode, mask_upload

pytestmark = pytest.mark.django_db

CUTOUT_FORM = {"tightness": "50", "output_format": "png"}
EDIT_FORM = {
    "prompt": "a window with a view",
    "model": "gpt-image-2",
    "quality": "low",
    "output_format": "png",
    "partial_images": "0",
    "size": "auto",
    "moderation": "auto",
    "paste_back": "on",
    "feather": "6",
}
TEXT_FORM = {
    "layers": json.dumps([{"text": "SALE", "x": 20, "y": 20, "width": 200, "height": 60, "size": 40}]),
    "output_format": "png",
}
# A pixel the mask editor's mask (tests.support.images.MASK_BOX) leaves alone, on a 1024 px image.
OUTSIDE_THE_MASK = (50, 900)


def cmyk_jpeg(size=(300, 200)) -> bytes:
    """A print shop's CMYK JPEG, with the CMYK colour profile such files carry (Pillow copies any bytes)."""
    image = Image.new("CMYK", size, (0, 200, 200, 0))
    ImageDraw.Draw(image).ellipse((100, 50, 200, 150), fill=(200, 0, 200, 0))
    return encode(image, "JPEG", icc_profile=b"a CMYK profile")


def grey_16_bit(side=1024) -> bytes:
    """A scanner's 16-bit grayscale PNG (Pillow's mode I;16): a ramp from black on the left to white on the
    right, big enough that Pillow's thumbnails reduce it before resizing."""
    ramp = np.tile(np.linspace(0, 65535, side).astype("<u2"), (side, 1))
    return encode(Image.frombytes("I;16", (side, side), ramp.tobytes()))


def one_bit(size=(300, 200)) -> bytes:
    image = Image.new("1", size, 1)
    ImageDraw.Draw(image).rectangle((100, 50, 200, 150), fill=0)
    return encode(image)


def grey_with_alpha(size=(300, 200)) -> bytes:
    image = Image.new("LA", size, (90, 0))
    ImageDraw.Draw(image).ellipse((100, 50, 200, 150), fill=(200, 255))
    return encode(image)


def palette_with_transparency(size=(300, 200)) -> bytes:
    """A palette PNG whose colour 0 is transparent: a red disc on nothing."""
    image = Image.new("P", size, 0)
    image.putpalette([0, 255, 0, 200, 30, 30])
    ImageDraw.Draw(image).ellipse((100, 50, 200, 150), fill=1)
    return encode(image, transparency=0)


def rgb_with_a_transparent_colour(size=(300, 200)) -> bytes:
    """An RGB PNG whose pure green is transparent (a tRNS colour key, no alpha band)."""
    image = Image.new("RGB", size, (0, 255, 0))
    ImageDraw.Draw(image).ellipse((100, 50, 200, 150), fill=(200, 30, 30))
    return encode(image, transparency=(0, 255, 0))


ODD_IMAGES = {
    "cmyk-jpeg": cmyk_jpeg,
    "16-bit-grey": grey_16_bit,
    "1-bit": one_bit,
    "grey-with-alpha": grey_with_alpha,
    "palette-with-transparency": palette_with_transparency,
    "rgb-with-a-transparent-colour": rgb_with_a_transparent_colour,
}
TRANSPARENT = {"grey-with-alpha", "palette-with-transparency", "rgb-with-a-transparent-colour"}


def upload(owner, data: bytes) -> ImageAsset:
    return store_image(owner, data, kind=ImageAsset.Kind.UPLOAD)


def wanted_mode(kind: str, fmt: str) -> str:
    return "RGBA" if kind in TRANSPARENT and fmt != "jpeg" else "RGB"


def data_url_image(response) -> Image.Image:
    src = re.search(rb'src="data:image/png;base64,([^"]+)"', response.content).group(1)
    return decode(base64.b64decode(src))


def stored_image(image: ImageAsset) -> Image.Image:
    with image.file.open("rb") as handle:
        return decode(handle.read())


def grey_at(image: Image.Image, x_share: float) -> int:
    """The red value (grey: all three agree) halfway down, `x_share` of the way across."""
    rgb = image.convert("RGB")
    return rgb.getpixel((int(x_share * (rgb.width - 1)), rgb.height // 2))[0]


@pytest.mark.parametrize("kind", ODD_IMAGES)
def test_every_download_format_is_an_rgb_or_rgba_image_of_the_same_size(alice, alice_client, kind):
    odd = upload(alice, ODD_IMAGES[kind]())
    for fmt in {"png", "jpeg", "webp"} - {odd.format}:
        response = alice_client.get(f"/images/{odd.pk}/download?format={fmt}")
        assert response.status_code == 200, fmt
        image = decode(b"".join(response.streaming_content))
        assert (image.format, image.mode, image.size) == (
            fmt.upper(),
            wanted_mode(kind, fmt),
            (odd.width, odd.height),
        )


@pytest.mark.parametrize("kind", ODD_IMAGES)
def test_thumbnails_are_rgb_or_rgba_webps(alice, alice_client, kind):
    odd = upload(alice, ODD_IMAGES[kind]())
    for url in (f"/images/{odd.pk}/thumb", f"/images/{odd.pk}/thumb?w=128"):
        response = alice_client.get(url)
        assert response.status_code == 200, url
        image = decode(b"".join(response.streaming_content))
        assert (image.format, image.mode) == ("WEBP", wanted_mode(kind, "webp")), url


@pytest.mark.parametrize("kind", ODD_IMAGES)
def test_the_cut_out_page_previews_and_saves(alice, alice_client, kind):
    odd = upload(alice, ODD_IMAGES[kind]())
    assert alice_client.get(f"/images/{odd.pk}/cutout").status_code == 200
    preview = alice_client.post(f"/images/{odd.pk}/cutout/preview", CUTOUT_FORM)
    assert preview.status_code == 200
    assert data_url_image(preview).format == "PNG"
    assert alice_client.post(f"/images/{odd.pk}/cutout/save", CUTOUT_FORM).status_code == 302
    cutout = stored_image(ImageAsset.objects.get(kind=ImageAsset.Kind.CUTOUT, derived_from=odd))
    assert (cutout.format, cutout.mode, cutout.size) == ("PNG", "RGBA", (odd.width, odd.height))


@pytest.mark.parametrize("kind", ODD_IMAGES)
def test_text_layers_preview_and_export(alice, alice_client, kind):
    odd = upload(alice, ODD_IMAGES[kind]())
    preview = alice_client.post(f"/images/{odd.pk}/text/preview", TEXT_FORM)
    assert preview.status_code == 200
    assert data_url_image(preview).mode == wanted_mode(kind, "png")
    assert alice_client.post(f"/images/{odd.pk}/text/export", TEXT_FORM).status_code == 302
    overlay = stored_image(ImageAsset.objects.get(kind=ImageAsset.Kind.OVERLAY, derived_from=odd))
    assert (overlay.mode, overlay.size) == (wanted_mode(kind, "png"), (odd.width, odd.height))


def test_a_cmyk_jpeg_downloads_as_an_rgb_png_without_its_cmyk_profile(alice, alice_client):
    photo = upload(alice, cmyk_jpeg())
    response = alice_client.get(f"/images/{photo.pk}/download?format=png")
    assert response.status_code == 200
    png = decode(b"".join(response.streaming_content))
    assert (png.format, png.mode, png.size) == ("PNG", "RGB", (300, 200))
    # A CMYK profile in an RGB PNG is one that viewers reject or misapply.
    assert "icc_profile" not in png.info
    assert png.getpixel((5, 5)) == pytest.approx((255, 55, 55), abs=3)  # Pillow's plain CMYK to RGB


def test_16_bit_grey_keeps_its_tones_rather_than_turning_white(alice, alice_client):
    scan = upload(alice, grey_16_bit())
    jpeg = decode(b"".join(alice_client.get(f"/images/{scan.pk}/download?format=jpeg").streaming_content))
    thumbnail = decode(b"".join(alice_client.get(f"/images/{scan.pk}/thumb").streaming_content))
    text = data_url_image(alice_client.post(f"/images/{scan.pk}/text/preview", TEXT_FORM))
    for name, image in (("jpeg", jpeg), ("thumbnail", thumbnail), ("text", text)):
        # The ramp's quarter, middle and three quarters: 16-bit levels scaled to 8 bits, not cut at 255.
        tones = [grey_at(image, share) for share in (0.25, 0.5, 0.75)]
        assert tones == pytest.approx([64, 128, 191], abs=4), name
    alice_client.post(f"/images/{scan.pk}/cutout/save", {"tightness": "0", "output_format": "png"})
    cutout = stored_image(ImageAsset.objects.get(kind=ImageAsset.Kind.CUTOUT))
    # The matte unmixes the light tones from the white it finds at the ramp's end; the darker ones stay.
    assert [grey_at(cutout, share) for share in (0.25, 0.5)] == pytest.approx([64, 128], abs=4)


def test_an_edit_of_a_cmyk_jpeg_is_sent_as_a_png_and_pasted_back(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    photo = upload(alice, cmyk_jpeg((1024, 1024)))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/images/{photo.pk}/edit", {**EDIT_FORM, "mask": mask_upload()})
    assert response.status_code == 302
    job = GenerationJob.objects.get(kind=GenerationJob.Kind.IMAGE_EDIT)
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    final = stored_image(job.images.get(kind=ImageAsset.Kind.FINAL))
    assert (final.format, final.mode, final.size) == ("PNG", "RGB", (1024, 1024))
    assert final.getpixel(OUTSIDE_THE_MASK) == pytest.approx((255, 55, 55), abs=6)  # the original's


def test_an_edit_pasted_back_onto_a_transparent_palette_png_keeps_its_transparency(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    sticker = upload(alice, palette_with_transparency((1024, 1024)))
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/images/{sticker.pk}/edit", {**EDIT_FORM, "mask": mask_upload()})
    job = GenerationJob.objects.get(kind=GenerationJob.Kind.IMAGE_EDIT)
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    final = stored_image(job.images.get(kind=ImageAsset.Kind.FINAL))
    assert final.mode == "RGBA"
    assert final.getpixel(OUTSIDE_THE_MASK)[3] == 0  # transparent in the original, so in the result
