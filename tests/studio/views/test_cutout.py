"""Remove background: the cut-out page, its server-rendered preview, saving a linked cut-out, and a
"Transparent background" generation keyed out through the real path (the emulator over HTTP)."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset
from tests.support.images import decode, encode

pytestmark = pytest.mark.django_db

STUDIO_FORM = {
    "prompt": "a red ceramic mug",
    "model": "gpt-image-2",
    "n": "1",
    "size": "1024x1024",
    "quality": "low",
    "output_format": "png",
    "moderation": "auto",
    "partial_images": "0",
    "background": "auto",
    "action": "generate",
    "transparent": "on",
}


def on_backdrop(backdrop=(0, 255, 0), size=(256, 192)) -> bytes:
    """A red disc on a flat backdrop."""
    image = Image.new("RGB", size, backdrop)
    ImageDraw.Draw(image).ellipse((78, 46, 178, 146), fill=(200, 30, 30))
    return encode(image)


@pytest.fixture
def photo(alice) -> ImageAsset:
    return store_image(alice, on_backdrop(), kind=ImageAsset.Kind.UPLOAD)


def preview_pixels(response) -> np.ndarray:
    src = re.search(rb'src="data:image/png;base64,([^"]+)"', response.content).group(1)
    return np.asarray(decode(base64.b64decode(src)).convert("RGB")).astype(int)


def test_the_owner_sees_the_page_with_the_slider_and_what_it_will_remove(alice_client, photo):
    page = alice_client.get(f"/images/{photo.pk}/cutout")
    assert page.status_code == 200
    assert b'type="range"' in page.content and b'name="tightness"' in page.content
    assert b"not generated on a key colour" in page.content
    assert b"#00FF00" in page.content  # the colour found along the borders, said in words


def test_other_users_and_anonymous_users_get_nothing(client, charlie, photo):
    for url in (
        f"/images/{photo.pk}/cutout",
        f"/images/{photo.pk}/cutout/preview",
        f"/images/{photo.pk}/cutout/save",
    ):
        assert client.post(url, {"tightness": "50", "output_format": "png"}).status_code in (302, 405)
    assert client.get(f"/images/{photo.pk}/cutout").status_code == 302
    client.force_login(charlie)
    assert client.get(f"/images/{photo.pk}/cutout").status_code == 404
    assert client.post(f"/images/{photo.pk}/cutout/preview", {"tightness": "50"}).status_code == 404
    assert (
        client.post(
            f"/images/{photo.pk}/cutout/save", {"tightness": "50", "output_format": "png"}
        ).status_code
        == 404
    )
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.CUTOUT).exists()


def test_the_preview_is_the_cut_out_on_a_checkerboard(alice_client, photo):
    response = alice_client.post(f"/images/{photo.pk}/cutout/preview", {"tightness": "50"})
    assert response.status_code == 200
    pixels = preview_pixels(response)
    assert pixels.shape[:2] == (192, 256)
    corner = {tuple(p) for p in pixels[:16, :16].reshape(-1, 3)}
    assert corner == {(204, 204, 204), (255, 255, 255)}  # the background is gone: the board shows
    assert np.abs(pixels[96, 128] - [200, 30, 30]).max() <= 4  # the disc stays


def test_a_bad_tightness_is_refused_with_a_message(alice_client, photo):
    response = alice_client.post(f"/images/{photo.pk}/cutout/preview", {"tightness": "150"})
    assert response.status_code == 422
    assert b"less than or equal to 100" in response.content


def test_saving_keeps_the_original_and_links_a_transparent_cut_out(alice_client, photo):
    response = alice_client.post(
        f"/images/{photo.pk}/cutout/save", {"tightness": "60", "output_format": "webp"}
    )
    assert response.status_code == 302
    cutout = ImageAsset.objects.get(kind=ImageAsset.Kind.CUTOUT)
    assert cutout.derived_from == photo and cutout.owner == photo.owner
    assert cutout.format == "webp"
    assert cutout.recipe == {"key": "#00FF00", "tightness": 0.6, "detected": True}
    with cutout.file.open("rb") as handle:
        rgba = np.asarray(decode(handle.read()))
    assert rgba.shape == (192, 256, 4)
    assert rgba[5, 5, 3] == 0 and rgba[96, 128, 3] == 255
    assert ImageAsset.objects.filter(pk=photo.pk, kind=ImageAsset.Kind.UPLOAD).exists()
    page = alice_client.get(f"/images/{photo.pk}/cutout")
    assert f'id="cutout-{cutout.pk}"'.encode() in page.content
    gallery = alice_client.get("/gallery/")
    assert f'id="image-{cutout.pk}"'.encode() in gallery.content


def test_a_busy_background_is_named_as_a_guess(alice, alice_client):
    noisy = store_image(alice, encode(Image.effect_noise((128, 128), 90).convert("RGB")), kind="upload")
    page = alice_client.get(f"/images/{noisy.pk}/cutout")
    assert b"not one flat colour" in page.content


def test_a_transparent_generation_on_gpt_image_2_is_keyed_out_into_a_linked_cut_out(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/studio/submit", STUDIO_FORM, headers={"HX-Request": "true"})
    assert response.status_code == 200
    job = GenerationJob.objects.get(owner=alice)
    assert job.status == GenerationJob.Status.SUCCEEDED
    sent = [r["json"] for r in emulator.received() if r["path"] == "/v1/images/generations"]
    assert len(sent) == 1
    # No transparency asked of a model that refuses it: a flat key colour instead, away from red.
    assert sent[0]["background"] == "opaque"
    assert "background of exactly #00FF00" in sent[0]["prompt"]
    final = job.images.get(kind=ImageAsset.Kind.FINAL)
    cutout = job.images.get(kind=ImageAsset.Kind.CUTOUT)
    assert cutout.derived_from == final and cutout.format == "png"
    with final.file.open("rb") as handle:
        original = np.asarray(decode(handle.read()).convert("RGB")).astype(int)
    assert original[5, 5, 1] > 200 and original[5, 5, 0] < 40  # the final keeps its green backdrop
    with cutout.file.open("rb") as handle:
        rgba = np.asarray(decode(handle.read()))
    assert rgba.shape == (1024, 1024, 4)
    alpha = rgba[..., 3]
    # The emulator's subject: a disc of radius 256 in the middle. Inside it opaque, well outside transparent.
    ys, xs = np.mgrid[0:1024, 0:1024]
    distance = np.hypot(xs - 512, ys - 512)
    assert (alpha[distance < 250] == 255).all()
    assert (alpha[distance > 262] == 0).all()
    assert np.abs(rgba[512, 700, :3].astype(int) - original[512, 700]).max() <= 2  # subject colour untouched
    # The job's tile links the cut-out.
    fragment = alice_client.get(f"/studio/jobs/{job.pk}/").content
    assert f'href="/images/{final.pk}/cutout#cutout-{cutout.pk}"'.encode() in fragment


def test_a_cached_repeat_of_a_transparent_generation_has_the_same_linked_cut_out(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post("/studio/submit", STUDIO_FORM, headers={"HX-Request": "true"})
    first, second = GenerationJob.objects.filter(owner=alice).order_by("pk")
    assert second.cached_from == first
    assert len([r for r in emulator.received() if r["path"] == "/v1/images/generations"]) == 1
    cutout = first.images.get(kind=ImageAsset.Kind.CUTOUT)
    final, copy = (
        second.images.get(kind=ImageAsset.Kind.FINAL),
        second.images.get(kind=ImageAsset.Kind.CUTOUT),
    )
    assert copy.derived_from == final and copy.owner == alice
    assert (copy.file.name, copy.sha256, copy.format, copy.recipe) == (
        cutout.file.name,
        cutout.sha256,
        "png",
        cutout.recipe,
    )
    fragment = alice_client.get(f"/studio/jobs/{second.pk}/").content
    assert f'href="/images/{final.pk}/cutout#cutout-{copy.pk}"'.encode() in fragment
    # Like the finals, the gallery shows the cut-out once, and deleting it takes the copy with it.
    gallery = alice_client.get("/gallery/").content
    assert f'id="image-{cutout.pk}"'.encode() in gallery and f'id="image-{copy.pk}"'.encode() not in gallery
    alice_client.post(f"/images/{cutout.pk}/delete")
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.CUTOUT).exists()


def test_a_transparent_generation_on_a_model_that_can_is_sent_natively(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    form = {**STUDIO_FORM, "model": "gpt-image-1.5"}
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/studio/submit", form, headers={"HX-Request": "true"})
    sent = [r["json"] for r in emulator.received() if r["path"] == "/v1/images/generations"]
    assert sent[0]["background"] == "transparent" and sent[0]["prompt"] == "a red ceramic mug"
    job = GenerationJob.objects.get(owner=alice)
    assert not job.images.filter(kind=ImageAsset.Kind.CUTOUT).exists()
    with job.images.get(kind=ImageAsset.Kind.FINAL).file.open("rb") as handle:
        assert decode(handle.read()).mode == "RGBA"


def test_a_transparent_background_in_jpeg_is_refused(
    alice_client, emulator, django_capture_on_commit_callbacks
):
    response = alice_client.post(
        "/studio/submit", {**STUDIO_FORM, "output_format": "jpeg"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert b"needs PNG or WebP" in response.content
    assert not GenerationJob.objects.exists()
