"""The API in the admin: every user's keys (revoked from there), webhook endpoints without their secrets,
and the deliveries with their attempts and a Redeliver action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from studio.core import webhooks
from studio.core.api_keys import create_api_key
from studio.models import WebhookDelivery
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ada", password="admin-password-1"))
    return client


def test_admins_see_and_revoke_every_users_keys(staff_client, alice, charlie):
    alices, _ = create_api_key(alice, "alice's script")
    charlies, _ = create_api_key(charlie, "charlie's script")
    page = staff_client.get("/admin/studio/apikey/")
    assert b"alice&#x27;s script" in page.content and b"charlie&#x27;s script" in page.content
    assert alices.hash.encode() not in staff_client.get(f"/admin/studio/apikey/{alices.pk}/change/").content
    response = staff_client.post(
        "/admin/studio/apikey/", {"action": "revoke_keys", "_selected_action": [alices.pk, charlies.pk]}
    )
    assert response.status_code == 302
    alices.refresh_from_db(), charlies.refresh_from_db()
    assert alices.is_revoked and charlies.is_revoked


def test_deliveries_show_their_attempts_and_can_be_redelivered(
    staff_client, alice, settings, django_capture_on_commit_callbacks
):
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = True
    with WebhookReceiver() as receiver:
        endpoint = webhooks.create_endpoint(alice, receiver.url, ["job.succeeded"])
        assert (
            endpoint.secret.encode()
            not in staff_client.get(f"/admin/studio/webhookendpoint/{endpoint.pk}/change/").content
        )
        now = timezone.now()
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id="evt_admin",
            event_type="job.succeeded",
            payload={"id": "evt_admin"},
            status=WebhookDelivery.Status.FAILED,
            attempts=31,
            last_status_code=500,
            retry_until=now - timedelta(minutes=1),
        )
        page = staff_client.get("/admin/studio/webhookdelivery/")
        assert b"evt_admin" in page.content and b"31" in page.content
        with django_capture_on_commit_callbacks(execute=True):
            staff_client.post(
                "/admin/studio/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivery.pk]}
            )
        [got] = receiver.accepted()
    assert got.headers["webhook-id"] == "evt_admin"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 32)
