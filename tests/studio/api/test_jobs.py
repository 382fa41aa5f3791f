"""The API's uploads, jobs and image files: generations and edits run end to end on the emulator, with the
Studio's validation, budgets and cache, and every error in its documented shape and status."""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal

import pytest
from PIL import Image

from studio.api.forms import UploadForm
from studio.core.storage import store_image
from studio.models import Budget, GenerationJob, ImageAsset, UsageRecord
from tests.studio.api.conftest import error_of
from tests.support.images import alpha_mask, counted_upload, decode, encode, noise_png, solid

pytestmark = pytest.mark.django_db


def noise(size) -> bytes:
    return encode(Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)))


GENERATION = {"prompt": "a poster for a jazz night", "quality": "low", "size": "1024x1024"}


def test_it_queues_a_generation_and_shows_the_finished_job(api, emulator):
    created = api.post("/api/v1/jobs", GENERATION)
    assert created.status_code == 202
    assert created.json()["status"] == "queued"
    assert created.json()["url"] == f"/api/v1/jobs/{created.json()['id']}"
    assert Decimal(created.json()["estimate_usd"]) > 0

    job = api.get(created.json()["url"]).json()
    assert job["kind"] == "generate"
    assert job["status"] == "succeeded"
    assert job["finished_at"] is not None
    assert job["error"] is None
    [image] = job["images"]
    assert (image["width"], image["height"], image["format"]) == (1024, 1024, "png")
    assert Decimal(job["cost_usd"]) == UsageRecord.objects.get(job_id=job["id"]).cost_usd
    assert job["usage"][0]["model"] == "gpt-image-2"

    content = api.get(image["url"])
    assert content.status_code == 200
    assert content["Content-Type"] == "image/png"
    assert decode(b"".join(content.streaming_content)).size == (1024, 1024)


def test_it_sends_the_options_it_was_given(api, emulator):
    api.post("/api/v1/jobs", {**GENERATION, "n": 2, "output_format": "webp", "output_compression": 60})
    sent = [r for r in emulator.received() if r["path"] == "/v1/images/generations"][0]["json"]
    assert (sent["n"], sent["output_format"], sent["output_compression"], sent["quality"]) == (
        2,
        "webp",
        60,
        "low",
    )


def test_it_edits_uploaded_images_with_a_mask(api, emulator):
    image = api.upload(solid((1024, 1024), (40, 90, 200)))
    assert image.status_code == 201
    assert image.json() == {"id": image.json()["id"], "width": 1024, "height": 1024, "format": "png"}
    mask = api.upload(alpha_mask((1024, 1024), (300, 200, 700, 600)), "mask.png").json()

    created = api.post(
        "/api/v1/jobs", {**GENERATION, "kind": "edit", "images": [image.json()["id"]], "mask": mask["id"]}
    )
    assert created.status_code == 202
    job = api.get(created.json()["url"]).json()
    assert (job["kind"], job["status"]) == ("edit", "succeeded")
    [edit] = [r for r in emulator.received() if r["path"] == "/v1/images/edits"]
    assert "mask" in [file["field"] for file in edit["files"]]
    final = ImageAsset.objects.get(pk=job["images"][0]["id"])
    assert final.mask is not None and final.mask.kind == ImageAsset.Kind.MASK


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_a_masked_edit_of_a_jpeg_or_webp_sends_the_image_as_a_png_like_its_mask(api, emulator, fmt):
    """The service wants a mask and its image in one format; a mask is a PNG, so the image goes as one."""
    photo = api.upload(encode(decode(solid((1024, 1024), (40, 90, 200))), fmt), f"photo.{fmt.lower()}").json()
    assert photo["format"] == fmt.lower()
    mask = api.upload(alpha_mask((1024, 1024), (300, 200, 700, 600)), "mask.png").json()
    reference = api.upload(encode(decode(solid((1024, 1024), (200, 90, 40))), fmt), "ref").json()

    body = {**GENERATION, "kind": "edit", "images": [photo["id"], reference["id"]], "mask": mask["id"]}
    created = api.post("/api/v1/jobs", body)
    job = api.get(created.json()["url"]).json()
    assert job["status"] == "succeeded", job
    [edit] = [r for r in emulator.received() if r["path"] == "/v1/images/edits"]
    sent = [(file["field"], file["content_type"]) for file in edit["files"]]
    # The first image, the one the mask applies to, as a PNG; the reference as it was stored.
    assert sent == [("image[]", "image/png"), ("image[]", f"image/{fmt.lower()}"), ("mask", "image/png")]


def test_an_identical_request_is_answered_from_the_cache(api, emulator):
    first = api.post("/api/v1/jobs", GENERATION).json()
    second = api.post("/api/v1/jobs", GENERATION).json()
    assert second["status"] == "succeeded"
    assert second["cached"] is True
    assert second["estimate_usd"] == "0.000000"
    assert second["id"] != first["id"]


@pytest.mark.parametrize(
    ("change", "param", "message"),
    [
        ({"prompt": "   "}, "prompt", "Write a prompt first."),
        ({"size": "1000x1000"}, "size", "multiples of 16"),
        ({"quality": "ultra"}, "quality", "ultra is not one of the available choices"),
        ({"n": 11}, "n", "less than or equal to 10"),
        ({"background": "transparent"}, "background", "cannot make transparent backgrounds"),
        (
            {"output_format": "webp", "output_compression": 150},
            "output_compression",
            "less than or equal to 100",
        ),
        ({"kind": "edit"}, "images", "An edit needs at least one image"),
        ({"images": [1]}, "images", "is not one of your images"),
        ({"qualty": "low"}, "qualty", "qualty is not a field of this request."),
        ({"n": "many"}, "n", "valid integer"),
    ],
)
def test_it_refuses_what_the_forms_refuse_in_their_words(api, change, param, message):
    response = api.post("/api/v1/jobs", {**GENERATION, **change})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert error["param"] == param
    assert message in error["message"]
    assert not GenerationJob.objects.exists()


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post("/api/v1/jobs", raw=b'{"prompt": "a cat",')
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_a_missing_prompt_is_named(api):
    error = error_of(api.post("/api/v1/jobs", {"quality": "low"}))
    assert (error["param"], error["message"]) == ("prompt", "prompt is required.")


def test_a_body_too_large_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("/api/v1/jobs", {**GENERATION, "prompt": "x" * 2000})
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


def test_an_upload_is_checked_and_stored_from_its_file_without_being_read_whole(alice):
    data = noise_png()
    upload = counted_upload(data)
    form = UploadForm(files={"file": upload})
    assert form.is_valid(), form.errors
    image = store_image(alice, form.cleaned_data["file"], kind=ImageAsset.Kind.UPLOAD)
    assert 0 < upload.file.largest_read < len(data) // 2
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    with image.file.open("rb") as handle:
        assert handle.read() == data


def test_an_upload_too_large_is_a_413(api, settings):
    settings.ATELIER_MAX_UPLOAD_BYTES = 1000
    response = api.upload(noise((64, 64)))
    assert response.status_code == 413
    error = error_of(response)
    assert (error["code"], error["param"]) == ("file_too_large", "file")
    assert not ImageAsset.objects.exists()


def test_an_upload_that_is_not_an_image_is_refused(api):
    response = api.upload(b"just some text", "notes.png")
    assert response.status_code == 422
    assert "not an image Atelier can read" in error_of(response)["message"]


def test_an_upload_without_a_file_is_refused(api):
    with api.capture(execute=True):
        response = api.client.post("/api/v1/uploads", {}, headers=api.headers())
    assert response.status_code == 422
    assert error_of(response)["param"] == "file"


def test_a_mask_of_another_size_is_refused(api):
    image = api.upload(solid((1024, 1024))).json()
    mask = api.upload(alpha_mask((512, 512), (0, 0, 100, 100)), "mask.png").json()
    response = api.post(
        "/api/v1/jobs", {**GENERATION, "kind": "edit", "images": [image["id"]], "mask": mask["id"]}
    )
    error = error_of(response)
    assert (response.status_code, error["param"]) == (422, "mask")
    assert "they must match" in error["message"]
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()


def test_a_job_over_budget_is_refused_with_nothing_made(api, alice):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    response = api.post("/api/v1/jobs", GENERATION)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "budget_exceeded"
    assert "monthly budget is left" in error["message"]
    assert not GenerationJob.objects.exists()


def test_an_edit_over_budget_leaves_no_mask_behind(api, alice):
    image = api.upload(solid((1024, 1024))).json()
    mask = api.upload(alpha_mask((1024, 1024), (0, 0, 100, 100)), "mask.png").json()
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    response = api.post(
        "/api/v1/jobs", {**GENERATION, "kind": "edit", "images": [image["id"]], "mask": mask["id"]}
    )
    assert response.status_code == 403
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()


def test_another_users_ids_are_not_found(api, charlie_api, emulator):
    job = api.post("/api/v1/jobs", GENERATION).json()
    image_id = api.get(job["url"]).json()["images"][0]["id"]
    for response in (
        charlie_api.get(job["url"]),
        charlie_api.post(f"{job['url']}/cancel"),
        charlie_api.get(f"/api/v1/images/{image_id}/content"),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    refused = charlie_api.post("/api/v1/jobs", {**GENERATION, "kind": "edit", "images": [image_id]})
    assert (refused.status_code, error_of(refused)["param"]) == (422, "images")


def test_it_cancels_a_queued_job_and_not_a_finished_one(
    api, alice, emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued, never run
        job = api.client.post(
            "/api/v1/jobs", GENERATION, content_type="application/json", headers=api.headers()
        ).json()
    cancelled = api.post(f"{job['url']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"{job['url']}/cancel")
    assert again.status_code == 409
    assert error_of(again)["code"] == "job_finished"


def test_a_failed_job_says_why(api, emulator, emulator_fault):
    emulator_fault("moderation-input")
    job = api.get(api.post("/api/v1/jobs", GENERATION).json()["url"]).json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "moderation_blocked"
    assert job["images"] == []
