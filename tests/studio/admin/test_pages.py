"""The rest of the admin: conversations with their chain, jobs with a retry action, images with thumbnails."""

from __future__ import annotations

import pytest

from studio.models import GenerationJob, ImageAsset
from tests.support.factories import make_conversation, send_turn

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ada", password="admin-password-1"))
    return client


def test_a_conversation_shows_its_chain_of_response_ids(
    staff_client, alice, emulator, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a kite", django_capture_on_commit_callbacks)
    second = send_turn(conversation, "dark theme", django_capture_on_commit_callbacks)
    page = staff_client.get(f"/admin/conversations/conversation/{conversation.pk}/change/")
    assert page.status_code == 200
    assert page.content.count(first.response_id.encode()) >= 2  # its own id, and the next turn's previous id
    assert second.response_id.encode() in page.content


def test_failed_jobs_can_be_retried_from_the_admin(
    staff_client, alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    emulator_fault("503;times=9")
    turn = send_turn(make_conversation(alice), "a kite", django_capture_on_commit_callbacks)
    assert turn.job.status == GenerationJob.Status.FAILED
    emulator_fault("")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/studio/generationjob/",
            {"action": "retry_failed", "_selected_action": [turn.job.pk]},
            follow=True,
        )
    assert b"Queued 1 job(s) again." in response.content
    turn.job.refresh_from_db()
    assert turn.job.status == GenerationJob.Status.SUCCEEDED


def test_the_job_list_shows_status_error_and_request_id(
    staff_client, alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    emulator_fault("moderation-input")
    turn = send_turn(make_conversation(alice), "a kite", django_capture_on_commit_callbacks)
    page = staff_client.get("/admin/studio/generationjob/")
    assert b"moderation_blocked" in page.content
    assert turn.job.upstream_request_id.encode() in page.content


def test_images_are_listed_with_thumbnails_staff_can_open(
    staff_client, client, alice, charlie, emulator, django_capture_on_commit_callbacks
):
    turn = send_turn(make_conversation(alice), "a kite", django_capture_on_commit_callbacks)
    image = turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    page = staff_client.get("/admin/studio/imageasset/")
    thumb_url = f"/admin/studio/imageasset/{image.pk}/thumbnail/"
    assert thumb_url.encode() in page.content
    thumb = staff_client.get(thumb_url)
    assert thumb.status_code == 200
    assert thumb["Content-Type"] == "image/webp"
    client.force_login(charlie)
    assert client.get(thumb_url).status_code == 302  # not staff: the admin sends them to its login


def test_the_page_shows_the_users_month_of_spending(
    alice_client, alice, emulator, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from studio.models import Budget

    Budget.objects.create(user=alice, monthly_usd=Decimal("5"))
    send_turn(make_conversation(alice), "a kite", django_capture_on_commit_callbacks)
    page = alice_client.get("/")
    assert b"of $5.00 this month" in page.content
    assert b"<meter" in page.content


def test_every_admin_page_links_the_favicon(staff_client):
    from django.templatetags.static import static

    icon = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'.encode()
    for url in (
        "/admin/",
        "/admin/studio/usagerecord/",
        "/admin/studio/generationjob/",
        "/admin/password_change/",
    ):
        assert icon in staff_client.get(url).content, url
    staff_client.logout()
    assert icon in staff_client.get("/admin/login/").content
