"""The writers' queue: running jobs' writes before new work, new work never starved, re-entrant."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction

from studio.core import writers
from studio.core.writers import WritersQueue


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def queue_behind_a_holder(queue: WritersQueue, writers_in_order: list[tuple[str, bool]]) -> list[str]:
    """Hold the queue, line up `writers_in_order` ((name, new_work), each waiting before the next comes),
    let go, and return the order in which they wrote."""
    wrote: list[str] = []
    holding, let_go = threading.Event(), threading.Event()

    def holder() -> None:
        with queue.held(new_work=False):
            holding.set()
            let_go.wait()

    def writer(name: str, new_work: bool) -> None:
        with queue.held(new_work=new_work):
            wrote.append(name)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    holding.wait()
    for count, (name, new_work) in enumerate(writers_in_order, start=1):
        thread = threading.Thread(target=writer, args=(name, new_work))
        thread.start()
        threads.append(thread)
        wait_for(lambda count=count: queue.waiting == count)
    let_go.set()
    for thread in threads:
        thread.join(timeout=5)
    return wrote


def test_a_running_job_writes_before_new_work_that_came_first():
    order = queue_behind_a_holder(WritersQueue(), [("post 1", True), ("post 2", True), ("claim", False)])

    assert order == ["claim", "post 1", "post 2"]


def test_running_jobs_write_in_the_order_they_came():
    order = queue_behind_a_holder(WritersQueue(), [("partial", False), ("final", False), ("end", False)])

    assert order == ["partial", "final", "end"]


def test_new_work_that_has_waited_long_enough_takes_turns_with_the_jobs(monkeypatch):
    monkeypatch.setattr(writers, "PATIENCE_SECONDS", 0.0)

    order = queue_behind_a_holder(
        WritersQueue(), [("post 1", True), ("post 2", True), ("partial", False), ("final", False)]
    )

    assert order == ["post 1", "partial", "post 2", "final"]


def test_it_is_reentrant_and_free_again_afterwards():
    queue = WritersQueue()
    took_it = threading.Event()

    def other() -> None:
        with queue.held(new_work=True):
            took_it.set()

    with queue.held(new_work=False), queue.held(new_work=True):
        pass
    thread = threading.Thread(target=other)
    thread.start()

    assert took_it.wait(timeout=2)
    thread.join(timeout=2)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_it_does_not_wait():
    """The transaction holds SQLite's lock already: waiting here for another writer could deadlock."""
    holding, let_go = threading.Event(), threading.Event()

    def holder() -> None:
        with writers._sqlite_writer.held(new_work=False):
            holding.set()
            let_go.wait(timeout=5)

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait()
    try:
        started = time.monotonic()
        with transaction.atomic(), writers.one_writer_at_a_time():
            waited = time.monotonic() - started
    finally:
        let_go.set()
        thread.join(timeout=5)

    assert waited < 1
