"""The API page: keys made (shown once), listed with their last use, revoked; webhooks added (secret shown
once, unsafe URLs refused with the reason) and deleted; each for its owner only."""

from __future__ import annotations

import pytest

from studio.core import webhooks
from studio.core.api_keys import create_api_key, find_key
from studio.models import ApiKey, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_the_page_shows_keys_webhooks_and_examples(alice_client, alice):
    create_api_key(alice, "CMS plugin")
    page = alice_client.get("/api/keys/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "CMS plugin" in content and "never" in content
    assert "curl" in content and "urllib.request" in content and "standardwebhooks" in content
    assert 'href="/api/v1/docs"' in content


def test_a_new_key_is_shown_once_and_works(alice_client, alice):
    page = alice_client.post("/api/keys/new", {"name": "nightly renders"}).content.decode()
    key = ApiKey.objects.get(owner=alice)
    raw = page.split('id="new-key">')[1].split("<")[0]
    assert raw.startswith("atl_") and raw.startswith(key.prefix)
    assert find_key(raw) == key
    assert raw not in alice_client.get("/api/keys/").content.decode()


def test_a_key_is_revoked(alice_client, alice):
    key, raw = create_api_key(alice)
    assert alice_client.post(f"/api/keys/{key.pk}/revoke").status_code == 302
    key.refresh_from_db()
    assert key.is_revoked
    assert "revoked" in alice_client.get("/api/keys/").content.decode()


def test_a_webhook_is_added_with_its_secret_shown_once(alice_client, alice, settings):
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = True
    page = alice_client.post(
        "/api/webhooks/new", {"url": "http://127.0.0.1:9000/hook", "events": ["job.succeeded"]}
    ).content.decode()
    endpoint = WebhookEndpoint.objects.get(owner=alice)
    assert endpoint.events == ["job.succeeded"]
    assert endpoint.secret in page
    assert endpoint.secret not in alice_client.get("/api/keys/").content.decode()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9000/hook", "loopback or private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("not a url", "Enter a full URL"),
    ],
)
def test_an_unsafe_webhook_is_refused_with_the_reason(alice_client, url, reason):
    response = alice_client.post("/api/webhooks/new", {"url": url, "events": ["job.failed"]})
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_webhook_is_deleted(alice_client, alice, settings):
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = True
    endpoint = webhooks.create_endpoint(alice, "http://127.0.0.1:9/hook", ["job.failed"])
    assert alice_client.post(f"/api/webhooks/{endpoint.pk}/delete").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_charlie_cannot_revoke_or_delete_alices(client, alice, charlie, settings):
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = True
    key, _ = create_api_key(alice, "alice's")
    endpoint = webhooks.create_endpoint(alice, "http://127.0.0.1:9/hook", ["job.failed"])
    client.force_login(charlie)
    assert "alice&#x27;s" not in client.get("/api/keys/").content.decode()
    assert client.post(f"/api/keys/{key.pk}/revoke").status_code == 404
    assert client.post(f"/api/webhooks/{endpoint.pk}/delete").status_code == 404
    key.refresh_from_db()
    assert not key.is_revoked and WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_anonymous_users_are_sent_to_login(client):
    for response in (client.get("/api/keys/"), client.post("/api/keys/new", {"name": "x"})):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")
