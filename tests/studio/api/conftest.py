"""API test helpers: alice's and charlie's keys, and a client that sends them (and runs what commits)."""

from __future__ import annotations

import json

import pytest

from studio.core.api_keys import create_api_key


class ApiClient:
    """Django's test client speaking JSON with a key; jobs queued by a request run when it commits."""

    def __init__(self, client, key: str, capture) -> None:
        self.client, self.key, self.capture = client, key, capture

    def headers(self, extra: dict | None = None) -> dict:
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def get(self, path: str, **extra):
        with self.capture(execute=True):
            return self.client.get(path, headers=self.headers(extra.pop("headers", None)), **extra)

    def post(self, path: str, body=None, *, headers: dict | None = None, raw: bytes | None = None, **extra):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        with self.capture(execute=True):
            return self.client.post(
                path, data, content_type="application/json", headers=self.headers(headers), **extra
            )

    def upload(self, data: bytes, name: str = "image.png"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        with self.capture(execute=True):
            return self.client.post(
                "/api/v1/uploads", {"file": SimpleUploadedFile(name, data)}, headers=self.headers()
            )

    def delete(self, path: str):
        with self.capture(execute=True):
            return self.client.delete(path, headers=self.headers())


@pytest.fixture
def alice_key(alice) -> str:
    return create_api_key(alice, "tests")[1]


@pytest.fixture
def charlie_key(charlie) -> str:
    return create_api_key(charlie, "tests")[1]


@pytest.fixture
def api(client, alice_key, django_capture_on_commit_callbacks) -> ApiClient:
    return ApiClient(client, alice_key, django_capture_on_commit_callbacks)


@pytest.fixture
def charlie_api(client, charlie_key, django_capture_on_commit_callbacks) -> ApiClient:
    return ApiClient(client, charlie_key, django_capture_on_commit_callbacks)


def error_of(response) -> dict:
    """The error body of an answer, checked for its shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "param"}, body
    return body["error"]
