"""The worker: leases (a live job is never taken twice, a dead worker's job is taken over, a worn-out one
fails with its reservation released), fair order, rate limits, and jobs run many at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from conversations import services
from studio.core import jobs
from studio.core.ratelimits import RateLimits, parse_duration
from studio.core.worker import LEASE_SECONDS, MAX_ATTEMPTS, Worker, claim, claim_next
from studio.models import BudgetReservation, GenerationJob, ImageAsset, UsageRecord
from studio.templatetags.atelier import in_line
from tests.support.factories import make_conversation, tool_options

pytestmark = pytest.mark.django_db(transaction=True)
Status = GenerationJob.Status


def queued_turn(owner, prompt="a lantern"):
    """A turn whose job is queued and left waiting (as if no worker had looked yet)."""
    with transaction.atomic():
        turn = services.start_turn(make_conversation(owner), prompt=prompt, options=tool_options())
        transaction.get_connection().run_on_commit.clear()
    return turn


def serve_until(worker: Worker, done, timeout: float = 30.0) -> None:
    """Run `worker` on a loop of its own until `done()` is true, then stop it."""
    thread = threading.Thread(target=lambda: asyncio.run(worker.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while not done():
            assert time.monotonic() < deadline, "the worker did not finish in time"
            time.sleep(0.05)
    finally:
        worker.shutdown()
        thread.join(10)


def test_a_worker_runs_queued_jobs_many_at_once(alice, charlie, emulator, settings):
    settings.ATELIER_JOB_RUNNER = "workers"
    settings.ATELIER_OPENAI_EXTRA_HEADERS = {"X-Emulator-Latency": "0.3"}
    queued_turn(alice, "a lantern alone")
    started = time.monotonic()
    serve_until(Worker(poll_seconds=0.1), lambda: not GenerationJob.objects.active().exists())
    alone = time.monotonic() - started
    turns = [queued_turn(user, f"a lantern {i}") for i, user in enumerate([alice, charlie] * 3)]
    started = time.monotonic()
    serve_until(Worker(poll_seconds=0.1), lambda: not GenerationJob.objects.active().exists())
    together = time.monotonic() - started
    for turn in turns:
        turn.job.refresh_from_db()
        assert turn.job.status == Status.SUCCEEDED, turn.job.error_message
        assert turn.job.images.filter(kind=ImageAsset.Kind.FINAL).count() == 1
        assert turn.job.lease_holder == ""
    print(f"one turn alone {alone:.2f} s, six together {together:.2f} s")
    assert together < alone * 3  # side by side, not one after another (that would be about 6x)


def test_a_claimed_job_is_not_claimed_again_while_its_lease_lives(alice):
    job = queued_turn(alice).job
    assert claim(job.pk, "worker-a") is not None
    assert claim(job.pk, "worker-b") is None
    job.refresh_from_db()
    assert (job.status, job.lease_holder, job.attempts) == (Status.RUNNING, "worker-a", 1)
    assert job.lease_expires_at > timezone.now() + timedelta(seconds=LEASE_SECONDS - 5)


def test_a_job_whose_lease_ran_out_is_taken_over_counting_an_attempt(alice):
    job = queued_turn(alice).job
    claim(job.pk, "worker-that-died")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    taken = claim_next("worker-b", RateLimits())
    assert taken is not None and taken.pk == job.pk
    assert (taken.lease_holder, taken.attempts) == ("worker-b", 2)


def test_a_worn_out_job_fails_with_a_reason_and_gives_its_reservation_back(alice):
    job = queued_turn(alice).job
    claim(job.pk, "worker-that-died")
    GenerationJob.objects.filter(pk=job.pk).update(
        attempts=MAX_ATTEMPTS, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert claim_next("worker-b", RateLimits()) is None
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error_code == "interrupted"
    assert "stopped 3 times" in job.error_message
    assert BudgetReservation.objects.get(job=job).status == BudgetReservation.Status.RELEASED


def test_a_taken_over_job_that_had_finished_is_not_called_or_charged_again(alice, emulator, settings):
    settings.ATELIER_JOB_RUNNER = "workers"
    job = queued_turn(alice).job
    serve_until(Worker(poll_seconds=0.1), lambda: not GenerationJob.objects.active().exists())
    calls = len([r for r in emulator.received() if r["path"] == "/v1/responses"])
    # As if the worker had died after storing everything but before marking the job done.
    GenerationJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    serve_until(Worker(poll_seconds=0.1), lambda: not GenerationJob.objects.active().exists())
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert len([r for r in emulator.received() if r["path"] == "/v1/responses"]) == calls
    assert UsageRecord.objects.filter(job=job).count() == 2  # the image model's and the mainline model's


def test_a_taken_over_job_asks_again_only_for_the_tiles_it_had_not_got(alice, emulator, settings):
    """Two live tiles; the second's image and usage were never stored (its stream failed, then the worker
    died): the worker taking the job over sends one stream, for that tile, and pays once for each."""
    from studio.core.jobs import queue_job
    from tests.support.factories import image_request

    settings.ATELIER_JOB_RUNNER = "workers"
    with transaction.atomic():
        job = queue_job(alice, image_request(n=2, partial_images=1))
        transaction.get_connection().run_on_commit.clear()
    serve_until(Worker(poll_seconds=0.1), lambda: not GenerationJob.objects.active().exists())
    lost = job.images.get(kind=ImageAsset.Kind.FINAL, output_index=1)
    records = list(UsageRecord.objects.filter(job=job))
    assert len(records) == 2
    records[1].delete()  # one tile's usage (the tiles cost the same: which one does not matter)
    lost.delete()
    GenerationJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    sent = len([r for r in emulator.received() if r["path"] == "/v1/images/generations"])

    serve_until(Worker(poll_seconds=0.1), lambda: not GenerationJob.objects.active().exists())
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert len([r for r in emulator.received() if r["path"] == "/v1/images/generations"]) == sent + 1
    finals = job.images.filter(kind=ImageAsset.Kind.FINAL)
    assert sorted(finals.values_list("output_index", flat=True)) == [0, 1]
    assert UsageRecord.objects.filter(job=job).count() == 2


def test_waiting_jobs_are_served_one_user_at_a_time():
    def job(pk, owner):
        return GenerationJob(pk=pk, owner_id=owner)

    batch = [job(1, "a"), job(2, "a"), job(3, "a"), job(4, "b"), job(5, "c"), job(6, "b")]
    assert [j.pk for j in jobs.fair_order(batch, Counter())] == [1, 4, 5, 2, 6, 3]
    assert [j.pk for j in jobs.fair_order(batch, Counter({"b": 2}))] == [1, 5, 2, 3, 4, 6]


def test_a_job_knows_its_place_in_line(alice, charlie):
    first = queued_turn(alice).job
    second = queued_turn(alice).job
    others = queued_turn(charlie).job
    assert [jobs.place_in_line(j) for j in (first, others, second)] == [1, 2, 3]


def finished_like(job: GenerationJob, seconds: float, **fields) -> None:
    """Mark `job` as a job that succeeded after running `seconds`."""
    started = timezone.now() - timedelta(minutes=5)
    GenerationJob.objects.filter(pk=job.pk).update(
        status=Status.SUCCEEDED,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
        **fields,
    )


@pytest.fixture
def no_durations_kept():
    """Waiting times are worked out afresh (core.jobs keeps the recent durations for a while)."""
    jobs._durations.clear()
    yield
    jobs._durations.clear()


def test_the_place_in_line_comes_with_a_wait_from_recent_jobs_of_that_model_and_quality(
    alice, charlie, no_durations_kept
):
    finished_like(queued_turn(alice).job, 18)
    finished_like(queued_turn(alice).job, 22)
    finished_like(queued_turn(alice).job, 500, quality="high")  # another quality: not counted
    running = queued_turn(charlie).job
    GenerationJob.objects.filter(pk=running.pk).update(status=Status.RUNNING)
    first, second = queued_turn(alice).job, queued_turn(alice).job
    assert jobs.waiting_line(second) == (2, pytest.approx(40.0))  # 2 x 20 s, one job running at a time
    assert in_line(first) == "1st in line, about 20 s"
    assert in_line(second) == "2nd in line, about 40 s"
    second.turn.job = second
    html = render_to_string("conversations/_turn.html", {"turn": second.turn})
    assert "2nd in line, about 40 s" in html


def test_the_place_in_line_says_no_time_before_anything_finished(alice, no_durations_kept):
    assert in_line(queued_turn(alice).job) == "1st in line"


def test_rate_limits_hold_jobs_back_per_model_until_the_window_or_the_reset_passes():
    now = [0.0]
    limits = RateLimits({"gpt-image-2": {"rpm": 2, "ipm": 3}}, clock=lambda: now[0])
    assert limits.admits("gpt-image-2", images=2)
    limits.started("gpt-image-2", images=2)
    assert not limits.admits("gpt-image-2", images=2)  # 4 images would pass 3 a minute
    assert limits.admits("gpt-image-2", images=1)
    limits.started("gpt-image-2", images=1)
    assert not limits.admits("gpt-image-2", images=1)  # 2 requests a minute
    assert limits.admits("gpt-image-1.5")  # other models have their own
    now[0] = 61
    assert limits.admits("gpt-image-2", images=3)
    limits.observe("gpt-image-2", {"remaining-requests": "0", "reset-requests": "6m0s"})
    assert not limits.admits("gpt-image-2")
    assert limits.wait_seconds("gpt-image-2") == pytest.approx(360)
    now[0] = 61 + 361
    assert limits.admits("gpt-image-2")
    limits.observe("gpt-image-2", {"retry-after": "20"})
    assert not limits.admits("gpt-image-2")


def test_reset_durations_read_as_openai_writes_them():
    assert parse_duration("1s") == 1
    assert parse_duration("6m0s") == 360
    assert parse_duration("12ms") == pytest.approx(0.012)
    assert parse_duration("1h2m3.5s") == pytest.approx(3723.5)
    assert parse_duration("soon") is None


def test_whether_every_waiting_job_would_start_is_asked_without_counting_any():
    limits = RateLimits({"gpt-image-2": {"rpm": 3, "ipm": 4}})
    assert limits.admits_all({"gpt-image-2": (3, 4), "gpt-image-1.5": (1, 1)})
    assert not limits.admits_all({"gpt-image-2": (4, 4)})  # one request too many
    assert not limits.admits_all({"gpt-image-2": (2, 5)})  # one image too many
    limits.started("gpt-image-2", images=2)
    assert limits.admits_all({"gpt-image-2": (2, 2)}) and not limits.admits_all({"gpt-image-2": (3, 2)})
    limits.pause("gpt-image-2", 30)
    assert not limits.admits_all({"gpt-image-2": (1, 1)})


def test_when_the_limits_admit_only_some_the_user_with_nothing_running_goes_first(alice, charlie):
    running = queued_turn(alice, "alice's first").job
    claim(running.pk, "worker-a")
    alices_second = queued_turn(alice, "alice's second").job
    charlies = queued_turn(charlie, "charlie's").job
    limits = RateLimits({"gpt-image-2": {"rpm": 1, "ipm": 10}})  # room for one more start
    taken = claim_next("worker-b", limits)
    assert taken is not None and taken.pk == charlies.pk  # not the older job of the user already served
    assert GenerationJob.objects.get(pk=alices_second.pk).status == Status.QUEUED


def test_a_worker_looks_for_worn_out_jobs_once_a_heartbeat_not_at_every_wake(alice, monkeypatch):
    from studio.core import worker as worker_module

    sweeps = []
    real = worker_module.fail_worn_out_jobs
    monkeypatch.setattr(worker_module, "fail_worn_out_jobs", lambda: sweeps.append(1) or real())
    worker = Worker(poll_seconds=0.05)
    serve_until(worker, lambda: len(sweeps) >= 1)  # the first fill sweeps
    worker = Worker(poll_seconds=0.01)
    started = time.monotonic()
    sweeps.clear()
    serve_until(worker, lambda: time.monotonic() - started > 0.5)  # some fifty fills in half a second
    assert 1 <= len(sweeps) <= 2
