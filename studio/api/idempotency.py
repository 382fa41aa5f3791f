"""`Idempotency-Key`: a client that is not sure its request arrived sends it again with the same key, and
gets the job the first one queued instead of a second job (and a second bill).

The key is the user's (any of their API keys), kept for a day. The same key with another request
(method, path or body) is a conflict (409). The record is written in the transaction that queues the job,
so two requests racing with one key make one job: the loser's transaction rolls back whole, and it
answers with the winner's job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from studio.api.errors import ApiError
from studio.models import GenerationJob, IdempotencyRecord

WINDOW = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def fingerprint(request: HttpRequest) -> str:
    """The request's method, path and body (JSON compared by meaning, not by spacing or key order)."""
    try:
        body = json.dumps(json.loads(request.body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        body = request.body.decode(errors="replace")
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _earlier(owner, key: str, print_: str) -> GenerationJob | None:
    record = (
        IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__gte=timezone.now() - WINDOW)
        .only("fingerprint", "job_id")
        .first()
    )
    if record is None:
        return None
    if record.fingerprint != print_:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was sent with another request. Use a new key for a new request.",
            "Idempotency-Key",
        )
    return GenerationJob.objects.get(pk=record.job_id)


def queue_once(
    request: HttpRequest, key: str | None, queue: Callable[[], GenerationJob]
) -> tuple[GenerationJob, bool]:
    """(the job, whether this request queued it): `queue()` runs unless `key` was seen with this request."""
    if key is None:
        return queue(), True
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            422, "invalid_request", "An Idempotency-Key has 1 to 255 characters.", "Idempotency-Key"
        )
    owner, print_ = request.auth.owner, fingerprint(request)
    earlier = _earlier(owner, key, print_)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.filter(
                owner=owner, key=key, created_at__lt=timezone.now() - WINDOW
            ).delete()
            job = queue()
            IdempotencyRecord.objects.create(owner=owner, key=key, fingerprint=print_, job=job)
    except IntegrityError:
        earlier = _earlier(owner, key, print_)
        if earlier is None:
            raise
        return earlier, False
    return job, True
