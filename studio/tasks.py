"""The scaled-out seam: `manage.py db_worker` runs this task in worker processes."""

from __future__ import annotations

from django.tasks import task


@task()
def run_generation_job(job_id: int) -> None:
    from studio.jobs import run_job

    run_job(job_id)
