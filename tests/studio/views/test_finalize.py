"""Finalize: the picked draft finished by a high-quality edit of that image (its price first), or the prompt re-run
at high quality; bad input answered in the form that was sent."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest

from studio.models import GenerationJob, ImageAsset, UsageRecord
from tests.studio.views.test_studio import image_requests, post

pytestmark = pytest.mark.django_db


def draft_with(client, capture, **data) -> tuple[GenerationJob, list[ImageAsset]]:
    post(client, capture, {"action": "draft", **data})
    draft = GenerationJob.objects.order_by("-pk").first()
    return draft, list(draft.images.filter(kind=ImageAsset.Kind.FINAL).order_by("output_index"))


def finalize(client, capture, url, data):
    with capture(execute=True):
        return client.post(url, data, headers={"HX-Request": "true"})


def test_finalize_sends_the_picked_image_as_a_high_quality_edit_of_one_image(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft, images = draft_with(alice_client, capture, n="3", output_format="jpeg", output_compression="80")
    picked = images[1]
    form = alice_client.get(f"/images/{picked.pk}/finalize", headers={"HX-Request": "true"})
    assert b"Finalize image 2" in form.content
    assert b'value="1024x1024"' in form.content  # the draft's size and format, chosen already
    response = finalize(
        alice_client, capture, f"/images/{picked.pk}/finalize", {"size": "1536x1024", "output_format": "png"}
    )
    assert response.status_code == 200
    final = GenerationJob.objects.exclude(pk=draft.pk).get()
    assert final.draft_of == draft
    assert final.kind == GenerationJob.Kind.IMAGE_EDIT
    assert f'id="job-{final.pk}"'.encode() in response.content
    assert response.headers["HX-Retarget"] == "#jobs"
    sent = image_requests(emulator, "/v1/images/edits")
    assert len(sent) == 1  # one image, sent as the input of one edit
    fields = sent[0]["form"]
    assert (fields["quality"], fields["size"], fields["output_format"], fields["n"]) == (
        "high",
        "1536x1024",
        "png",
        "1",
    )
    assert "output_compression" not in fields and "moderation" not in fields  # PNG; edits take no moderation
    assert (
        fields["prompt"].startswith("Same image, final quality")
        and "a poster for a jazz night" in fields["prompt"]
    )
    with picked.file.open("rb") as handle:
        assert [f["sha256"] for f in sent[0]["files"]] == [hashlib.sha256(handle.read()).hexdigest()]
    assert final.status == GenerationJob.Status.SUCCEEDED
    image = final.images.get(kind=ImageAsset.Kind.FINAL)
    assert (image.width, image.height, image.format) == (1536, 1024, "png")
    assert UsageRecord.objects.filter(job=final).exists()


def test_finalize_shows_the_price_it_will_reserve_before_sending(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _, (picked,) = draft_with(alice_client, capture)
    form = alice_client.get(f"/images/{picked.pk}/finalize", headers={"HX-Request": "true"})
    shown = Decimal(re.search(rb'class="finalize-price" data-cost="([0-9.]+)"', form.content)[1].decode())
    bigger = alice_client.get(
        f"/images/{picked.pk}/finalize/estimate", {"size": "1536x1024", "output_format": "webp"}
    )
    assert Decimal(re.search(rb'data-cost="([0-9.]+)"', bigger.content)[1].decode()) != shown
    invalid = alice_client.get(f"/images/{picked.pk}/finalize/estimate", {"size": "100x100"})
    assert b"No price" in invalid.content
    finalize(
        alice_client, capture, f"/images/{picked.pk}/finalize", {"size": "1024x1024", "output_format": "png"}
    )
    final = GenerationJob.objects.get(draft_of__isnull=False)
    assert final.estimated_cost_usd == shown > 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"size": "100x100", "output_format": "png"},
            b"Final size: Width and height must both be multiples of 16.",
        ),
        ({"size": "", "output_format": "png"}, b"Final size: Choose a size."),
        ({"size": "1024x1024", "output_format": "gif"}, b"Final format: Select a valid choice. gif"),
    ],
)
def test_a_bad_finalize_answers_in_its_own_form_and_adds_no_card(
    alice, alice_client, emulator, django_capture_on_commit_callbacks, data, message
):
    capture = django_capture_on_commit_callbacks
    draft, (picked,) = draft_with(alice_client, capture)
    for url, form_id in (
        (f"/images/{picked.pk}/finalize", f"finalize-image-{picked.pk}"),
        (f"/studio/jobs/{draft.pk}/finalize", f"rerun-{draft.pk}"),
    ):
        response = finalize(alice_client, capture, url, data)
        assert response.status_code == 422
        assert response.headers["HX-Retarget"] == f"#{form_id}"
        assert response.headers["HX-Reswap"] == "outerHTML"
        assert f'<form id="{form_id}"'.encode() in response.content
        assert b'role="alert"' in response.content and message in response.content
        assert b"job-card" not in response.content
    assert GenerationJob.objects.count() == 1


def test_re_running_the_prompt_at_high_quality_stays_a_second_choice(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft, images = draft_with(alice_client, capture, n="2")
    card = alice_client.get(f"/studio/jobs/{draft.pk}/").content
    assert card.count(b">Finalize</button>") == 2  # one per image
    assert b"Re-run the prompt at high quality" in card
    form = alice_client.get(f"/studio/jobs/{draft.pk}/finalize", headers={"HX-Request": "true"})
    assert b"2 of them" in form.content
    response = finalize(
        alice_client,
        capture,
        f"/studio/jobs/{draft.pk}/finalize",
        {"size": "1536x1024", "output_format": "webp"},
    )
    assert response.status_code == 200
    final = GenerationJob.objects.exclude(pk=draft.pk).get()
    assert final.draft_of == draft
    assert final.kind == GenerationJob.Kind.IMAGE_GENERATE
    sent = image_requests(emulator)[-1]["json"]
    assert (sent["quality"], sent["size"], sent["output_format"]) == ("high", "1536x1024", "webp")
    assert final.images.filter(kind=ImageAsset.Kind.FINAL).count() == 2
    final_card = alice_client.get(f"/studio/jobs/{final.pk}/").content
    assert b">Finalize</button>" not in final_card and b"Re-run the prompt" not in final_card


def test_a_finalize_over_budget_says_so_in_its_form(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    from studio.models import Budget

    capture = django_capture_on_commit_callbacks
    _, (picked,) = draft_with(alice_client, capture)
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.01"))
    response = finalize(
        alice_client, capture, f"/images/{picked.pk}/finalize", {"size": "1024x1024", "output_format": "png"}
    )
    assert response.status_code == 422
    assert b"monthly budget" in response.content
    assert GenerationJob.objects.count() == 1


def test_any_image_can_be_finalized_from_its_own_page_a_conversation_turns_too(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    from tests.support.factories import make_conversation, send_turn

    capture = django_capture_on_commit_callbacks
    turn = send_turn(make_conversation(alice), "a lantern on a windowsill", capture)
    image = turn.job.images.get(kind=ImageAsset.Kind.FINAL)
    page = alice_client.get(f"/images/{image.pk}/finalize")  # not from htmx: a page of its own
    assert page.status_code == 200
    assert b"<h1>Finalize</h1>" in page.content and b'id="size-presets"' in page.content
    assert b'class="finalize-price"' in page.content
    with capture(execute=True):
        response = alice_client.post(
            f"/images/{image.pk}/finalize", {"size": "1024x1024", "output_format": "png"}
        )
    assert response.status_code == 302 and response.headers["Location"] == "/studio/"
    final = GenerationJob.objects.get(draft_of=turn.job)
    assert final.kind == GenerationJob.Kind.IMAGE_EDIT and final.status == GenerationJob.Status.SUCCEEDED
    assert "a lantern on a windowsill" in final.prompt
    assert b"a lantern on a windowsill" in alice_client.get(f"/studio/jobs/{final.pk}/").content
