"""Every page but login and health needs a login; the API (keys, not sessions) answers 401 instead."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"/accounts/login/", "/healthz", "/api/v1/", "/api/v1/docs", "/api/v1/openapi.json"}
API = "/api/v1/"


def concrete_paths() -> list[str]:
    """Every URL pattern without parameters (and with simple integer/slug ones filled in)."""
    paths: list[str] = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                if route.startswith("admin/"):
                    continue
                walk(pattern.url_patterns, route)
            else:
                path = "/" + route.replace("^", "").replace("$", "")
                path = (
                    path.replace("<int:pk>", "1").replace("<int:job_id>", "1").replace("<str:sha>", "a" * 64)
                )
                if "<" not in path and "(" not in path:
                    paths.append(path)

    walk(get_resolver().url_patterns)
    return sorted(set(paths))


def test_the_url_list_is_not_empty():
    assert "/" in concrete_paths()


PAGES = [p for p in concrete_paths() if p not in PUBLIC | {"/accounts/logout/"} and not p.startswith(API)]


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_user_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", [p for p in concrete_paths() if p.startswith(API) and p not in PUBLIC])
def test_an_anonymous_api_request_is_a_401(client, path):
    response = client.get(path)
    assert response.status_code in (401, 405)
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "missing_api_key"


def test_the_login_page_is_public(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_a_signed_in_user_sees_the_home_page(alice_client):
    response = alice_client.get("/")
    assert response.status_code == 200
    assert b"alice" in response.content


def test_the_admin_sends_anonymous_users_to_its_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]
