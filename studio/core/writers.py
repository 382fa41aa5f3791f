"""SQLite's one writer at a time, queued in the process instead of in SQLite's busy handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_sqlite_writer = threading.RLock()


@contextmanager
def one_writer_at_a_time() -> Iterator[None]:
    """SQLite admits one writer at a time and makes the others sleep and poll, backing off up to 100 ms a
    try: under many jobs a partial image could wait a second for its INSERT, and twenty turns posted at
    once slept in turn. Writes from jobs and from queueing wait here instead and go in turn, as soon as the
    writer before them is done. With PostgreSQL this does nothing.

    Take it before the transaction, never inside one: a block already in a transaction holds SQLite's
    lock (transactions begin IMMEDIATE), and waiting here for a writer that waits for that lock would
    deadlock; inside a transaction this does nothing."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _sqlite_writer:
        yield
