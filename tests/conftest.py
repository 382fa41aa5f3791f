"""Shared test fixtures: the personas alice (owner) and charlie (must never see alice's things),
the emulator over real HTTP, and the machine's real PostgreSQL and Redis where a test is about them."""

from __future__ import annotations

import os
import socket

import pytest

PASSWORD = "correct horse battery staple"


def service_available(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def require_service(name: str, host: str, port: int) -> None:
    """Skip a test whose real service is absent, unless CI demands every service (then fail)."""
    if service_available(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if os.environ.get("ATELIER_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}, and ATELIER_REQUIRE_SERVICES=1 requires it")
    pytest.skip(f"{message}; start it to run this test")


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password=PASSWORD)


@pytest.fixture
def charlie(django_user_model):
    return django_user_model.objects.create_user("charlie", password=PASSWORD)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test():
    """A test that started the embedded worker stops it, so it never runs the next test's jobs."""
    yield
    from studio.core.worker import stop_embedded

    stop_embedded()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes its images to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def emulator_server():
    """One OpenAI emulator process for the session, over real HTTP, with no latency."""
    from tests.support.emulator import start_emulator

    server = start_emulator(latency=0)
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server, settings):
    """Point the app at the emulator, with a clean record of what it received."""
    emulator_server.reset()
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = emulator_server.base_url
    settings.ATELIER_OPENAI_EXTRA_HEADERS = {}
    return emulator_server


@pytest.fixture
def emulator_fault(settings):
    """Make the next calls to the emulator fail: emulator_fault("429;times=1"); emulator_fault("") heals."""

    def arm(fault: str) -> None:
        settings.ATELIER_OPENAI_EXTRA_HEADERS = {"X-Emulator-Fault": fault} if fault else {}

    return arm


@pytest.fixture(autouse=True)
def _an_empty_cache():
    """Each test counts from nothing in Django's cache (the API's per-key rate limit, among others): the
    database is rolled back after a test, so the next test's key gets the same id, and within the same
    minute its count would go on from the last test's until the suite's API tests were refused (429)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _no_webhook_sender_left_running():
    """A test that ran the embedded runner may have started the webhook sender thread: stop it after."""
    yield
    from studio.core.webhook_delivery import stop_embedded_sender

    stop_embedded_sender()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, end the sessions that threads of this process left open (the job runner's and the
    channel consumers' pool threads keep theirs), so that the test database can be dropped at the end."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
