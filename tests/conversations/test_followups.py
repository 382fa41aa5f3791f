"""Follow-ups typed while a turn runs: queued behind it, sent from it when it finishes, never a silent branch."""

from __future__ import annotations

import pytest

from conversations import services
from conversations.models import Turn
from studio.core import jobs, worker
from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset
from tests.support.factories import make_conversation, send_turn, tool_options
from tests.support.images import solid

pytestmark = pytest.mark.django_db
Status = GenerationJob.Status


def responses_sent(emulator) -> list[dict]:
    return [r["json"] for r in emulator.received() if r["path"] == "/v1/responses" and r["method"] == "POST"]


def queue_turn(conversation, prompt: str, capture, **kwargs) -> Turn:
    """Start a turn without running it: it stays queued, as a turn the worker has not finished."""
    with capture(execute=False):
        turn = services.start_turn(conversation, prompt=prompt, options=tool_options(), **kwargs)
    return reload(turn)


def reload(turn: Turn) -> Turn:
    return Turn.objects.with_display_data().get(pk=turn.pk)


def run(turn: Turn, capture) -> None:
    """Run the turn's job as the worker would; what its end releases runs too (on commit)."""
    with capture(execute=True):
        worker.run_inline(turn.job_id)


def test_it_queues_a_follow_up_behind_the_running_turn(alice, emulator, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a cosy reading corner", capture)
    pink = queue_turn(conversation, "make it pink", capture)
    stars = queue_turn(conversation, "add stars", capture)

    assert stars.parent == pink and not stars.branched
    assert stars.is_waiting and stars.job.waits_for_id == pink.job_id
    assert stars.job.stage == "Waiting for the turn above"
    assert worker.claim(stars.job_id, "test") is None  # the worker never takes a waiting job
    assert jobs.place_in_line(stars.job) is None

    run(pink, capture)

    pink, stars = reload(pink), reload(stars)
    assert pink.job.status == Status.SUCCEEDED
    assert stars.job.status == Status.SUCCEEDED
    assert stars.previous_response_id == pink.response_id  # resolved when it started, not when queued
    sent = [body.get("previous_response_id") for body in responses_sent(emulator)]
    assert sent == [None, first.response_id, pink.response_id]


def test_the_worker_skips_a_waiting_job_and_takes_the_next(
    alice, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    running = queue_turn(conversation, "a lighthouse", capture)
    waiting = queue_turn(conversation, "make it stormy", capture)
    from studio.core.ratelimits import RateLimits

    claimed = worker.claim_next("test", RateLimits({}))
    assert claimed.pk == running.job_id
    assert worker.claim_next("test", RateLimits({})) is None
    assert reload(waiting).job.status == Status.QUEUED


def test_a_failed_parent_fails_the_waiting_turn_with_the_reason(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse", capture)
    doomed = queue_turn(conversation, "make it stormy", capture)
    follow = queue_turn(conversation, "add a ship", capture)
    after = queue_turn(conversation, "and gulls", capture)
    emulator_fault("401")
    run(doomed, capture)
    emulator_fault("")

    follow, after = reload(follow), reload(after)
    assert follow.job.status == Status.FAILED
    assert follow.job.error_code == "parent_unfinished"
    assert "turn above failed" in follow.job.error_message
    assert after.job.status == Status.FAILED  # and the one behind it, in turn
    assert len(responses_sent(emulator)) == 2  # none for either waiting turn
    with pytest.raises(services.CannotContinue):
        services.retry_turn(follow)

    with capture(execute=True):
        assert services.send_now_as_branch(follow)
    follow = reload(follow)
    assert follow.job.status == Status.SUCCEEDED
    assert follow.branched and follow.parent == first
    assert follow.previous_response_id == first.response_id


def test_retry_after_the_parent_succeeds_sends_it_from_the_parent(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    send_turn(conversation, "a lighthouse", capture)
    doomed = queue_turn(conversation, "make it stormy", capture)
    follow = queue_turn(conversation, "add a ship", capture)
    emulator_fault("401")
    run(doomed, capture)
    emulator_fault("")
    with capture(execute=True):
        jobs.retry_job(doomed.job)
    doomed = reload(doomed)
    assert doomed.job.status == Status.SUCCEEDED

    with capture(execute=True):
        services.retry_turn(reload(follow))
    follow = reload(follow)
    assert follow.job.status == Status.SUCCEEDED
    assert follow.previous_response_id == doomed.response_id and not follow.branched


def test_send_now_sends_a_waiting_turn_from_the_latest_finished_turn_as_a_branch(
    alice, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse", capture)
    running = queue_turn(conversation, "make it stormy", capture)
    follow = queue_turn(conversation, "add a ship", capture)

    with capture(execute=True):
        assert services.send_now_as_branch(follow)

    follow, running = reload(follow), reload(running)
    assert follow.job.status == Status.SUCCEEDED
    assert follow.branched and follow.parent == first
    assert follow.previous_response_id == first.response_id
    assert running.job.status == Status.QUEUED  # untouched
    assert not services.send_now_as_branch(follow)  # sent already: nothing to do


def test_a_stop_without_an_image_fails_the_waiting_turn(alice, emulator, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    stopped = queue_turn(conversation, "a lighthouse", capture)
    follow = queue_turn(conversation, "make it stormy", capture)
    with capture(execute=True):
        jobs.cancel_job(stopped.job)

    follow = reload(follow)
    assert follow.job.status == Status.FAILED
    assert "stopped before it made an image" in follow.job.error_message
    assert responses_sent(emulator) == []


def add_partial(turn: Turn) -> ImageAsset:
    return store_image(
        turn.conversation.owner,
        solid((1024, 1024)),
        kind=ImageAsset.Kind.PARTIAL,
        job=turn.job,
        partial_index=0,
    )


def test_a_stop_keeping_the_draft_sends_the_waiting_turn_from_the_draft_image(
    alice, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a lighthouse", capture)
    stopped = queue_turn(conversation, "make it pink", capture)
    follow = queue_turn(conversation, "add stars", capture)
    partial = add_partial(stopped)
    with capture(execute=True):
        jobs.cancel_job(stopped.job)

    follow = reload(follow)
    assert follow.is_waiting  # the stopped turn's draft is neither kept nor discarded yet
    assert "keep or discard" in follow.job.stage

    with capture(execute=True):
        services.keep_partial_as_draft(reload(stopped))

    follow = reload(follow)
    assert follow.job.status == Status.SUCCEEDED
    assert follow.from_draft and follow.parent == stopped
    # The chain the draft was made in, and the draft's image as the input.
    assert follow.previous_response_id == first.response_id
    body = responses_sent(emulator)[-1]
    assert body["previous_response_id"] == first.response_id
    contents = body["input"][0]["content"]
    assert [part["type"] for part in contents].count("input_image") == 1
    assert follow.job.request["input_image_ids"][0] == partial.pk


def test_a_kept_draft_is_the_parent_of_the_next_turn(alice, emulator, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    send_turn(conversation, "a lighthouse", capture)
    stopped = queue_turn(conversation, "make it pink", capture)
    add_partial(stopped)
    jobs.cancel_job(stopped.job)
    services.keep_partial_as_draft(reload(stopped))

    assert services.default_parent(conversation) == stopped
    follow = send_turn(conversation, "add stars", capture)
    assert follow.parent == stopped and follow.from_draft and not follow.branched
    assert follow.job.status == Status.SUCCEEDED


def test_discarding_the_draft_fails_the_waiting_turn(alice, emulator, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    stopped = queue_turn(conversation, "make it pink", capture)
    follow = queue_turn(conversation, "add stars", capture)
    add_partial(stopped)
    with capture(execute=True):
        jobs.cancel_job(stopped.job)
        services.discard_partials(reload(stopped))

    follow = reload(follow)
    assert follow.job.status == Status.FAILED
    assert follow.job.error_code == "parent_unfinished"


def test_a_plain_retry_of_an_unsent_turn_waits_behind_its_parent_again(
    alice, emulator, emulator_fault, django_capture_on_commit_callbacks
):
    """As the admin's Retry does (the core's retry_job alone): the turn is held, then sent from its parent."""
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    send_turn(conversation, "a lighthouse", capture)
    doomed = queue_turn(conversation, "make it stormy", capture)
    follow = queue_turn(conversation, "add a ship", capture)
    emulator_fault("401")
    run(doomed, capture)
    emulator_fault("")
    with capture(execute=True):
        jobs.retry_job(doomed.job)
    doomed = reload(doomed)
    assert doomed.job.status == Status.SUCCEEDED

    with capture(execute=True):
        jobs.retry_job(reload(follow).job)
    follow = reload(follow)
    assert follow.job.status == Status.SUCCEEDED
    assert follow.previous_response_id == doomed.response_id
