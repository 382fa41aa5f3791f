"""What users type comes back escaped, wherever it is shown: pages, fragments, the lockout page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.factories import make_conversation, send_turn

pytestmark = pytest.mark.django_db

ATTACK = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def assert_escaped(html: bytes) -> None:
    assert b"<script>alert(1)" not in html
    assert b"<img src=x onerror" not in html
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_prompt_is_escaped_in_the_conversation_and_the_gallery(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    turn = send_turn(make_conversation(alice, title=ATTACK), ATTACK, django_capture_on_commit_callbacks)
    assert_escaped(alice_client.get(f"/c/{turn.conversation_id}/").content)
    assert_escaped(alice_client.get(f"/c/turns/{turn.pk}/").content)
    assert_escaped(alice_client.get("/gallery/").content)
    assert_escaped(alice_client.get("/gallery/", {"q": ATTACK}).content)


def test_a_studio_prompt_is_escaped_in_its_job_card(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            "/studio/submit",
            {
                "prompt": ATTACK,
                "quality": "low",
                "size": "1024x1024",
                "model": "gpt-image-2",
                "output_format": "png",
                "moderation": "auto",
                "partial_images": "0",
                "n": "1",
            },
            headers={"HX-Request": "true"},
        )
    assert_escaped(response.content)
    assert_escaped(alice_client.get("/studio/").content)


def test_a_refused_form_echoes_the_input_escaped(alice_client):
    response = alice_client.post("/studio/submit", {"prompt": ATTACK, "size": ATTACK[:20]})
    assert response.status_code == 422
    assert b"<script>alert(1)" not in response.content


def test_the_lockout_page_escapes_the_username(alice):
    client = Client()
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"username": ATTACK, "password": "x"}, REMOTE_ADDR="203.0.113.9"
        )
    assert response.status_code == 429
    assert_escaped(response.content)


def test_a_size_check_answers_json_not_html(alice_client):
    response = alice_client.get("/sizes/check", {"size": "<script>alert(1)</script>"})
    assert response.headers["Content-Type"] == "application/json"
