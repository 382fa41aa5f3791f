"""Sending the webhook outbox: signed as Standard Webhooks do, retried with exponential backoff for a day.

Every attempt claims its row first (an atomic conditional update that also pushes `next_attempt_at` past
the attempt's own timeout), so two senders never send one delivery at once, and a sender that dies
mid-attempt leaves a row that becomes due again. The row is the queue; the two ways of running it are the
same code, chosen like the job runner's:

- embedded (the default): a thread of the server process sends whatever is due, woken when an event
  commits and otherwise at the next due time;
- scaled out (`ATELIER_JOB_RUNNER=workers`): a `django.tasks` task per delivery, run by `db_worker`
  processes, which enqueues its own retry with `run_after`.

`deliver_due()` sends everything due now; tests (whose task backend cannot defer) call it to play retries.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.tasks import TaskContext, task, task_backends
from django.utils import timezone
from standardwebhooks import Webhook

from studio.core import safe_urls
from studio.core.writers import one_writer_at_a_time
from studio.models import WebhookDelivery

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status

TIMEOUT = 10.0  # seconds to connect, and for each read of the answer
LEASE = timedelta(seconds=60)  # longer than any attempt: a claimed row is not due again meanwhile
FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(hours=1)
USER_AGENT = "Atelier-Webhooks/1"
SENDERS = 4  # deliveries the embedded sender makes at once (one slow receiver does not hold up others)


class DeliveryFailed(Exception):
    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status_code = message, status_code


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 5 s, 10 s, 20 s, ... up to an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":")).encode()


def signed_headers(secret: str, event_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: the signature is HMAC-SHA256 of "{id}.{timestamp}.{body}"."""
    signature = Webhook(secret).sign(event_id, at, body.decode())
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host's name resolves to by now."""

    def __init__(self, target: safe_urls.Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._address = target.address

    def connect(self) -> None:
        self.sock = self._create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: safe_urls.Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = self._create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to `url` (checked again, connected to the checked address; redirects not followed).
    Returns the 2xx status, or raises DeliveryFailed."""
    try:
        target = safe_urls.resolve_target(url)
    except safe_urls.UnsafeURL as exc:
        raise DeliveryFailed(exc.message) from None
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        excerpt = answer.read(500).decode(errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from None
    finally:
        connection.close()
    if not 200 <= answer.status < 300:
        raise DeliveryFailed(f"HTTP {answer.status}: {excerpt}".strip(), answer.status)
    return answer.status


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    with one_writer_at_a_time():
        claimed = (
            WebhookDelivery.objects.due(now)
            .filter(pk=delivery_id)
            .update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1, last_attempt_at=timezone.now())
        )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def attempt_delivery(delivery_id: int, now: datetime | None = None) -> datetime | None:
    """Make one attempt at a due delivery. Returns when to try again, or None (delivered, given up, or
    not ours to send: not due, or another sender has it). `now` decides what is due and when the next
    attempt is; the signature always carries the real time, as receivers check it against theirs."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    body = body_of(delivery)
    headers = signed_headers(delivery.endpoint.secret, delivery.event_id, body, timezone.now())
    try:
        status_code = post(delivery.endpoint.url, body, headers)
    except DeliveryFailed as exc:
        return _failed(delivery, exc, now)
    with one_writer_at_a_time():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.DELIVERED, delivered_at=timezone.now(), last_status_code=status_code, last_error=""
        )
    return None


def _failed(delivery: WebhookDelivery, exc: DeliveryFailed, now: datetime) -> datetime | None:
    retry_at = now + backoff(delivery.attempts)
    gave_up = retry_at > delivery.retry_until
    with one_writer_at_a_time():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.FAILED if gave_up else Status.PENDING,
            next_attempt_at=retry_at,
            last_status_code=exc.status_code,
            last_error=exc.message,
        )
    logger.info("webhook %s to %s failed: %s", delivery.event_id, delivery.endpoint.url, exc.message)
    return None if gave_up else retry_at


def due_ids(now: datetime | None = None) -> list[int]:
    return list(WebhookDelivery.objects.due(now).order_by("next_attempt_at").values_list("pk", flat=True))


def deliver_due(now: datetime | None = None) -> int:
    """Attempt every delivery that is due (one after the other). Returns how many were attempted."""
    ids = due_ids(now)
    for delivery_id in ids:
        attempt_delivery(delivery_id, now)
    return len(ids)


@task(takes_context=True)
def deliver_webhook(context: TaskContext, delivery_id: int) -> None:
    """The scaled-out seam: `db_worker` processes deliver, and enqueue the retry for when it is due, on
    the same backend (one that cannot defer, like the tests' immediate one, leaves it to `deliver_due`)."""
    retry_at = attempt_delivery(delivery_id)
    backend = context.task_result.backend
    if retry_at is not None and task_backends[backend].supports_defer:
        deliver_webhook.using(backend=backend, run_after=retry_at).enqueue(delivery_id)


def dispatch(delivery_ids: list[int]) -> None:
    """Send newly committed deliveries: wake the embedded sender, or enqueue a task for each."""
    if settings.ATELIER_JOB_RUNNER == "embedded":
        embedded_sender().wake()
    else:
        for delivery_id in delivery_ids:
            deliver_webhook.enqueue(delivery_id)


class EmbeddedSender:
    """A thread of the server process that sends what is due, then sleeps until the next due time (at
    most IDLE) or until woken. Attempts run in a small pool so one slow receiver holds up no other."""

    IDLE = 30.0

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stopped = False
        self._pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="atelier-webhook")
        self._thread = threading.Thread(target=self._run, name="atelier-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        self._thread.join(timeout=TIMEOUT + 5)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stopped:
            close_old_connections()
            try:
                list(self._pool.map(self._attempt, due_ids()))
                pause = self._until_next_due()
            except Exception:  # the database may be away for a moment; try again later
                logger.exception("the webhook sender could not read the outbox")
                pause = self.IDLE
            finally:
                close_old_connections()
            self._wake.wait(timeout=pause)
            self._wake.clear()

    @staticmethod
    def _attempt(delivery_id: int) -> None:
        close_old_connections()
        try:
            attempt_delivery(delivery_id)
        except Exception:
            logger.exception("webhook delivery %s failed inside Atelier", delivery_id)
        finally:
            close_old_connections()

    def _until_next_due(self) -> float:
        pending = WebhookDelivery.objects.filter(status=Status.PENDING).order_by("next_attempt_at").first()
        if pending is None:
            return self.IDLE
        seconds = (pending.next_attempt_at - timezone.now()).total_seconds()
        return min(max(seconds, 0.05), self.IDLE)


_sender: EmbeddedSender | None = None
_sender_lock = threading.Lock()


def embedded_sender() -> EmbeddedSender:
    """The process's sender, started on first use (it then sends whatever an earlier run left due)."""
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = EmbeddedSender()
    return _sender


def stop_embedded_sender() -> None:
    """Stop the process's sender (tests; a later `embedded_sender()` starts a new one)."""
    global _sender
    with _sender_lock:
        sender, _sender = _sender, None
    if sender is not None:
        sender.stop()


def start_embedded_sender(**signal_kwargs) -> None:
    """Start the sender in a server process with the embedded runner (connected to the first request)."""
    if settings.ATELIER_JOB_RUNNER == "embedded":
        embedded_sender()
