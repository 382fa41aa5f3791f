"""`python manage.py emulator`: serve the offline OpenAI emulator (Image API and Responses image tool)."""

from __future__ import annotations

import contextlib

from django.core.management.base import BaseCommand

from studio.emulator.server import serve


class Command(BaseCommand):
    help = "Serve the OpenAI emulator over HTTP with Daphne (point OPENAI_BASE_URL at the printed URL)."
    # The emulator stands apart from the app: it needs none of its checks (nor its models or templates).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)

    def handle(self, *args, host: str, port: int, **options) -> None:
        def announce() -> None:
            self.stdout.write(f"OpenAI emulator serving http://{host}:{port}/v1", ending="\n")
            self.stdout.flush()

        with contextlib.suppress(KeyboardInterrupt):
            serve(host, port, on_ready=announce)
