"""Image ids no database column can hold (2**63 and beyond): refused as a 422 naming `images`, never a 500."""

from __future__ import annotations

import pytest

from studio.models import GenerationJob
from tests.studio.api.conftest import error_of

pytestmark = pytest.mark.django_db

HUGE = 10**20  # past 2**63: SQLite cannot take it in a query


def test_a_job_with_an_image_id_too_big_for_the_database_is_refused(api):
    response = api.post("/api/v1/jobs", {"prompt": "x", "kind": "edit", "images": [HUGE]})
    error = error_of(response)
    assert (response.status_code, error["code"], error["param"]) == (422, "invalid_request", "images")
    assert error["message"] == f"{HUGE} is not an image id."
    assert not GenerationJob.objects.exists()


def test_the_largest_id_a_column_holds_is_only_not_found(api):
    for pk, message in [(2**63 - 1, "is not one of your images"), (2**63, "is not an image id")]:
        response = api.post("/api/v1/jobs", {"prompt": "x", "kind": "edit", "images": [pk]})
        error = error_of(response)
        assert (response.status_code, error["param"]) == (422, "images")
        assert message in error["message"]


def test_a_turn_with_an_image_id_too_big_for_the_database_is_refused(api):
    conversation = api.post("/api/v1/conversations", {}).json()
    response = api.post(
        f"/api/v1/conversations/{conversation['id']}/turns", {"prompt": "x", "images": [HUGE]}
    )
    error = error_of(response)
    assert (response.status_code, error["code"], error["param"]) == (422, "invalid_request", "images")
    assert error["message"] == f"{HUGE} is not an image id."
    assert not GenerationJob.objects.exists()
