from __future__ import annotations

from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        # A turn queued behind a running one is sent when that one finishes (in the transaction that ends it).
        from conversations import services
        from studio.core import events, jobs

        events.job_finished.connect(services.release_followers, dispatch_uid="atelier-conversation-followups")
        jobs.job_queued.connect(services.settle_requeued, dispatch_uid="atelier-conversation-requeued")
