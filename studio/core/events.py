"""Signals the image core sends about a job's life, for whoever wants to follow it (webhooks do).

They carry ids, never rows: a receiver reads the row, which is the truth.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `job_id` inside the transaction that moves a job to succeeded, failed or cancelled (or that
# answers it from the cache), so what a receiver writes commits, or rolls back, with the job's final state.
job_finished = Signal()
