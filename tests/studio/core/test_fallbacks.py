"""Ways around a moderation block, from a job the emulator blocked (its `[block]` marker) to a usable image."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from studio.core import fallbacks, pricing
from studio.core.jobs import queue_job
from studio.models import FallbackImage, GenerationJob, ImageAsset, UsageRecord, UserPolicy
from tests.support.factories import image_request, make_finished_job, run_image_job
from tests.support.images import solid

pytestmark = pytest.mark.django_db
BLOCKED = "a knight [block] in a bloody battle at dusk"


@pytest.fixture
def blocked(alice, emulator, django_capture_on_commit_callbacks) -> GenerationJob:
    job = run_image_job(alice, django_capture_on_commit_callbacks, image_request(BLOCKED))
    assert fallbacks.is_blocked(job) and job.blocked_stage == "input"
    return job


def test_a_rephrasing_is_written_by_the_mainline_model_and_recorded_as_usage(blocked, emulator, settings):
    rephrasing = fallbacks.suggest_rephrasing(blocked)

    assert "[block]" not in rephrasing.prompt and "bloody" not in rephrasing.prompt
    [record] = UsageRecord.objects.filter(job=blocked)
    assert record.model == settings.ATELIER_MAINLINE_MODEL == rephrasing.model
    expected = pricing.cost(record.model, text=record.input_text_tokens, output=record.output_tokens)
    assert record.cost_usd == rephrasing.cost_usd == expected > Decimal("0")
    [sent] = [entry["json"] for entry in emulator.received() if entry["path"] == "/v1/responses"]
    assert "tools" not in sent and sent["input"] == BLOCKED and sent["store"] is False


def test_the_rephrased_prompt_makes_an_image(blocked, alice, django_capture_on_commit_callbacks):
    rephrasing = fallbacks.suggest_rephrasing(blocked)
    with django_capture_on_commit_callbacks(execute=True):
        job = queue_job(alice, fallbacks.rephrased_request(blocked, rephrasing.prompt))
    job.refresh_from_db()

    assert job.status == GenerationJob.Status.SUCCEEDED and job.images.filter(kind="final").exists()


def test_the_closest_images_share_words_with_the_prompt(blocked, alice, charlie):
    near = make_finished_job(alice, prompt="a knight on a horse at dusk")
    far = make_finished_job(alice, prompt="a bowl of fruit")
    theirs = make_finished_job(charlie, prompt="a knight at dusk")
    for job in (near, far, theirs):
        ImageAsset.objects.create(
            owner=job.owner, job=job, sha256="0" * 64, width=8, height=8, format="png", size_bytes=1
        )
    stock = FallbackImage.objects.create(title="Knight statue", tags="medieval, armour", approved=True)
    FallbackImage.objects.create(title="Knight at dusk", tags="", approved=False)
    FallbackImage.objects.create(title="Beach", tags="sea sand", approved=True)

    closest = fallbacks.closest_images(blocked)

    assert [image.job for image in closest.gallery] == [near]
    assert closest.library == [stock]


def test_a_library_image_is_copied_into_the_users_gallery(blocked, alice):
    item = FallbackImage(title="Knight statue", approved=True)
    item.image.save("knight.png", ContentFile(solid((32, 32))), save=True)

    image = fallbacks.use_library_image(blocked, item)

    assert image.owner == alice and image.kind == ImageAsset.Kind.FALLBACK
    assert ImageAsset.objects.for_user(alice).in_gallery().filter(pk=image.pk).exists()
    blocked.refresh_from_db()
    assert blocked.block_resolution == GenerationJob.BlockResolution.FALLBACK_IMAGE


def test_low_moderation_needs_an_admins_permission(blocked, alice):
    assert not fallbacks.may_retry_low(blocked)

    UserPolicy.objects.create(user=alice, allow_low_moderation=True)

    assert fallbacks.may_retry_low(blocked)


def test_an_edit_is_never_retried_at_low_moderation(blocked, alice):
    UserPolicy.objects.create(user=alice, allow_low_moderation=True)
    GenerationJob.objects.filter(pk=blocked.pk).update(kind=GenerationJob.Kind.IMAGE_EDIT)
    blocked.refresh_from_db()

    assert not fallbacks.may_retry_low(blocked)  # OpenAI's edits endpoint takes no `moderation`


def test_a_retry_at_low_moderation_gets_through(blocked, alice, emulator, django_capture_on_commit_callbacks):
    UserPolicy.objects.create(user=alice, allow_low_moderation=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = queue_job(alice, fallbacks.low_moderation_request(blocked))
    job.refresh_from_db()

    assert job.status == GenerationJob.Status.SUCCEEDED
    sent = [entry["json"] for entry in emulator.received() if entry["path"] == "/v1/images/generations"]
    assert sent[-1]["moderation"] == "low" and sent[-1]["prompt"] == BLOCKED
