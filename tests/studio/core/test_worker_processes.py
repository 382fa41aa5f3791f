"""Scale-out as it runs: real `manage.py run_worker` processes on the machine's PostgreSQL. Fifty jobs across
two workers; one worker is killed with SIGKILL mid-run and a third starts: every job ends `succeeded` with one
final image and one usage record, and no budget reservation is left held."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from studio.core.jobs import queue_job
from studio.models import BudgetReservation, GenerationJob, ImageAsset, UsageRecord
from tests.conftest import require_service
from tests.support.emulator import REPO_ROOT
from tests.support.factories import image_request

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
JOBS = 50
LEASE = 4


def start_worker(env: dict[str, str], log_dir: Path, name: str) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--concurrency", "10", "--poll", "0.2"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_fifty_jobs_survive_a_killed_worker_and_a_new_one(alice, emulator, settings):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-services)")
    settings.ATELIER_JOB_RUNNER = "workers"  # queued here, run by the worker processes
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DEBUG": "1",
        "ATELIER_ENV_FILE": "/nonexistent",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "OPENAI_BASE_URL": emulator.base_url,
        "ATELIER_JOB_RUNNER": "workers",
        "ATELIER_JOB_LEASE_SECONDS": str(LEASE),
        "ATELIER_OPENAI_EXTRA_HEADERS": '{"X-Emulator-Latency": "0.25"}',
        "ATELIER_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    env.pop("REDIS_URL", None)
    jobs = [queue_job(alice, image_request(f"a lighthouse, take {i}", partial_images=2)) for i in range(JOBS)]
    logs = Path(tempfile.mkdtemp(prefix="atelier-workers-"))
    workers = [start_worker(env, logs, "one"), start_worker(env, logs, "two")]
    try:
        deadline = time.monotonic() + 60
        while GenerationJob.objects.filter(status=GenerationJob.Status.SUCCEEDED).count() < 10:
            assert time.monotonic() < deadline, (logs / "one.log").read_text()[-2000:]
            time.sleep(0.1)
        workers[0].send_signal(signal.SIGKILL)  # mid-run: it holds running jobs whose leases will run out
        workers[0].wait(10)
        workers.append(start_worker(env, logs, "three"))
        deadline = time.monotonic() + 120
        while GenerationJob.objects.active().exists():
            assert time.monotonic() < deadline, "jobs were left unfinished"
            time.sleep(0.2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(20)
    for job in jobs:
        job.refresh_from_db()
        assert job.status == GenerationJob.Status.SUCCEEDED, (job.pk, job.error_message)
        assert job.images.filter(kind=ImageAsset.Kind.FINAL).count() == 1
        assert UsageRecord.objects.filter(job=job).count() == 1
    assert not BudgetReservation.objects.filter(status=BudgetReservation.Status.HELD).exists()
    taken_over = GenerationJob.objects.filter(attempts__gt=1).count()
    assert taken_over >= 1  # the killed worker's jobs were finished by another
