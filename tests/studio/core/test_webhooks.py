"""The webhook outbox: every job of a user that ends (Studio, conversation, API, cache) writes one event for
each endpoint of theirs that asked for it, in the job's own transaction; endpoints are checked when made."""

from __future__ import annotations

import pytest
from django.db import transaction

from studio.core import webhooks
from studio.core.jobs import cancel_job, queue_job
from studio.models import GenerationJob, WebhookDelivery, WebhookEndpoint
from studio.models.api import WEBHOOK_EVENTS
from tests.support.factories import image_request, make_conversation, run_image_job, send_turn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_addresses_allowed(settings):
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = True


def endpoint(owner, events=WEBHOOK_EVENTS, url="http://127.0.0.1:9/hook") -> WebhookEndpoint:
    return webhooks.create_endpoint(owner, url, list(events))


def test_an_endpoint_gets_a_secret_and_its_events_in_order(alice):
    made = endpoint(alice, events=["job.failed", "job.succeeded"])
    assert made.secret.startswith("whsec_") and len(made.secret) == len("whsec_") + 32
    assert made.events == ["job.succeeded", "job.failed"]


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("http://169.254.169.254/", WEBHOOK_EVENTS, "url"),
        ("ftp://example.com/", WEBHOOK_EVENTS, "url"),
        ("http://127.0.0.1/hook", ["job.started"], "events"),
        ("http://127.0.0.1/hook", [], "events"),
    ],
)
def test_it_refuses_an_endpoint_it_cannot_use(alice, url, events, field):
    with pytest.raises(webhooks.InvalidEndpoint) as refused:
        webhooks.create_endpoint(alice, url, list(events))
    assert refused.value.field == field


def test_a_succeeded_job_writes_an_event_for_each_endpoint_that_wants_it(
    alice, charlie, emulator, django_capture_on_commit_callbacks
):
    everything, failures_only = endpoint(alice), endpoint(alice, events=["job.failed"])
    endpoint(charlie)
    job = run_image_job(alice, django_capture_on_commit_callbacks)
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == everything
    assert delivery.event_type == "job.succeeded"
    payload = delivery.payload
    assert payload["id"] == delivery.event_id and payload["id"].startswith("evt_")
    assert (payload["object"], payload["type"]) == ("event", "job.succeeded")
    assert payload["data"] == {"id": job.pk, "status": "succeeded", "url": f"/api/v1/jobs/{job.pk}"}
    assert isinstance(payload["created_at"], int)
    assert failures_only.deliveries.count() == 0


def test_one_event_goes_to_several_endpoints_with_one_id(alice, emulator, django_capture_on_commit_callbacks):
    endpoint(alice), endpoint(alice, url="http://127.0.0.1:10/other")
    run_image_job(alice, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.values("event_id").distinct().count() == 1
    assert WebhookDelivery.objects.count() == 2


def test_a_failed_and_a_cancelled_job_write_their_events(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    endpoint(alice)
    emulator_fault("moderation-input")
    failed = run_image_job(alice, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        waiting = queue_job(alice, image_request("a kite"))
    cancel_job(waiting)
    types = dict(WebhookDelivery.objects.values_list("job_id", "event_type"))
    assert types == {failed.pk: "job.failed", waiting.pk: "job.cancelled"}


def test_a_conversation_turn_and_a_cache_hit_write_theirs(
    alice, emulator, django_capture_on_commit_callbacks
):
    endpoint(alice)
    turn = send_turn(make_conversation(alice), "a fox", django_capture_on_commit_callbacks)
    run_image_job(alice, django_capture_on_commit_callbacks)
    hit = run_image_job(alice, django_capture_on_commit_callbacks)
    assert hit.cached_from is not None
    assert set(WebhookDelivery.objects.values_list("job_id", flat=True)) >= {turn.job_id, hit.pk}


def test_the_event_rolls_back_with_the_jobs_transaction(alice, django_capture_on_commit_callbacks):
    endpoint(alice)
    with django_capture_on_commit_callbacks(execute=False):
        job = queue_job(alice, image_request())
    with pytest.raises(RuntimeError), transaction.atomic():
        cancel_job(job)
        raise RuntimeError("the transaction that ends the job fails")
    assert not WebhookDelivery.objects.exists()
    assert GenerationJob.objects.get(pk=job.pk).status == GenerationJob.Status.QUEUED


def test_a_job_of_a_user_without_endpoints_writes_nothing(
    alice, emulator, django_capture_on_commit_callbacks
):
    run_image_job(alice, django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists()
