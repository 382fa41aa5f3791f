"""Who may call the API: a key of an active user, not revoked, at most ATELIER_API_RATE_LIMIT times a minute."""

from __future__ import annotations

import pytest

from studio.core.api_keys import create_api_key, revoke
from studio.models import ApiKey
from tests.studio.api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db

PATH = "/api/v1/webhooks"


def test_a_request_without_a_key_is_a_401(client):
    response = client.get(PATH)
    assert response.status_code == 401
    assert error_of(response)["code"] == "missing_api_key"


@pytest.mark.parametrize("header", ["Bearer atl_not-a-key", "Bearer sk-something", "Basic YWxpY2U6cHc="])
def test_an_unknown_key_is_a_401(client, header):
    response = client.get(PATH, headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] in ("invalid_api_key", "missing_api_key")


def test_a_session_is_not_enough(alice_client):
    assert alice_client.get(PATH).status_code == 401


def test_a_key_acts_as_its_user_and_notes_its_use(api, alice_key):
    assert api.get(PATH).status_code == 200
    key = ApiKey.objects.get()
    assert key.last_used_at is not None


def test_a_revoked_key_is_a_401(api, alice_key):
    revoke(ApiKey.objects.get())
    response = api.get(PATH)
    assert response.status_code == 401
    error = error_of(response)
    assert (error["code"], error["message"]) == ("invalid_api_key", "That API key was revoked.")


def test_a_disabled_accounts_key_is_a_403(api, alice):
    alice.is_active = False
    alice.save()
    response = api.get(PATH)
    assert response.status_code == 403
    assert error_of(response)["code"] == "account_disabled"


def test_each_key_has_its_own_rate_limit(api, alice, client, settings, django_capture_on_commit_callbacks):
    settings.ATELIER_API_RATE_LIMIT = 3
    assert [api.get(PATH).status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get(PATH)
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    assert 0 < int(limited["Retry-After"]) <= 60
    other = ApiClient(client, create_api_key(alice, "other")[1], django_capture_on_commit_callbacks)
    assert other.get(PATH).status_code == 200


def test_the_documents_are_public(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
