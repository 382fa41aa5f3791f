"""SQLite's one writer at a time, queued in the process instead of in SQLite's busy handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

# How long new work (a post queueing a job) lets the writes of running jobs go first before it takes the
# next turn anyway: long enough for a burst of partials and finals, short enough that a post never hangs.
PATIENCE_SECONDS = 0.25


@dataclass(eq=False)  # each waiter is itself, whatever its fields
class _Waiter:
    new_work: bool
    since: float
    turn: threading.Event = field(default_factory=threading.Event)


class WritersQueue:
    """A re-entrant lock whose waiters go in an order of our choosing, not the scheduler's: the writes of
    jobs already running (their claim, partials, finals, usage, end) before new work, each in arrival
    order; new work that has waited PATIENCE_SECONDS takes turns with them, so it is never starved.

    Twenty turns posted at once otherwise took the lock turn after turn while the worker waited to claim
    the first of them, so no job started before nearly every post was in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | _Waiter | None = None  # a thread, or the waiter it is handed to until it wakes
        self._depth = 0
        self._waiting: list[_Waiter] = []
        self._gave_new_work = False

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    @contextmanager
    def held(self, *, new_work: bool) -> Iterator[None]:
        self._acquire(new_work)
        try:
            yield
        finally:
            self._release()

    def _acquire(self, new_work: bool) -> None:
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiting:
                self._owner, self._depth = me, 1
                return
            waiter = _Waiter(new_work, time.monotonic())
            self._waiting.append(waiter)
        try:
            waiter.turn.wait()
        except BaseException:  # interrupted while waiting: give the turn on if it came
            with self._lock:
                self._waiting.remove(waiter)
                given = waiter.turn.is_set()
            if given:
                self._release_to_next()
            raise
        with self._lock:
            self._waiting.remove(waiter)
            self._owner, self._depth = me, 1

    def _release(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
        self._release_to_next()

    def _release_to_next(self) -> None:
        with self._lock:
            self._owner = None
            waiting = self._waiting  # the one handed the lock leaves the list before it can hand it on
            if not waiting:
                return
            now = time.monotonic()
            overdue = [w for w in waiting if w.new_work and now - w.since >= PATIENCE_SECONDS]
            jobs = [w for w in waiting if not w.new_work]
            if overdue and jobs:  # take turns
                chosen = jobs[0] if self._gave_new_work else overdue[0]
            else:
                chosen = (jobs or waiting)[0]
            self._gave_new_work = chosen.new_work
            self._owner = chosen
            chosen.turn.set()


_sqlite_writer = WritersQueue()


@contextmanager
def one_writer_at_a_time(*, new_work: bool = False) -> Iterator[None]:
    """SQLite admits one writer at a time and makes the others sleep and poll, backing off up to 100 ms a
    try: under many jobs a partial image could wait a second for its INSERT, and twenty turns posted at
    once slept in turn. Writes from jobs and from queueing wait here instead and go in turn, as soon as the
    writer before them is done (`WritersQueue`: running jobs first; `new_work` is a post queueing one).
    With PostgreSQL this does nothing.

    Take it before the transaction, never inside one: a block already in a transaction holds SQLite's
    lock (transactions begin IMMEDIATE), and waiting here for a writer that waits for that lock would
    deadlock; inside a transaction this does nothing."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _sqlite_writer.held(new_work=new_work):
        yield
