from __future__ import annotations

from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio"

    def ready(self) -> None:
        # Wiring: queued jobs reach the worker. The job code sends the signal and knows nothing of who runs it.
        from studio.core import jobs, worker

        jobs.job_queued.connect(worker.on_job_queued, dispatch_uid="atelier-worker-queued")
        jobs.job_cancelled.connect(worker.on_job_cancelled, dispatch_uid="atelier-worker-cancelled")

        from studio import session_signals

        session_signals.connect()
