"""`/healthz`: 200 when all is well, 200 "degraded" when only the channel layer fails (jobs still finish,
live updates stop), 503 when the database fails."""

from __future__ import annotations

import socket
import time

import pytest
from channels.layers import channel_layers
from django.db import connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def redis_at(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }


def health_with_channel_layers(client, layers: dict):
    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        try:
            return client.get("/healthz")
        finally:
            channel_layers.backends.clear()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_it_reports_database_and_channel_layer_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "status": "ok"}


def test_it_needs_no_login(client):
    assert client.get("/healthz").status_code == 200


def test_a_closed_redis_port_is_a_degraded_service_not_a_down_one(client):
    response = health_with_channel_layers(client, redis_at(closed_port()))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["channel_layer"].startswith("error: ")
    assert body["status"] == "degraded"


def test_a_redis_that_never_answers_is_reported_within_seconds(client):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        response = health_with_channel_layers(client, redis_at(silent.getsockname()[1]))
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    assert response.json()["channel_layer"] == "error: TimeoutError"
    assert response.json()["status"] == "degraded"


def test_it_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is locked")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert response.json()["channel_layer"] == "ok"
    assert response.json()["status"] == "down"
