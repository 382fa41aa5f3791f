"""A conversation's prompt box refuses with a message, never a 500, and leaves nothing stored: reference ids
no database column can hold, and more images than a turn takes (counted with a kept draft's image)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations import services
from conversations.models import Conversation, Turn
from studio.core import jobs
from studio.core.requests import MAX_INPUT_IMAGES
from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset
from tests.conversations.test_views import FORM as TURN_FORM
from tests.support.factories import make_conversation, send_turn, tool_options
from tests.support.images import solid

pytestmark = pytest.mark.django_db

FORM = {**TURN_FORM, "partial_images": "0"}


def gallery_images(owner, count: int) -> list[ImageAsset]:
    return [
        store_image(owner, solid((32, 32), (index, 0, 0)), kind=ImageAsset.Kind.UPLOAD)
        for index in range(count)
    ]


def uploads(count: int) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"{index}.png", solid((32, 32), (0, index, 200)), "image/png")
        for index in range(count)
    ]


def media_files(settings) -> set[str]:
    return {str(path) for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


@pytest.mark.parametrize("pk", ["100000000000000000000", str(2**63), "1e20"])
def test_it_refuses_a_reference_id_no_database_can_hold(alice_client, pk):
    response = alice_client.post("/c/new", {**FORM, "reference_images": pk})
    assert response.status_code == 422
    assert f"“{pk}” is not a valid value." in response.content.decode()
    assert not Conversation.objects.exists()


def test_it_refuses_more_references_than_a_turn_takes(alice, alice_client):
    picked = gallery_images(alice, MAX_INPUT_IMAGES + 1)
    response = alice_client.post("/c/new", {**FORM, "reference_images": [image.pk for image in picked]})
    assert response.status_code == 422
    assert "A turn takes at most 16 images (this one has 17)." in (response.content.decode())
    assert not Conversation.objects.exists()


def test_it_counts_the_uploads_with_the_references(alice, alice_client, settings):
    picked = gallery_images(alice, 10)
    before = media_files(settings)
    response = alice_client.post(
        "/c/new", {**FORM, "reference_images": [image.pk for image in picked], "uploads": uploads(7)}
    )
    assert response.status_code == 422
    assert "(this one has 17)" in response.content.decode()
    assert not Conversation.objects.exists()
    assert list(ImageAsset.objects.order_by("pk")) == picked
    assert media_files(settings) == before


@pytest.fixture
def kept_draft(alice, emulator, django_capture_on_commit_callbacks) -> Turn:
    """A conversation whose latest turn was stopped and its partial kept as a draft: the next turn sends
    the draft's image along as one more input."""
    conversation = make_conversation(alice)
    send_turn(conversation, "a lighthouse", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        stopped = services.start_turn(conversation, prompt="make it pink", options=tool_options())
    store_image(alice, solid((1024, 1024)), kind=ImageAsset.Kind.PARTIAL, job=stopped.job, partial_index=0)
    jobs.cancel_job(stopped.job)
    services.keep_partial_as_draft(Turn.objects.with_display_data().get(pk=stopped.pk))
    return stopped


def test_a_turn_from_a_kept_draft_with_a_full_set_of_images_is_refused_and_keeps_no_upload(
    alice, alice_client, settings, kept_draft
):
    conversation = kept_draft.conversation
    picked = gallery_images(alice, MAX_INPUT_IMAGES - 1)
    stored = set(ImageAsset.objects.values_list("pk", flat=True))
    before = media_files(settings)
    response = alice_client.post(
        f"/c/{conversation.pk}/turns",
        {**FORM, "reference_images": [image.pk for image in picked], "uploads": uploads(1)},
    )
    assert response.status_code == 422
    assert "An edit takes at most 16 images." in response.content.decode()
    assert conversation.turns.count() == 2
    assert GenerationJob.objects.count() == 2
    assert set(ImageAsset.objects.values_list("pk", flat=True)) == stored
    assert media_files(settings) == before
