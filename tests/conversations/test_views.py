"""The conversation pages and actions: owner, other user (charlie) and anonymous."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conversations.models import Conversation, Turn
from studio.models import Budget, GenerationJob, ImageAsset
from tests.support.factories import make_conversation, send_turn
from tests.support.images import mask_upload

pytestmark = pytest.mark.django_db

FORM = {
    "prompt": "a poster for a jazz night",
    "model": "gpt-image-2",
    "size": "1024x1024",
    "quality": "low",
    "output_format": "png",
    "moderation": "auto",
    "partial_images": "1",
}
EDIT_FORM = {**FORM, "size": "auto", "paste_back": "on", "feather": "6"}


@pytest.fixture
def finished_turn(alice, emulator, django_capture_on_commit_callbacks) -> Turn:
    return send_turn(make_conversation(alice), "a lighthouse", django_capture_on_commit_callbacks)


def test_the_home_page_offers_a_prompt_box(alice_client):
    response = alice_client.get("/")
    assert response.status_code == 200
    assert b'id="composer"' in response.content
    assert b"What shall we make?" in response.content


def test_posting_a_first_prompt_creates_a_conversation_and_runs_its_turn(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/c/new", FORM, headers={"HX-Request": "true"})
    conversation = Conversation.objects.get(owner=alice)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/c/{conversation.pk}/"
    turn = conversation.turns.get()
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    page = alice_client.get(f"/c/{conversation.pk}/")
    final = turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    assert f'src="/images/{final.pk}/thumb?w=1024"'.encode() in page.content  # the full file on demand:
    assert f'href="/images/{final.pk}/"'.encode() in page.content
    assert b"Download" in page.content


def test_a_follow_up_answers_with_the_new_turn_fragment(alice_client, finished_turn):
    conversation = finished_turn.conversation
    response = alice_client.post(
        f"/c/{conversation.pk}/turns", {**FORM, "prompt": "dark theme"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    turn = conversation.turns.latest("pk")
    assert f'id="turn-{turn.pk}"'.encode() in response.content
    assert turn.previous_response_id == finished_turn.response_id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prompt", "   ", b"Write a prompt first."),
        ("prompt", "x" * 32_001, b"at most 32,000 characters"),
        ("size", "1000x1000", b"16"),
        ("size", "banana", b"banana"),
        ("partial_images", "4", b"Select a valid choice"),
        ("output_compression", "101", b"less than or equal to 100"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_created(
    alice, alice_client, field, value, message
):
    response = alice_client.post("/c/new", {**FORM, field: value}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.content
    assert response.headers["HX-Retarget"] == "#composer"
    assert not Conversation.objects.exists()
    assert not GenerationJob.objects.exists()


def test_a_branch_from_another_users_turn_is_refused(
    alice_client, charlie, emulator, django_capture_on_commit_callbacks
):
    charlies = send_turn(make_conversation(charlie), "a secret", django_capture_on_commit_callbacks)
    response = alice_client.post("/c/new", {**FORM, "parent": charlies.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert not Conversation.objects.filter(owner__username="alice").exists()


def test_another_user_gets_404_everywhere(client, charlie, finished_turn):
    client.force_login(charlie)
    conversation = finished_turn.conversation
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    for url in [
        f"/c/{conversation.pk}/",
        f"/c/turns/{finished_turn.pk}/",
        f"/images/{image.pk}/",
        f"/images/{image.pk}/thumb",
        f"/images/{image.pk}/thumb?w=512",
        f"/images/{image.pk}/download",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/c/{conversation.pk}/turns",
        f"/c/{conversation.pk}/rename",
        f"/c/{conversation.pk}/delete",
        f"/c/turns/{finished_turn.pk}/stop",
        f"/c/turns/{finished_turn.pk}/retry",
        f"/c/turns/{finished_turn.pk}/keep",
        f"/c/turns/{finished_turn.pk}/discard",
        f"/c/turns/{finished_turn.pk}/send-now",
    ]:
        assert client.post(url, {**FORM, "title": "mine now"}).status_code == 404, url
    conversation.refresh_from_db()
    assert conversation.title != "mine now"
    assert conversation.turns.count() == 1


def test_an_anonymous_user_is_sent_to_login(client, finished_turn):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    for url in [f"/c/{finished_turn.conversation.pk}/", f"/images/{image.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")


def test_the_owner_downloads_the_original_and_other_formats(alice_client, finished_turn):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    original = alice_client.get(f"/images/{image.pk}/download")
    assert original.status_code == 200
    assert original.headers["Content-Disposition"].startswith("attachment")
    assert b"".join(original.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    jpeg = alice_client.get(f"/images/{image.pk}/download?format=jpeg")
    assert b"".join(jpeg.streaming_content)[:3] == b"\xff\xd8\xff"
    assert alice_client.get(f"/images/{image.pk}/download?format=gif").status_code == 400


def test_the_thumbnail_is_a_small_webp(alice_client, finished_turn):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    response = alice_client.get(f"/images/{image.pk}/thumb")
    assert response.headers["Content-Type"] == "image/webp"
    assert len(b"".join(response.streaming_content)) < image.size_bytes


def test_renaming_and_deleting_a_conversation(alice_client, finished_turn):
    conversation = finished_turn.conversation
    alice_client.post(f"/c/{conversation.pk}/rename", {"title": "Lighthouse series"})
    conversation.refresh_from_db()
    assert conversation.title == "Lighthouse series"
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    path = image.file.path
    alice_client.post(f"/c/{conversation.pk}/delete")
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not GenerationJob.objects.filter(pk=finished_turn.job_id).exists()
    import os

    assert not os.path.exists(path)


def test_a_turn_whose_image_was_deleted_from_the_gallery_says_so_under_its_prompt(
    alice_client, finished_turn
):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    alice_client.post(f"/images/{image.pk}/delete")
    page = alice_client.get(finished_turn.conversation.get_absolute_url()).content.decode()
    assert "Image deleted" in page
    assert "No image" not in page  # that is for a turn that failed or was stopped
    assert "a lighthouse" in page


def test_the_page_uses_a_fixed_number_of_queries_whatever_the_turn_count(
    alice, alice_client, emulator, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    conversation = make_conversation(alice)
    for prompt in ["one", "two", "three", "four"]:
        send_turn(conversation, prompt, django_capture_on_commit_callbacks, partial_images=1)
    with django_assert_max_num_queries(12):
        response = alice_client.get(f"/c/{conversation.pk}/")
    assert response.content.count(b'class="turn turn-succeeded"') == 4


def test_an_edit_from_the_editor_continues_only_your_own_finished_turn_with_its_own_image(
    alice, alice_client, client, charlie, finished_turn, emulator, django_capture_on_commit_callbacks
):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    url = f"/c/turns/{finished_turn.pk}/edit/{image.pk}"
    other = send_turn(make_conversation(alice), "a harbour", django_capture_on_commit_callbacks)
    other_image = other.job.images.get(kind=ImageAsset.Kind.FINAL)
    assert (
        alice_client.post(f"/c/turns/{finished_turn.pk}/edit/{other_image.pk}", EDIT_FORM).status_code == 404
    )
    refused = alice_client.post(url, {**EDIT_FORM, "prompt": "", "mask": mask_upload()})
    assert refused.status_code == 422
    assert b"Write a prompt first." in refused.content
    client.force_login(charlie)
    assert client.post(url, {**EDIT_FORM, "mask": mask_upload()}).status_code == 404
    client.logout()
    assert client.post(url, {**EDIT_FORM, "mask": mask_upload()}).status_code == 302
    assert Turn.objects.count() == 2
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()


def test_an_edit_turn_over_budget_leaves_neither_the_mask_nor_its_file(
    alice, alice_client, finished_turn, settings
):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    files_before = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    response = alice_client.post(
        f"/c/turns/{finished_turn.pk}/edit/{image.pk}", {**EDIT_FORM, "mask": mask_upload()}
    )
    assert response.status_code == 422
    assert Turn.objects.count() == 1
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == files_before


def test_deleting_a_conversation_takes_the_masks_of_its_edits_and_every_file(
    alice_client, finished_turn, emulator, settings, django_capture_on_commit_callbacks
):
    image = finished_turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            f"/c/turns/{finished_turn.pk}/edit/{image.pk}", {**EDIT_FORM, "mask": mask_upload()}
        )
    assert Turn.objects.count() == 2
    assert ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()
    alice_client.post(f"/c/{finished_turn.conversation_id}/delete")
    assert not ImageAsset.objects.exists()
    assert [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == []
