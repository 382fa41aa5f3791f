"""Bodies the API cannot use (a lone UTF-16 surrogate, a broken multipart body, no body at all) answer a
4xx in the API's error shape, never a 500, and leave nothing half-made."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, Turn
from studio.models import GenerationJob, ImageAsset, WebhookEndpoint
from tests.studio.api.conftest import error_of

pytestmark = pytest.mark.django_db

LONE_SURROGATE = "lone UTF-16 surrogate"


@pytest.mark.parametrize(
    "path, raw, param",
    [
        ("/api/v1/jobs", b'{"prompt": "\\ud800 x", "quality": "low"}', "prompt"),
        ("/api/v1/jobs", b'{"prompt": "a cat", "quality": "low\\udfff"}', "quality"),
        ("/api/v1/webhooks", b'{"url": "https://example.com/\\ud800"}', "url"),
        ("/api/v1/webhooks", b'{"url": "https://example.com/", "events": ["\\udc00"]}', "events"),
        ("/api/v1/conversations", b'{"title": "a cat \\udc00"}', "title"),
        ("/api/v1/jobs", b'{"\\ud800": "x"}', None),
    ],
)
def test_it_refuses_a_lone_surrogate_naming_its_field(api, path, raw, param):
    response = api.post(path, raw=raw)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["param"]) == ("invalid_json", param)
    assert LONE_SURROGATE in error["message"]
    assert not GenerationJob.objects.exists()
    assert not WebhookEndpoint.objects.exists()
    assert not Conversation.objects.exists()


def test_it_refuses_a_lone_surrogate_in_a_turns_prompt(api):
    conversation = api.post("/api/v1/conversations", {}).json()
    response = api.post(
        f"/api/v1/conversations/{conversation['id']}/turns", raw=b'{"prompt": "more \\ud800"}'
    )
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["param"]) == ("invalid_json", "prompt")
    assert LONE_SURROGATE in error["message"]
    assert not Turn.objects.exists()
    assert not GenerationJob.objects.exists()


def test_it_takes_a_whole_surrogate_pair(api, emulator):
    response = api.post("/api/v1/jobs", raw=b'{"prompt": "a cat \\ud83d\\ude00", "quality": "low"}')
    assert response.status_code == 202
    assert GenerationJob.objects.get().request["prompt"] == "a cat \N{GRINNING FACE}"


def upload_raw(api, body: bytes, content_type: str):
    return api.client.post("/api/v1/uploads", body, content_type=content_type, headers=api.headers())


def test_it_refuses_a_multipart_body_without_a_boundary(api):
    response = upload_raw(api, b"--x\r\n", "multipart/form-data")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_json"
    assert error["message"].startswith("The upload could not be read (Invalid boundary")
    assert not ImageAsset.objects.exists()


def test_it_refuses_a_file_part_whose_headers_are_too_long(api):
    name = "a" * 1000 + ".png"
    body = (
        b"--BOUNDARY\r\n"
        + f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode()
        + b"Content-Type: image/png\r\n\r\nnot really a png\r\n--BOUNDARY--\r\n"
    )
    response = upload_raw(api, body, "multipart/form-data; boundary=BOUNDARY")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_json"
    assert "header size exceeded" in error["message"]
    assert not ImageAsset.objects.exists()


@pytest.mark.parametrize(
    ("part", "what"), [('name="file"; filename="a.png"', "files"), ('name="note"', "fields")]
)
def test_it_refuses_an_upload_of_too_many_parts(api, settings, part, what):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    one = f"--BOUNDARY\r\nContent-Disposition: form-data; {part}\r\n\r\nx\r\n".encode()
    response = upload_raw(api, one * 6 + b"--BOUNDARY--\r\n", "multipart/form-data; boundary=BOUNDARY")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_json"
    assert f"too many {what}" in error["message"]
    assert not ImageAsset.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/conversations", "/api/v1/webhooks"])
def test_an_empty_body_is_a_400_that_says_so(api, path):
    response = api.post(path, raw=b"")
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_json",
        "message": "The request body is empty: send a JSON object.",
        "param": None,
    }
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("raw", [b"null", b"[]", b'"a cat"', b"5"])
def test_json_that_is_not_an_object_is_a_422_that_says_so(api, raw):
    response = api.post("/api/v1/jobs", raw=raw)
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid_request",
        "message": "The request body must be a JSON object.",
        "param": None,
    }
