"""Request bodies are refused before they cost anything, through the real server (Daphne in a subprocess)."""

from __future__ import annotations

import time
import uuid

from tests.security.conftest import MAX_REQUEST, cookie_header, sign_in
from tests.support import rawhttp
from tests.support.images import solid

SMALL = 64 * 1024  # ATELIER_ANONYMOUS_MAX_BODY_BYTES


def studio_form(csrf: str, image: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    fields = {
        "csrfmiddlewaretoken": csrf,
        "prompt": "a test edit",
        "model": "gpt-image-2",
        "size": "auto",
        "quality": "low",
        "output_format": "png",
        "moderation": "auto",
        "partial_images": "0",
        "n": "1",
    }
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="images"; filename="in.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    body += image + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def signed_in_headers(cookies: dict[str, str], **extra: str) -> dict[str, str]:
    return {"Cookie": cookie_header(cookies), "X-CSRFToken": cookies["csrftoken"], **extra}


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_it_answers_413_to_a_declared_length_over_the_limit_before_any_body(atelier, alice_cookies):
    started = time.monotonic()
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/studio/submit",
        signed_in_headers(
            alice_cookies, **{"Content-Length": str(MAX_REQUEST + 1), "Content-Type": "image/png"}
        ),
        b"",  # not one byte of the body is sent: the answer comes from the headers alone
    )
    assert answer.status == 413
    assert b"too large" in answer.body
    assert b"4.0 MB" in answer.body
    assert time.monotonic() - started < 2


def test_it_answers_401_to_an_upload_without_a_session_before_any_body(atelier):
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/studio/submit",
        {"Content-Length": str(2 * 1024 * 1024), "Content-Type": "multipart/form-data; boundary=x"},
        b"",
    )
    assert answer.status == 401
    assert b"Log in first" in answer.body


def test_it_sends_a_browser_that_uploads_without_a_session_to_the_login_page(atelier):
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/studio/submit",
        {
            "Content-Length": "100000",
            "Content-Type": "multipart/form-data; boundary=x",
            "Accept": "text/html,application/xhtml+xml",
        },
        b"",
    )
    assert answer.status == 303
    assert answer.headers["location"] == "/accounts/login/?next=/studio/submit"


def test_a_made_up_session_cookie_does_not_let_an_upload_through(atelier):
    content_type, body = studio_form("x" * 32, solid((64, 64), (200, 80, 40)))
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/studio/submit",
        {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "Cookie": "sessionid=made-up-by-the-attacker; csrftoken=" + "x" * 32,
        },
        body,
    )
    assert answer.status == 401


def test_a_large_urlencoded_body_without_a_session_is_refused(atelier):
    body = b"username=a&password=" + b"p" * (SMALL + 1)
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
            "Cookie": "sessionid=made-up",
        },
        body,
    )
    assert answer.status == 401


def test_the_login_form_still_works_without_a_session(atelier):
    assert "sessionid" in sign_in(atelier, "charlie")


def test_a_chunked_body_is_counted_and_refused_once_over_the_limit(atelier, alice_cookies):
    piece = b"x" * 65536
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/studio/submit",
        signed_in_headers(
            alice_cookies, **{"Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"}
        ),
        rawhttp.chunked(piece for _ in range(MAX_REQUEST // len(piece) + 16)),
    )
    assert answer.status == 413


def test_a_chunked_body_from_a_visitor_is_held_to_the_small_limit(atelier):
    piece = b"x" * 8192
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/accounts/login/",
        {"Transfer-Encoding": "chunked", "Content-Type": "application/x-www-form-urlencoded"},
        rawhttp.chunked(piece for _ in range(SMALL // len(piece) + 4)),
    )
    assert answer.status == 401


def test_a_chunked_body_from_a_visitor_with_a_made_up_cookie_is_held_to_the_small_limit(atelier):
    piece = b"x" * 8192
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/accounts/login/",
        {
            "Transfer-Encoding": "chunked",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "sessionid=made-up",
        },
        rawhttp.chunked(piece for _ in range(SMALL // len(piece) + 4)),
    )
    assert answer.status == 401


def test_a_signed_in_upload_under_the_limits_is_accepted(atelier, alice_cookies):
    content_type, body = studio_form(alice_cookies["csrftoken"], solid((256, 256), (200, 80, 40)))
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/studio/submit",
        signed_in_headers(alice_cookies, **{"Content-Type": content_type, "Content-Length": str(len(body))}),
        body,
    )
    assert answer.status == 302
    assert answer.headers["location"] == "/studio/"


def test_a_refused_multipart_body_is_not_parsed_into_the_servers_memory(atelier):
    """Before: Twisted parsed every POSTed multipart body in memory (about 13x its size) and Daphne queued
    the whole body; a 3.5 MB post then cost some 45 MB. Now it is spooled to disk and never read."""
    boundary = "b" * 16
    filler = b"\x89PNG" + b"z" * (MAX_REQUEST - 256 * 1024)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="images"; filename="a.png"\r\n\r\n'.encode()
        + filler
        + f"\r\n--{boundary}--\r\n".encode()
    )
    before = rss_mb(atelier.pid)
    for _ in range(3):
        answer = rawhttp.request(
            atelier.port,
            "POST",
            "/studio/submit",
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(body)),
                "Cookie": "sessionid=made-up",
            },
            body,
        )
        assert answer.status == 401
    assert rss_mb(atelier.pid) - before < 8


def test_a_made_up_api_key_does_not_let_an_upload_through(atelier):
    content_type, body = studio_form("x" * 32, solid((64, 64), (200, 80, 40)))
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/api/v1/uploads",
        {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "Authorization": "Bearer atl_made-up-by-the-attacker",
        },
        body,
    )
    assert answer.status == 401


def test_a_live_api_key_may_upload_without_a_session(atelier):
    key = atelier.manage("create_api_key", "alice", "--name", "upload test").strip().splitlines()[-1]
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + solid((64, 64), (200, 80, 40))
        + f"\r\n--{boundary}--\r\n".encode()
    )
    answer = rawhttp.request(
        atelier.port,
        "POST",
        "/api/v1/uploads",
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
            "Authorization": f"Bearer {key}",
        },
        body,
    )
    assert answer.status == 201, answer.body[:300]
