"""Guessing passwords: five failures for one username from one address lock that pair out for 15 minutes."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def guess(client: Client, username: str, password: str = "wrong guess", address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_four_wrong_passwords_still_let_the_right_one_in(client, alice):
    for _ in range(4):
        assert guess(client, "alice").status_code == 200
    response = guess(client, "alice", PASSWORD)
    assert response.status_code == 302


def test_the_fifth_wrong_password_locks_the_username_from_that_address(client, alice):
    for _ in range(4):
        guess(client, "alice")
    response = guess(client, "alice")
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert b"locked for 15 minutes" in response.content
    # Locked: even the right password is refused now.
    response = guess(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_only_that_username_from_that_address(client, alice, charlie):
    for _ in range(5):
        guess(client, "alice")
    assert guess(Client(), "alice", PASSWORD, address="198.51.100.4").status_code == 302
    assert guess(Client(), "charlie", PASSWORD).status_code == 302


def test_a_success_clears_the_count(client, alice):
    for _ in range(4):
        guess(client, "alice")
    assert guess(Client(), "alice", PASSWORD).status_code == 302
    for _ in range(4):
        assert guess(Client(), "alice").status_code == 200


def test_the_lock_ends_after_15_minutes(client, alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(5):
        guess(client, "alice")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert guess(Client(), "alice", PASSWORD).status_code == 302


def test_an_admin_sees_the_lock_and_lifts_it(client, alice, django_user_model):
    for _ in range(5):
        guess(client, "alice")
    admin = django_user_model.objects.create_superuser("boss", password="another password 123")
    staff = Client()
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert b"alice" in listing.content
    attempt = AccessAttempt.objects.get(username="alice")
    staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert guess(Client(), "alice", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, alice):
    for _ in range(5):
        client.post("/admin/login/", {"username": "alice", "password": "nope"}, REMOTE_ADDR="203.0.113.7")
    response = client.post(
        "/admin/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 429
