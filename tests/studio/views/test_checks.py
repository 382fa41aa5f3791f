"""The prompt check fragment, a blocked job's fallbacks panel and its actions, and the text check view:
owner, other user, anonymous."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from studio.models import FallbackImage, GenerationJob, ImageAsset, UserPolicy
from tests.support.factories import image_request, run_image_job
from tests.support.images import solid

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocked(alice, emulator, django_capture_on_commit_callbacks) -> GenerationJob:
    return run_image_job(alice, django_capture_on_commit_callbacks, image_request("a knight [block] at dusk"))


def test_it_shows_what_to_change_in_a_flagged_prompt(alice_client, emulator):
    response = alice_client.post("/studio/prompt-check", {"prompt": "a knight [flag:violence] in battle"})

    assert response.status_code == 200
    assert b"Violence" in response.content and b"You can still send it" in response.content


def test_it_says_nothing_was_flagged(alice_client, emulator):
    response = alice_client.post("/studio/prompt-check", {"prompt": "a kite over the sea, calm"})

    assert b"nothing flagged" in response.content


def test_the_panel_offers_every_way_allowed(alice_client, alice, blocked):
    item = FallbackImage(title="Knight statue", tags="dusk", approved=True)
    item.image.save("knight.png", ContentFile(solid((32, 32))), save=True)
    UserPolicy.objects.create(user=alice, allow_low_moderation=True)

    response = alice_client.get(f"/jobs/{blocked.pk}/fallbacks/")

    assert response.status_code == 200
    for words in (b"Suggest a rephrasing", b"Use library image: Knight statue", b"Retry at low moderation"):
        assert words in response.content


def test_it_hides_low_moderation_without_permission_and_refuses_it(alice_client, blocked):
    assert b"Retry at low moderation" not in alice_client.get(f"/jobs/{blocked.pk}/fallbacks/").content
    assert alice_client.post(f"/jobs/{blocked.pk}/fallbacks/retry-low").status_code == 403


def test_a_rephrasing_shows_its_cost_and_sends(
    alice_client, alice, blocked, django_capture_on_commit_callbacks
):
    response = alice_client.post(f"/jobs/{blocked.pk}/fallbacks/rephrase")
    assert b"Send rephrased" in response.content and b"cost $" in response.content
    prompt = blocked.rephrasings.get().prompt

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            f"/jobs/{blocked.pk}/fallbacks/send", {"prompt": prompt}, HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 200 and response["HX-Redirect"] == "/studio/"
    new = GenerationJob.objects.for_user(alice).get(prompt=prompt)
    assert new.status == GenerationJob.Status.SUCCEEDED
    blocked.refresh_from_db()
    assert blocked.block_resolution == "rephrased"


def test_picking_a_library_image_puts_it_in_the_gallery(alice_client, alice, blocked):
    item = FallbackImage(title="Knight statue", approved=True)
    item.image.save("knight.png", ContentFile(solid((32, 32))), save=True)

    response = alice_client.post(f"/jobs/{blocked.pk}/fallbacks/library/{item.pk}")

    image = ImageAsset.objects.for_user(alice).get(kind=ImageAsset.Kind.FALLBACK)
    assert f'data-picked="{image.pk}"'.encode() in response.content
    assert alice_client.get(f"/images/{image.pk}/").status_code == 200


def test_an_unapproved_library_image_cannot_be_picked(alice_client, blocked):
    item = FallbackImage(title="Draft stock", approved=False)
    item.image.save("draft.png", ContentFile(solid((32, 32))), save=True)

    assert alice_client.post(f"/jobs/{blocked.pk}/fallbacks/library/{item.pk}").status_code == 404
    assert alice_client.get(f"/fallback-library/{item.pk}").status_code == 404


def test_charlie_never_sees_alices_blocked_job(client, charlie, blocked):
    client.force_login(charlie)

    assert client.get(f"/jobs/{blocked.pk}/fallbacks/").status_code == 404
    assert client.post(f"/jobs/{blocked.pk}/fallbacks/rephrase").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, blocked):
    response = client.get(f"/jobs/{blocked.pk}/fallbacks/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_job_that_was_not_blocked_has_no_fallbacks(
    alice_client, alice, emulator, django_capture_on_commit_callbacks
):
    job = run_image_job(alice, django_capture_on_commit_callbacks)

    assert alice_client.get(f"/jobs/{job.pk}/fallbacks/").status_code == 404


def test_the_text_check_offers_the_overlay_with_the_quoted_text(
    alice_client, alice, emulator, django_capture_on_commit_callbacks
):
    job = run_image_job(
        alice, django_capture_on_commit_callbacks, image_request('a sign that says "OPEN 24H"')
    )
    image = job.images.get(kind="final")

    response = alice_client.get(f"/images/{image.pk}/text-check")

    assert response.status_code == 200
    assert b"Text check" in response.content
    if b'data-outcome="mismatch"' in response.content or b'data-outcome="unavailable"' in response.content:
        assert f"/images/{image.pk}/text?text=OPEN%2024H".encode() in response.content
