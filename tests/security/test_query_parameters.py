"""Every query parameter is validated like form input: a clear 400, never a 500 or a silent surprise."""

from __future__ import annotations

import pytest

from studio.core.storage import store_image
from studio.models import ImageAsset
from studio.query_forms import DownloadQueryForm, SizeCheckQueryForm
from tests.support.images import solid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["abc", "-1", "17", "99999999999999999999", "1.5"])
def test_the_estimate_view_answers_400_naming_a_bad_upload_count(alice_client, value):
    response = alice_client.get("/studio/estimate", {"upload_count": value, "prompt": "x"})
    assert response.status_code == 400
    assert b"upload_count" in response.content


def test_the_estimate_view_takes_16_uploads(alice_client):
    response = alice_client.get("/studio/estimate", {"upload_count": "16", "prompt": "x"})
    assert response.status_code == 200
    assert b"image input" in response.content


@pytest.mark.parametrize(("value", "expected"), [("", ""), ("PNG", "png"), ("jpg", "jpeg"), ("webp", "webp")])
def test_the_download_form_takes_the_three_formats(value, expected):
    form = DownloadQueryForm({"format": value})
    assert form.is_valid()
    assert form.cleaned_data["format"] == expected


@pytest.mark.parametrize("value", ["gif", "jpgjpg", "x" * 11, "../png"])
def test_the_download_form_refuses_other_formats(value):
    assert not DownloadQueryForm({"format": value}).is_valid()


@pytest.mark.parametrize("value", ["gif", "jpgjpg", "png%00"])
def test_the_download_view_answers_400_to_another_format(alice_client, alice, value):
    image = store_image(alice, solid((32, 32), (10, 120, 200)), kind=ImageAsset.Kind.UPLOAD)
    response = alice_client.get(f"/images/{image.pk}/download", {"format": value})
    assert response.status_code == 400


def test_the_size_check_form_refuses_an_unknown_model_and_a_long_size():
    form = SizeCheckQueryForm({"model": "dall-e-9", "size": "1" * 21})
    assert not form.is_valid()
    assert set(form.errors) == {"model", "size"}


def test_the_size_check_form_defaults_the_model():
    form = SizeCheckQueryForm({"size": "1024x1024"})
    assert form.is_valid()
    assert form.cleaned_data["model"] == "gpt-image-2"


def test_the_size_check_view_answers_400_to_an_unknown_model(alice_client):
    response = alice_client.get("/sizes/check", {"model": "dall-e-9", "size": "1024x1024"})
    assert response.status_code == 400


def test_the_size_check_view_answers_400_to_a_size_longer_than_the_forms_take(alice_client):
    response = alice_client.get("/sizes/check", {"size": "9" * 5000 + "x1024"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query", [{"since": "not-a-date"}, {"page": "abc"}, {"page": "-4"}, {"quality": "ultra"}]
)
def test_the_gallery_survives_bad_filters(alice_client, query):
    assert alice_client.get("/gallery/", query).status_code == 200


@pytest.mark.parametrize("query", ["created_at__gte=abc", "nonsense=1"])
def test_the_usage_export_answers_400_to_a_bad_filter(admin_client, query):
    from django.urls import reverse

    response = admin_client.get(reverse("admin:studio_usagerecord_export") + "?" + query)
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["created_at__gte=abc", "nonsense=1"])
def test_the_usage_list_sends_a_bad_filter_back_with_an_error(admin_client, query):
    response = admin_client.get("/admin/studio/usagerecord/?" + query)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("?e=1")
