from __future__ import annotations

from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio"

    def ready(self) -> None:
        # Wiring: queued jobs reach the worker. The job code sends the signal and knows nothing of who runs it.
        from django.core.signals import request_started

        from studio.core import events, jobs, webhook_delivery, webhooks, worker

        jobs.job_queued.connect(worker.on_job_queued, dispatch_uid="atelier-worker-queued")
        jobs.job_cancelled.connect(worker.on_job_cancelled, dispatch_uid="atelier-worker-cancelled")

        from studio import session_signals

        session_signals.connect()
        # A job's end writes its webhook events in the same transaction; a server process starts its
        # webhook sender with its first request (it then sends whatever an earlier run left due).
        events.job_finished.connect(webhooks.record_job_event, dispatch_uid="atelier-webhooks")
        request_started.connect(webhook_delivery.start_embedded_sender, dispatch_uid="atelier-webhook-sender")
