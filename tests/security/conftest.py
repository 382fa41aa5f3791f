"""The security suite: attacks tried the way an attacker would, through the real server where it matters.

`atelier` is Atelier served by Daphne in a subprocess, with small limits (a 4 MB request, 1 MB uploads) so
that going over them is quick; alice signs in over HTTP like anyone else.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import PASSWORD
from tests.support import rawhttp
from tests.support.daphne import AtelierServer, start_atelier

MAX_REQUEST = 4 * 1024 * 1024
MAX_UPLOAD = 1024 * 1024


@pytest.fixture(scope="session")
def atelier(tmp_path_factory) -> Iterator[AtelierServer]:
    server = start_atelier(
        tmp_path_factory.mktemp("atelier-security"),
        env={
            "ATELIER_MAX_REQUEST_BYTES": str(MAX_REQUEST),
            "ATELIER_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
            "ATELIER_JOB_RUNNER": "workers",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        },
    )
    for name in ("alice", "charlie"):
        server.manage(
            "shell",
            "-c",
            f"from django.contrib.auth.models import User; User.objects.create_user({name!r}, password={PASSWORD!r})",
        )
    yield server
    server.stop()


def sign_in(server: AtelierServer, username: str = "alice") -> dict[str, str]:
    """Log in through the login form, as a browser does: the cookies (sessionid, csrftoken)."""
    page = rawhttp.request(server.port, "GET", "/accounts/login/", {})
    csrf = page.cookies["csrftoken"]
    form = f"username={username}&password={PASSWORD.replace(' ', '+')}&csrfmiddlewaretoken={csrf}".encode()
    answer = rawhttp.request(
        server.port,
        "POST",
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(form)),
            "Cookie": f"csrftoken={csrf}",
        },
        form,
    )
    assert answer.status == 302, answer.body
    return {"csrftoken": csrf, **answer.cookies}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@pytest.fixture(scope="session")
def alice_cookies(atelier) -> dict[str, str]:
    return sign_in(atelier, "alice")
