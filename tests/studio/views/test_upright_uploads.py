"""A photo whose EXIF orientation says its pixels are stored on their side (a phone held upright) is stored
turned as it is seen: the mask editor's canvas, a mask painted on it, the model and downloads all meet the
picture the designer saw."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from studio.models import GenerationJob, ImageAsset
from tests.studio.views.test_studio import image_requests, post
from tests.support.images import alpha_mask, decode

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)


def sideways_photo(fmt: str = "JPEG") -> bytes:
    """Stored 1536x1024 with its top on the right (red left half, blue right half) and orientation 6
    ("rotate 90 clockwise to view"): seen, it is 1024x1536, red on top and blue below."""
    image = Image.new("RGB", (1536, 1024), BLUE)
    image.paste(RED, (0, 0, 768, 1024))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), **({"quality": 95} if fmt != "PNG" else {}))
    return out.getvalue()


def stored_upload(alice) -> ImageAsset:
    return ImageAsset.objects.get(owner=alice, kind=ImageAsset.Kind.UPLOAD)


def close_to(colour, expected) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=False))


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_a_sideways_photo_is_stored_upright_without_its_orientation(
    alice, alice_client, emulator, django_capture_on_commit_callbacks, fmt
):
    upload = SimpleUploadedFile(f"phone.{fmt.lower()}", sideways_photo(fmt), f"image/{fmt.lower()}")
    response = post(
        alice_client, django_capture_on_commit_callbacks, {"prompt": "a poster of it"}, {"images": [upload]}
    )
    assert response.status_code == 200

    image = stored_upload(alice)
    assert (image.width, image.height, image.format) == (1024, 1536, fmt.lower())
    with image.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert stored.getexif().get(ExifTags.Base.Orientation, 1) == 1
        stored = stored.convert("RGB")
    assert stored.size == (1024, 1536)
    assert close_to(stored.getpixel((512, 200)), RED) and close_to(stored.getpixel((512, 1300)), BLUE)
    # The model gets the picture as it is seen, too.
    [sent] = image_requests(emulator, "/v1/images/edits")
    assert [f["sha256"] for f in sent["files"] if f["field"].startswith("image")] == [image.sha256]


def test_a_mask_painted_on_the_upright_photo_fits_it(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    """The Studio checks a mask against the photo as seen (1024x1536), and the editor's canvas is that size."""
    files = {
        "images": [SimpleUploadedFile("phone.jpg", sideways_photo(), "image/jpeg")],
        "mask": SimpleUploadedFile("mask.png", alpha_mask((1024, 1536), (100, 100, 900, 700)), "image/png"),
    }
    response = post(
        alice_client,
        django_capture_on_commit_callbacks,
        {"prompt": "a sun in the sky", "size": "auto"},
        files,
    )
    assert response.status_code == 200
    assert b"must match" not in response.content
    job = GenerationJob.objects.get(kind=GenerationJob.Kind.IMAGE_EDIT)
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    final = job.images.get(kind=ImageAsset.Kind.FINAL)
    with final.file.open("rb") as handle:
        assert decode(handle.read()).size == (1024, 1536)

    editor = alice_client.get(f"/images/{stored_upload(alice).pk}/edit").content.decode()
    assert 'data-width="1024" data-height="1536"' in editor
