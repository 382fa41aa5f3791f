"""`Idempotency-Key`: the same key and body give the same job; the same key with another body, a 409."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.test import Client

from studio.models import GenerationJob, IdempotencyRecord
from tests.studio.api.conftest import error_of

pytestmark = pytest.mark.django_db

BODY = {"prompt": "a lighthouse at dusk", "quality": "low"}


def test_the_same_key_and_body_return_the_same_job(api, emulator):
    first = api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/jobs", dict(reversed(BODY.items())), headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert GenerationJob.objects.count() == 1
    assert len([r for r in emulator.received() if r["path"].startswith("/v1/images")]) == 1


def test_the_same_key_with_another_body_is_a_conflict(api, emulator):
    api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k-1"})
    response = api.post("/api/v1/jobs", {**BODY, "quality": "high"}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["param"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert GenerationJob.objects.count() == 1


def test_keys_are_each_users_own(api, charlie_api, emulator):
    mine = api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k-1"}).json()
    theirs = charlie_api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k-1"})
    assert theirs.status_code == 202
    assert theirs.json()["id"] != mine["id"]


def test_a_key_is_kept_for_a_day(api, emulator):
    first = api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k-1"}).json()
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at - timedelta(days=2)
    )
    later = api.post("/api/v1/jobs", {**BODY, "quality": "high"}, headers={"Idempotency-Key": "k-1"})
    assert later.status_code == 202
    assert later.json()["id"] != first["id"]
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_request_keeps_no_key(api):
    api.post("/api/v1/jobs", {**BODY, "size": "7x7"}, headers={"Idempotency-Key": "k-1"})
    assert not IdempotencyRecord.objects.exists()
    assert api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k-1"}).status_code == 202


def test_a_key_too_long_is_refused(api):
    response = api.post("/api/v1/jobs", BODY, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 422
    assert error_of(response)["param"] == "Idempotency-Key"


@pytest.mark.django_db(transaction=True)
def test_requests_racing_with_one_key_make_one_job(alice_key, emulator):
    def send(_):
        try:
            return Client().post(
                "/api/v1/jobs",
                json.dumps(BODY),
                content_type="application/json",
                headers={"Authorization": f"Bearer {alice_key}", "Idempotency-Key": "race"},
            )
        finally:
            close_old_connections()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))
    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 202]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert GenerationJob.objects.count() == 1
