"""The mask editor's page and its edits on both APIs, with the original pasted back outside the mask."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PIL import Image, ImageChops

from conversations.models import Turn
from studio.core.storage import store_image
from studio.models import Budget, GenerationJob, ImageAsset
from tests.support.factories import make_conversation, send_turn
from tests.support.images import MASK_BOX as BOX
from tests.support.images import decode, encode, mask_upload

pytestmark = pytest.mark.django_db
FORM = {
    "prompt": "a window with a view",
    "model": "gpt-image-2",
    "quality": "low",
    "output_format": "png",
    "partial_images": "1",
    "size": "auto",
    "moderation": "auto",
    "paste_back": "on",
    "feather": "6",
}


@pytest.fixture
def photo(alice) -> ImageAsset:
    original = Image.effect_noise((1024, 1024), 45).convert("RGB")
    return store_image(alice, encode(original), kind=ImageAsset.Kind.UPLOAD)


def outside_box_is_original(final: ImageAsset, original: ImageAsset) -> bool:
    """Every pixel outside the masked box equals the original's."""
    with final.file.open("rb") as a, original.file.open("rb") as b:
        after, before = decode(a.read()).convert("RGB"), decode(b.read()).convert("RGB")
    difference = ImageChops.difference(after, before)
    difference.paste((0, 0, 0), BOX)  # inside the mask the edit may differ
    return difference.getbbox() is None


def test_the_owner_sees_the_editor_with_its_controls(alice_client, photo):
    page = alice_client.get(f"/images/{photo.pk}/edit")
    assert page.status_code == 200
    for label in (
        b"Brush size",
        b"Hardness",
        b"Overlay opacity",
        b'data-action="undo"',
        b'data-width="1024"',
    ):
        assert label in page.content


def test_other_users_and_anonymous_users_cannot_open_it(client, charlie, photo):
    assert client.get(f"/images/{photo.pk}/edit").status_code == 302
    client.force_login(charlie)
    assert client.get(f"/images/{photo.pk}/edit").status_code == 404
    assert client.post(f"/images/{photo.pk}/edit", {**FORM, "mask": mask_upload()}).status_code == 404
    assert not GenerationJob.objects.exists()


def test_an_image_api_edit_pastes_the_original_back_and_keeps_the_mask(
    alice_client, photo, emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/images/{photo.pk}/edit", {**FORM, "mask": mask_upload()})
    assert response.status_code == 302
    job = GenerationJob.objects.get(kind=GenerationJob.Kind.IMAGE_EDIT)
    assert job.status == GenerationJob.Status.SUCCEEDED
    final = job.images.get(kind=ImageAsset.Kind.FINAL)
    assert final.leak_ratio > 0  # the emulator's model changed pixels outside the mask...
    assert outside_box_is_original(final, photo)  # ...and every one of them was pasted back
    photo.refresh_from_db()
    assert photo.last_mask == final.mask
    reopened = alice_client.get(f"/images/{photo.pk}/edit")
    assert f'data-mask-url="/images/{final.mask_id}/"'.encode() in reopened.content


def test_without_paste_back_the_models_output_is_kept(
    alice_client, photo, emulator, django_capture_on_commit_callbacks
):
    data = {k: v for k, v in FORM.items() if k != "paste_back"}
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/images/{photo.pk}/edit", {**data, "mask": mask_upload()})
    final = GenerationJob.objects.get().images.get(kind=ImageAsset.Kind.FINAL)
    assert final.raw is None
    assert not outside_box_is_original(final, photo)


def test_an_edit_inside_a_conversation_sends_the_mask_on_the_responses_api(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    turn = send_turn(make_conversation(alice), "a quiet harbour", django_capture_on_commit_callbacks)
    image = turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/c/turns/{turn.pk}/edit/{image.pk}", {**FORM, "mask": mask_upload()})
    assert response.status_code == 302
    edit = Turn.objects.exclude(pk=turn.pk).get()
    assert edit.previous_response_id == turn.response_id
    sent = [r for r in emulator.received() if r["path"] == "/v1/responses"][-1]["json"]
    assert sent["previous_response_id"] == turn.response_id
    assert sent["tools"][0]["input_image_mask"]["image_url"].startswith("data:image/png;base64,")
    assert sent["tools"][0]["action"] == "edit"
    assert edit.job.status == GenerationJob.Status.SUCCEEDED
    assert outside_box_is_original(edit.job.images.get(kind=ImageAsset.Kind.FINAL), image)
    page = alice_client.get(f"/c/{turn.conversation_id}/").content
    assert b'aria-label="Compare before and after"' in page
    assert f'src="/images/{image.pk}/" alt="Before: the original"'.encode() in page


def test_a_missing_or_mismatched_mask_is_refused(alice_client, photo, emulator):
    missing = alice_client.post(f"/images/{photo.pk}/edit", FORM)
    assert missing.status_code == 422
    assert b"Paint the area the model may change first." in missing.content
    wrong = alice_client.post(
        f"/images/{photo.pk}/edit", {**FORM, "mask": mask_upload((512, 512), (0, 0, 10, 10))}
    )
    assert b"512x512 but the image is 1024x1024" in wrong.content
    assert not GenerationJob.objects.exists()
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()
    assert emulator.received() == []


def test_an_edit_over_budget_leaves_neither_the_mask_nor_its_file(alice, alice_client, photo, settings):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    files_before = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    response = alice_client.post(f"/images/{photo.pk}/edit", {**FORM, "mask": mask_upload()})
    assert response.status_code == 422
    assert b"budget" in response.content
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()
    assert not GenerationJob.objects.exists()
    photo.refresh_from_db()
    assert photo.last_mask is None
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == files_before
