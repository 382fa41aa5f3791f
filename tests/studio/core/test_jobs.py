"""queue_job(): the one way to queue anything (budget, job, turn and scheduling in one transaction, or the
cache), and one job's life against the emulator over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from studio.core import budgets
from studio.core.jobs import queue_job
from studio.core.requests import InvalidRequest, from_json
from studio.core.storage import store_image
from studio.models import Budget, BudgetReservation, GenerationJob, ImageAsset, UsageRecord
from tests.support.factories import image_request, run_image_job
from tests.support.images import solid

pytestmark = pytest.mark.django_db


def generations(emulator) -> list[dict]:
    return [r for r in emulator.received() if r["path"] == "/v1/images/generations"]


def test_it_stores_our_request_and_runs_it_once_the_transaction_commits(
    alice, emulator, django_capture_on_commit_callbacks
):
    request = image_request("a red kite", quality="medium")
    with django_capture_on_commit_callbacks() as scheduled:
        job = queue_job(alice, request)
        assert job.status == GenerationJob.Status.QUEUED
        assert BudgetReservation.objects.get(job=job).status == BudgetReservation.Status.HELD
    assert generations(emulator) == []  # nothing is sent before the commit
    assert len(scheduled) == 1
    scheduled[0]()
    job.refresh_from_db()
    assert from_json(job.request) == request
    assert (job.prompt, job.image_model, job.quality, job.size) == (
        "a red kite",
        "gpt-image-2",
        "medium",
        "1024x1024",
    )
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert generations(emulator)[0]["json"]["prompt"] == "a red kite"
    record = UsageRecord.objects.get(job=job)
    assert record.cost_usd > 0
    assert BudgetReservation.objects.get(job=job).amount_usd == record.cost_usd


def test_an_invalid_request_creates_nothing_and_sends_nothing(alice, emulator):
    with pytest.raises(InvalidRequest):
        queue_job(alice, image_request(background="transparent"))
    assert not GenerationJob.objects.exists()
    assert emulator.received() == []


def test_over_budget_creates_nothing_and_attaches_nothing(alice, emulator):
    Budget.objects.create(user=alice, monthly_usd=Decimal("0.001"))
    attached = []
    with pytest.raises(budgets.BudgetExceeded):
        queue_job(alice, image_request(quality="high"), attach=attached.append)
    assert attached == []
    assert not GenerationJob.objects.exists()
    assert not BudgetReservation.objects.exists()


def test_a_failing_attach_rolls_the_job_and_its_reservation_back(alice, emulator):
    def attach(job):
        raise RuntimeError("the turn could not be made")

    with pytest.raises(RuntimeError):
        queue_job(alice, image_request(), attach=attach)
    assert not GenerationJob.objects.exists()
    assert not BudgetReservation.objects.exists()


def test_an_identical_request_comes_from_the_cache_and_fresh_skips_it(
    alice, charlie, emulator, django_capture_on_commit_callbacks
):
    first = run_image_job(alice, django_capture_on_commit_callbacks)
    again = queue_job(alice, image_request())
    assert again.cached_from == first
    assert again.status == GenerationJob.Status.SUCCEEDED
    assert not UsageRecord.objects.filter(job=again).exists()
    assert again.images.get().file.name == first.images.get(kind=ImageAsset.Kind.FINAL).file.name
    assert len(generations(emulator)) == 1
    other = run_image_job(charlie, django_capture_on_commit_callbacks)  # the cache is per user
    assert other.cached_from is None
    with django_capture_on_commit_callbacks(execute=True):
        fresh = queue_job(alice, image_request(), fresh=True)
    assert fresh.cached_from is None
    assert len(generations(emulator)) == 3


def test_a_queued_edit_whose_input_image_vanished_fails_naming_it(
    alice, emulator, django_capture_on_commit_callbacks
):
    photo = store_image(alice, solid((1024, 1024)), kind=ImageAsset.Kind.UPLOAD)
    edit = replace(image_request("make it blue"), input_image_ids=(photo.pk,))
    with django_capture_on_commit_callbacks() as scheduled:
        job = queue_job(alice, edit)
    photo_id = photo.pk
    photo.delete()
    scheduled[0]()
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.FAILED
    assert job.error_code == "input_image_missing"
    assert f"#{photo_id}" in job.error_message
    assert BudgetReservation.objects.get(job=job).status == BudgetReservation.Status.RELEASED
    assert emulator.received() == []
