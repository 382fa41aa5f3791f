"""Unknown paths under /api/v1/ answer in the API's error shape, as JSON, not the site's HTML page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/jobs/12/nonsense", "/api/v1/"])
def test_an_unknown_api_path_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": {"code": "not_found", "message": f"No API endpoint at {path}.", "param": None}
    }


def test_an_unknown_api_path_is_a_json_404_for_any_method(api):
    response = api.post("/api/v1/conversations/1/nonsense", {})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_known_path_still_answers(api):
    assert (
        api.get("/api/v1/conversations/999999").json()["error"]["message"]
        == "No conversation #999999 of yours."
    )
