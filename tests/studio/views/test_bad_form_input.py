"""The Studio's form refuses what the core would refuse later with a message, never a 500, and leaves nothing
stored: gallery ids no database column can hold, and a prompt with no room left for the transparent
background's instruction."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studio.core.requests import PROMPT_MAX
from studio.models import GenerationJob, ImageAsset
from tests.studio.views.test_studio import FORM as STUDIO_FORM
from tests.support.images import solid

pytestmark = pytest.mark.django_db

FORM = {**STUDIO_FORM, "partial_images": "0"}


def media_files(settings) -> set[str]:
    return {str(path) for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


@pytest.mark.parametrize("pk", ["100000000000000000000", str(2**63), "1e20"])
def test_it_refuses_a_gallery_id_no_database_can_hold(alice_client, pk):
    response = alice_client.post("/studio/submit", {**FORM, "gallery_images": pk})
    assert response.status_code == 422
    assert f"“{pk}” is not a valid value." in response.content.decode()
    assert not GenerationJob.objects.exists()


def test_the_estimate_leaves_out_a_gallery_id_no_database_can_hold(alice_client):
    response = alice_client.get("/studio/estimate", {**FORM, "gallery_images": "99999999999999999999"})
    assert response.status_code == 200
    assert b"data-cost=" in response.content


def test_a_transparent_background_asks_for_room_for_its_instruction_and_keeps_no_upload(
    alice, alice_client, settings
):
    transparent = {**FORM, "transparent": "on", "prompt": "a blue teapot " + "x" * (PROMPT_MAX - 100)}
    upload = SimpleUploadedFile("teapot.png", solid((64, 64), (12, 34, 56)), "image/png")
    response = alice_client.post("/studio/submit", {**transparent, "images": [upload]})

    assert response.status_code == 422
    page = response.content.decode()
    room = re.search(r"keep the prompt to ([0-9,]+) characters or fewer", page)
    assert room is not None, page
    assert "A transparent background adds its own instruction" in page
    assert response.context["form"].errors["prompt"]
    assert not GenerationJob.objects.exists()
    assert not ImageAsset.objects.exists()
    assert media_files(settings) == set()

    # The room it states is exact: a prompt of that length is sent.
    fits = {**transparent, "prompt": "a blue teapot " + "x" * (int(room[1].replace(",", "")) - 14)}
    assert alice_client.post("/studio/submit", fits).status_code == 302
    job = GenerationJob.objects.get(owner=alice)
    assert len(job.request["prompt"]) == PROMPT_MAX
