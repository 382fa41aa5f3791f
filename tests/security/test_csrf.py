"""A page on another site cannot make alice's browser act: every state-changing POST needs the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.factories import make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client(alice) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/studio/submit",
        "/c/new",
        "/accounts/logout/",
        "/images/1/favourite",
        "/images/1/delete",
        "/c/1/rename",
    ],
)
def test_a_post_without_the_token_is_refused(strict_client, path):
    response = strict_client.post(path, {"prompt": "from evil.example", "title": "pwned"})
    assert response.status_code == 403


def test_a_post_with_a_token_from_another_session_is_refused(strict_client, alice):
    conversation = make_conversation(alice, title="mine")
    other = Client(enforce_csrf_checks=True)
    other.get("/accounts/login/")
    foreign_token = other.cookies["csrftoken"].value
    response = strict_client.post(
        f"/c/{conversation.pk}/rename", {"title": "pwned"}, headers={"X-CSRFToken": foreign_token}
    )
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.title == "mine"


def test_the_page_gives_htmx_its_token_and_a_post_with_it_goes_through(strict_client, alice):
    conversation = make_conversation(alice, title="mine")
    page = strict_client.get(f"/c/{conversation.pk}/")
    token = strict_client.cookies["csrftoken"].value
    assert b'hx-headers:inherited=\'{"X-CSRFToken": "' in page.content
    response = strict_client.post(
        f"/c/{conversation.pk}/rename", {"title": "renamed"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.title == "renamed"


def test_the_login_form_needs_its_token_too(alice):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 403
