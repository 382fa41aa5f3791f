"""The Studio on the Image API: generations, drafts and finals, the request cache, edits and bad input."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from studio.models import GenerationJob, ImageAsset, UsageRecord
from tests.support.images import alpha_mask, decode, encode

pytestmark = pytest.mark.django_db

FORM = {
    "prompt": "a poster for a jazz night",
    "model": "gpt-image-2",
    "n": "1",
    "size": "1024x1024",
    "quality": "medium",
    "output_format": "png",
    "moderation": "auto",
    "partial_images": "1",
    "background": "auto",
    "action": "generate",
}


def post(client, capture, data=None, files=None, **extra):
    with capture(execute=True):
        return client.post(
            "/studio/submit",
            {**FORM, **(data or {}), **(files or {})},
            headers={"HX-Request": "true"},
            **extra,
        )


def image_requests(emulator, path="/v1/images/generations"):
    return [r for r in emulator.received() if r["path"] == path]


def test_the_studio_page_shows_the_form(alice_client):
    page = alice_client.get("/studio/")
    assert page.status_code == 200
    assert b'id="studio-form"' in page.content
    assert b"Draft (low quality)" in page.content


def test_it_generates_several_images_into_a_grid(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    response = post(alice_client, django_capture_on_commit_callbacks, {"n": "3"})
    assert response.status_code == 200
    job = GenerationJob.objects.get(owner=alice)
    assert job.status == GenerationJob.Status.SUCCEEDED
    finals = job.images.filter(kind=ImageAsset.Kind.FINAL).order_by("output_index")
    assert [image.output_index for image in finals] == [0, 1, 2]
    # Live partials for 3 images are 3 streams of one (OpenAI streams only n=1).
    sent = [r["json"] for r in image_requests(emulator)]
    assert [(s["n"], s["stream"], s["partial_images"]) for s in sent] == [(1, True, 1)] * 3
    assert len({s["prompt"] for s in sent}) == 1
    fragment = alice_client.get(f"/studio/jobs/{job.pk}/").content
    assert fragment.count(b"data-tile=") == 3
    assert UsageRecord.objects.filter(job=job).count() == 3


def test_draft_runs_at_low_quality(alice, alice_client, emulator, django_capture_on_commit_callbacks):
    post(alice_client, django_capture_on_commit_callbacks, {"action": "draft", "quality": "high"})
    assert image_requests(emulator)[0]["json"]["quality"] == "low"


def test_an_identical_request_comes_from_the_cache_without_a_call_or_a_cost(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    post(alice_client, django_capture_on_commit_callbacks)
    post(alice_client, django_capture_on_commit_callbacks)
    first, second = GenerationJob.objects.order_by("pk")
    assert len(image_requests(emulator)) == 1
    assert second.cached_from == first
    assert second.status == GenerationJob.Status.SUCCEEDED
    assert not UsageRecord.objects.filter(job=second).exists()
    assert second.estimated_cost_usd == 0
    cached = second.images.get(kind=ImageAsset.Kind.FINAL)
    assert cached.file.name == first.images.get(kind=ImageAsset.Kind.FINAL).file.name
    assert b"From cache" in alice_client.get(f"/studio/jobs/{second.pk}/").content


def test_another_option_or_a_forced_run_misses_the_cache(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    post(alice_client, django_capture_on_commit_callbacks)
    post(alice_client, django_capture_on_commit_callbacks, {"output_format": "webp"})
    post(alice_client, django_capture_on_commit_callbacks, {"fresh": "on"})
    assert len(image_requests(emulator)) == 3
    assert not GenerationJob.objects.filter(cached_from__isnull=False).exists()


def test_the_cache_is_per_user(alice_client, client, charlie, emulator, django_capture_on_commit_callbacks):
    post(alice_client, django_capture_on_commit_callbacks)
    client.force_login(charlie)
    post(client, django_capture_on_commit_callbacks)
    assert len(image_requests(emulator)) == 2


def test_an_edit_sends_every_image_and_the_mask_and_pastes_the_original_back(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    size = (1024, 1024)
    original = Image.effect_noise(size, 40).convert("RGB")
    reference = Image.new("RGB", size, (20, 120, 200))
    box = (256, 256, 768, 768)
    files = {
        "images": [
            SimpleUploadedFile("photo.png", encode(original), "image/png"),
            SimpleUploadedFile("ref.png", encode(reference), "image/png"),
        ],
        "mask": SimpleUploadedFile("mask.png", alpha_mask(size, box), "image/png"),
    }
    response = post(alice_client, django_capture_on_commit_callbacks, {"prompt": "put a window here"}, files)
    assert response.status_code == 200
    sent = image_requests(emulator, "/v1/images/edits")[0]
    assert [f["field"] for f in sent["files"]].count("mask") == 1
    assert len([f for f in sent["files"] if f["field"].startswith("image")]) == 2
    job = GenerationJob.objects.get(kind=GenerationJob.Kind.IMAGE_EDIT)
    final = job.images.get(kind=ImageAsset.Kind.FINAL)
    assert final.raw is not None and final.mask is not None
    assert final.leak_ratio is not None and final.leak_ratio > 0  # the emulator leaks, like the model
    with final.file.open("rb") as handle:
        result = decode(handle.read()).convert("RGB")
    for point in [(0, 0), (100, 900), (1000, 20), (255, 255), (768, 768), (900, 512)]:
        assert result.getpixel(point) == original.getpixel(point), point
    with final.raw.file.open("rb") as handle:
        raw = decode(handle.read()).convert("RGB")
    assert any(raw.getpixel(p) != original.getpixel(p) for p in [(0, 0), (100, 900), (1000, 20), (900, 512)])


def tiny_png_declaring(width, height) -> bytes:
    from tests.support.images import png_declaring

    return png_declaring(width, height)


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (SimpleUploadedFile("notes.png", b"not an image at all" * 20, "image/png"), b"not an image"),
        (
            SimpleUploadedFile("anim.gif", encode(Image.new("RGB", (8, 8)), "GIF"), "image/gif"),
            b"GIF images are not accepted",
        ),
        (SimpleUploadedFile("bomb.png", tiny_png_declaring(30_000, 30_000), "image/png"), b"pixels"),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(
    alice, alice_client, emulator, django_capture_on_commit_callbacks, upload, words, settings
):
    response = post(alice_client, django_capture_on_commit_callbacks, files={"images": [upload]})
    assert response.status_code == 422
    assert words in response.content
    assert not ImageAsset.objects.exists()
    assert not GenerationJob.objects.exists()
    assert not (settings.MEDIA_ROOT / "images").exists()
    assert emulator.received() == []


def test_an_upload_over_the_size_limit_is_refused(
    alice_client, settings, emulator, django_capture_on_commit_callbacks
):
    settings.ATELIER_MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile(
        "big.png", encode(Image.effect_noise((200, 200), 50).convert("RGB")), "image/png"
    )
    response = post(alice_client, django_capture_on_commit_callbacks, files={"images": [big]})
    assert response.status_code == 422
    assert b"must be under" in response.content
    assert not ImageAsset.objects.exists()


def test_a_mask_of_another_size_is_refused(alice_client, emulator, django_capture_on_commit_callbacks):
    files = {
        "images": [SimpleUploadedFile("a.png", encode(Image.new("RGB", (1024, 1024))), "image/png")],
        "mask": SimpleUploadedFile("m.png", alpha_mask((512, 512), (0, 0, 10, 10)), "image/png"),
    }
    response = post(alice_client, django_capture_on_commit_callbacks, files=files)
    assert response.status_code == 422
    assert b"512x512 but the image is 1024x1024" in response.content
    assert not ImageAsset.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("prompt", "  ", b"Write a prompt first."),
        ("prompt", "x" * 32_001, b"32,000"),
        ("n", "11", b"less than or equal to 10"),
        ("background", "transparent", b"cannot make transparent"),
    ],
)
def test_bad_options_are_refused_before_sending(
    alice_client, emulator, django_capture_on_commit_callbacks, field, value, words
):
    response = post(alice_client, django_capture_on_commit_callbacks, {field: value})
    assert response.status_code == 422
    assert words in response.content
    assert emulator.received() == []


def test_a_moderation_block_shows_its_stage_and_categories_and_costs_nothing(
    alice, alice_client, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    emulator_fault("moderation-input")
    post(alice_client, django_capture_on_commit_callbacks)
    job = GenerationJob.objects.get()
    assert job.status == GenerationJob.Status.FAILED
    fragment = alice_client.get(f"/studio/jobs/{job.pk}/").content
    assert b"Blocked at the input stage (other)" in fragment
    assert b"Rephrase" in fragment
    assert not UsageRecord.objects.exists()


@pytest.mark.parametrize(
    ("quality", "size", "shown"),
    [("low", "1024x1024", b"$0.006"), ("medium", "1536x1024", b"$0.041"), ("high", "1024x1536", b"$0.165")],
)
def test_the_estimate_follows_the_articles_table(alice_client, quality, size, shown):
    response = alice_client.get(
        "/studio/estimate", {**FORM, "quality": quality, "size": size, "partial_images": "0", "prompt": ""}
    )
    assert shown in response.content
    assert "≈".encode() not in response.content


def test_the_estimate_counts_partials_and_marks_other_sizes_as_estimates(alice_client):
    response = alice_client.get(
        "/studio/estimate", {**FORM, "size": "2048x2048", "n": "2", "partial_images": "3"}
    )
    assert "≈".encode() in response.content


def test_other_users_never_see_or_act_on_a_job(
    alice_client, client, charlie, emulator, django_capture_on_commit_callbacks
):
    post(alice_client, django_capture_on_commit_callbacks, {"prompt": "secret sketch"})
    job = GenerationJob.objects.get()
    image = job.images.get(kind=ImageAsset.Kind.FINAL)
    # Alice sees her prompt on both pages, so its absence from Charlie's pages below means something.
    assert b"secret sketch" in alice_client.get("/studio/").content
    assert b"secret sketch" in alice_client.get("/gallery/").content
    client.force_login(charlie)
    assert client.get(f"/studio/jobs/{job.pk}/").status_code == 404
    for action in ("finalize", "stop", "retry"):
        assert client.post(f"/studio/jobs/{job.pk}/{action}").status_code == 404
    for url in (f"/images/{image.pk}/finalize", f"/images/{image.pk}/finalize/estimate"):
        assert client.get(url).status_code == 404
    assert client.get(f"/studio/jobs/{job.pk}/finalize/estimate").status_code == 404
    assert (
        client.post(f"/images/{image.pk}/finalize", {"size": "1024x1024", "output_format": "png"}).status_code
        == 404
    )
    assert GenerationJob.objects.count() == 1
    assert client.get(f"/images/{image.pk}/").status_code == 404
    assert client.post(f"/images/{image.pk}/favourite").status_code == 404
    assert client.post(f"/images/{image.pk}/delete").status_code == 404
    assert b"secret sketch" not in client.get("/studio/").content
    assert b"secret sketch" not in client.get("/gallery/").content
    assert ImageAsset.objects.filter(pk=image.pk).exists()


def test_anonymous_users_are_sent_to_login(client):
    for url in (
        "/studio/",
        "/gallery/",
        "/studio/estimate",
        "/images/1/finalize",
        "/studio/jobs/1/finalize/estimate",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")
    assert client.post("/studio/submit", FORM).status_code == 302


def test_the_estimate_counts_uploads_within_the_edit_limit(alice_client):
    one = alice_client.get("/studio/estimate", {**FORM, "upload_count": "1"})
    assert one.status_code == 200
    assert b"image input" in one.content
    for bad in ("abc", "-1", "17", "100000000"):
        refused = alice_client.get("/studio/estimate", {**FORM, "upload_count": bad})
        assert refused.status_code == 400, bad
        assert b"upload_count" in refused.content


def test_the_estimate_says_live_variants_send_the_inputs_once_per_stream(alice_client):
    live = alice_client.get(
        "/studio/estimate", {**FORM, "n": "3", "partial_images": "2", "upload_count": "1"}
    )
    plain = alice_client.get(
        "/studio/estimate", {**FORM, "n": "3", "partial_images": "0", "upload_count": "1"}
    )
    assert b"3 live streams" in live.content and b"paid 3 times" in live.content
    assert b"live streams" not in plain.content
    assert Decimal(live.content.split(b'data-cost="')[1].split(b'"')[0].decode()) > Decimal(
        plain.content.split(b'data-cost="')[1].split(b'"')[0].decode()
    )


def test_an_edit_over_budget_removes_the_new_uploads_and_mask_but_not_a_picked_upload(
    alice, alice_client, settings, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from studio.core.storage import store_image
    from studio.models import Budget

    picked = store_image(alice, encode(Image.new("RGB", (1024, 1024), (9, 99, 199))), kind="upload")
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    upload = SimpleUploadedFile("new.png", encode(Image.new("RGB", (1024, 1024), (200, 10, 10))), "image/png")
    mask = SimpleUploadedFile("mask.png", alpha_mask((1024, 1024), (0, 0, 512, 512)), "image/png")
    response = post(
        alice_client,
        django_capture_on_commit_callbacks,
        {"gallery_images": [picked.pk]},
        {"images": [upload], "mask": mask},
    )
    assert response.status_code == 422
    assert list(ImageAsset.objects.all()) == [picked]
    files = {str(p.relative_to(settings.MEDIA_ROOT)) for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}
    assert files == {picked.file.name, picked.thumbnail.name}


def test_the_estimate_prices_draft_at_the_low_quality_it_sends(alice_client):
    response = alice_client.get("/studio/estimate", {**FORM, "quality": "high", "partial_images": "0"})
    assert re.search(rb'class="estimate-cost">\s*\$0\.211<', response.content)
    assert re.search(rb'class="estimate-draft" data-cost="[0-9.]+">\s*\$0\.006<', response.content)
    assert b"Generate (high)" in response.content and b"Draft (low)" in response.content


def test_the_prompt_says_enter_makes_a_new_line_and_ctrl_enter_generates(alice_client):
    page = alice_client.get("/studio/").content.decode()
    assert "Enter makes a new line; Ctrl+Enter" in page
    assert 'aria-describedby="id_prompt_help"' in page and 'id="id_prompt_help"' in page
