"""Sending the outbox to a real HTTP receiver on 127.0.0.1: signed as Standard Webhooks do (checked with the
`standardwebhooks` package), retried with backoff under the same id while the receiver is down, nothing
lost, given up after a day; refused at delivery when the URL is no longer safe; sent by the embedded
sender thread, and by the `django.tasks` task that a db_worker runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from studio.core import webhook_delivery, webhooks
from studio.core.webhook_delivery import backoff, deliver_due, deliver_webhook
from studio.models import WebhookDelivery
from studio.models.api import WEBHOOK_EVENTS
from tests.support.factories import run_image_job
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture(autouse=True)
def _private_addresses_allowed(settings):
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


def subscribe(owner, url):
    return webhooks.create_endpoint(owner, url, list(WEBHOOK_EVENTS))


def test_an_event_arrives_signed_and_verifies(alice, receiver, emulator, django_capture_on_commit_callbacks):
    endpoint = subscribe(alice, receiver.url)
    job = run_image_job(alice, django_capture_on_commit_callbacks)
    [got] = receiver.accepted()
    event = Webhook(endpoint.secret).verify(got.body, got.headers)
    assert event["type"] == "job.succeeded"
    assert event["data"] == {"id": job.pk, "status": "succeeded", "url": f"/api/v1/jobs/{job.pk}"}
    assert got.headers["webhook-id"] == event["id"]
    assert got.headers["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 1, 200)


def test_a_forged_or_tampered_event_does_not_verify(
    alice, receiver, emulator, django_capture_on_commit_callbacks
):
    subscribe(alice, receiver.url)
    run_image_job(alice, django_capture_on_commit_callbacks)
    [got] = receiver.accepted()
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.WebhookEndpoint.objects.get().secret).verify(
            got.body.replace(b"1", b"2"), got.headers
        )


def test_retries_back_off_from_five_seconds_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(30) == timedelta(hours=1)


def test_a_receiver_down_for_a_while_gets_every_event_once_back(
    alice, receiver, emulator, django_capture_on_commit_callbacks
):
    endpoint = subscribe(alice, receiver.url)
    receiver.status = 503
    jobs = [
        run_image_job(alice, django_capture_on_commit_callbacks, request=_request(prompt))
        for prompt in ("a kite", "a boat", "a train")
    ]
    assert WebhookDelivery.objects.filter(status=Status.PENDING, attempts=1).count() == 3
    first_retry = WebhookDelivery.objects.order_by("next_attempt_at").first().next_attempt_at
    assert first_retry - timezone.now() <= timedelta(seconds=10)

    later = timezone.now()
    for _ in range(3):  # three more rounds while it is still down, each after its backoff
        later += timedelta(minutes=2)
        assert deliver_due(later) == 3
    assert deliver_due(later) == 0  # nothing is due before its next attempt

    receiver.status = 200
    assert deliver_due(later + timedelta(minutes=5)) == 3
    accepted = receiver.accepted()
    assert sorted(
        Webhook(endpoint.secret).verify(got.body, got.headers)["data"]["id"] for got in accepted
    ) == sorted(job.pk for job in jobs)
    ids_sent = {got.headers["webhook-id"] for got in receiver.received}
    assert ids_sent == {got.headers["webhook-id"] for got in accepted}  # retries kept their ids
    assert len(receiver.received) == 3 * 5
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(Status.DELIVERED, 5)}


def _request(prompt):
    from tests.support.factories import image_request

    return image_request(prompt)


def test_it_gives_up_after_a_day(alice, receiver, emulator, django_capture_on_commit_callbacks):
    subscribe(alice, receiver.url)
    receiver.status = 500
    run_image_job(alice, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error.startswith("HTTP 500")
    deliver_due(delivery.retry_until - timedelta(seconds=2))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert deliver_due(delivery.retry_until + timedelta(days=1)) == 0


def test_a_receiver_that_is_not_listening_is_retried(alice, emulator, django_capture_on_commit_callbacks):
    with WebhookReceiver() as gone:
        url = gone.url
    subscribe(alice, url)
    run_image_job(alice, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error


def test_an_address_no_longer_allowed_is_refused_at_delivery(
    alice, receiver, settings, emulator, django_capture_on_commit_callbacks
):
    subscribe(alice, receiver.url)
    settings.ATELIER_WEBHOOK_ALLOW_PRIVATE = False
    run_image_job(alice, django_capture_on_commit_callbacks)
    assert receiver.received == []
    assert "loopback or private" in WebhookDelivery.objects.get().last_error


def test_redelivery_sends_the_same_event_again(alice, receiver, emulator, django_capture_on_commit_callbacks):
    subscribe(alice, receiver.url)
    run_image_job(alice, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.redeliver(WebhookDelivery.objects.get())
    first, second = receiver.accepted()
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body


@pytest.mark.django_db(transaction=True)
def test_a_db_worker_delivers_and_schedules_its_retry(alice, receiver):
    endpoint = subscribe(alice, receiver.url)
    delivery = _pending_delivery(endpoint)
    receiver.status = 502
    deliver_webhook.using(backend="database").enqueue(delivery.pk)
    _run_db_worker()
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after is not None
    assert retry.run_after - timezone.now() <= timedelta(seconds=10)
    receiver.status = 200
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    _run_db_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 2)


@pytest.mark.django_db(transaction=True)
def test_the_embedded_sender_delivers_from_its_thread(alice, receiver, settings):
    settings.ATELIER_JOB_RUNNER = "embedded"
    endpoint = subscribe(alice, receiver.url)
    try:
        webhook_delivery.dispatch([_pending_delivery(endpoint).pk])
        [got] = receiver.wait_for(1)
        assert Webhook(endpoint.secret).verify(got.body, got.headers)["type"] == "job.succeeded"
    finally:
        webhook_delivery.stop_embedded_sender()


def _pending_delivery(endpoint) -> WebhookDelivery:
    now = timezone.now()
    payload = {"id": "evt_test", "object": "event", "type": "job.succeeded", "created_at": 0, "data": {}}
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="evt_test",
        event_type="job.succeeded",
        payload=payload,
        retry_until=now + timedelta(days=1),
    )


def _run_db_worker() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="database",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-webhooks",
        excluded_queue_names=[],
    ).run()
