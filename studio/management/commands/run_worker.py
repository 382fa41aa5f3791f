"""`manage.py run_worker`: a job worker process for scaled-out deployments (ATELIER_JOB_RUNNER=workers).

Run as many as you like beside the web processes, on PostgreSQL and Redis: each claims queued jobs with a
lease and runs many at once. SIGTERM or Ctrl-C puts its running jobs back in the queue for another.
"""

from __future__ import annotations

import asyncio
import signal

from django.core.management.base import BaseCommand

from studio.core.worker import Worker


class Command(BaseCommand):
    help = "Run queued jobs (many at once) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--concurrency", type=int, default=None, help="Jobs at once (ATELIER_JOB_CONCURRENCY)."
        )
        parser.add_argument("--poll", type=float, default=0.5, help="Seconds between looks at the queue.")

    def handle(self, *args, concurrency: int | None, poll: float, **options) -> None:
        worker = Worker(concurrency=concurrency, poll_seconds=poll)
        self.stdout.write(f"Atelier worker {worker.holder}: up to {worker.concurrency} jobs at once")
        asyncio.run(self._serve(worker))
        self.stdout.write("Atelier worker stopped; its running jobs are back in the queue.")

    async def _serve(self, worker: Worker) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.shutdown)
        await worker.serve()
