"""The OpenAPI document: valid OpenAPI 3.1, with every endpoint, its errors, the bearer scheme and the
webhook events; the docs page loads Swagger UI from our own static files, with no inline script."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("post", "/api/v1/uploads"): {201, 400, 401, 413, 422, 429},
    ("post", "/api/v1/jobs"): {200, 202, 400, 401, 403, 409, 413, 422, 429},
    ("get", "/api/v1/jobs/{job_id}"): {200, 401, 404, 422, 429},
    ("post", "/api/v1/jobs/{job_id}/cancel"): {200, 401, 404, 409, 429},
    ("get", "/api/v1/images/{image_id}/content"): {200, 401, 404, 429},
    ("post", "/api/v1/conversations"): {201, 400, 401, 413, 422, 429},
    ("get", "/api/v1/conversations/{conversation_id}"): {200, 401, 404, 429},
    ("post", "/api/v1/conversations/{conversation_id}/turns"): {
        200,
        202,
        400,
        401,
        403,
        404,
        409,
        413,
        422,
        429,
    },
    ("post", "/api/v1/webhooks"): {201, 400, 401, 413, 422, 429},
    ("get", "/api/v1/webhooks"): {200, 401, 429},
    ("delete", "/api/v1/webhooks/{webhook_id}"): {204, 401, 404, 429},
}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_endpoint_and_its_errors_are_in_it(document):
    found = {
        (method, path): {int(status) for status in operation["responses"]}
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert found == ENDPOINTS


def test_each_error_answer_is_the_error_shape_with_its_codes_described(document):
    error_schema = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == error_schema
                    assert "`" in answer["description"]  # names its codes
    assert document["paths"]["/api/v1/jobs"]["post"]["responses"]["409"]["description"].count("idempotency")


def test_it_names_the_bearer_scheme_and_the_webhooks(document):
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    assert set(document["webhooks"]) == {"job.succeeded", "job.failed", "job.cancelled"}
    headers = {p["name"] for p in document["webhooks"]["job.failed"]["post"]["parameters"]}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_the_docs_page_serves_swagger_ui_from_our_static_files_without_inline_scripts(client):
    page = client.get("/api/v1/docs").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    for attributes, body in scripts:
        assert ('src="/static/' in attributes) or ('type="application/json"' in attributes), attributes
        assert "src=" in attributes or not body.strip().startswith(("var", "const", "window"))
    assert "cdn" not in page.lower()
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui-init.js")
