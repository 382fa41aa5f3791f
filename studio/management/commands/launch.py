"""`make run`: migrate, make sure there is a login, start the emulator when there is no OpenAI key, serve.

Ctrl-C stops everything this command started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def _wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.1)
    return False


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


class Command(BaseCommand):
    help = "Set up and serve Atelier through Daphne (with the OpenAI emulator when no OPENAI_API_KEY is set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--emulator-port", type=int, default=int(os.environ.get("EMULATOR_PORT", "8100")))

    def handle(self, *args, host: str, port: int, emulator_port: int, **options) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        if not _port_is_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is in use: stop what runs there, or choose another with PORT=..."
            )
        call_command("migrate", interactive=False, verbosity=0)
        children: list[subprocess.Popen] = []
        env = dict(os.environ)
        try:
            if not settings.OPENAI_API_KEY:
                if not _port_is_free("127.0.0.1", emulator_port):
                    raise CommandError(
                        f"Port {emulator_port} (the emulator's) is in use: choose another with EMULATOR_PORT=..."
                    )
                children.append(
                    subprocess.Popen(
                        [sys.executable, "manage.py", "emulator", "--port", str(emulator_port)],
                        cwd=settings.BASE_DIR,
                        env=env,
                    )
                )
                if not _wait_for_port("127.0.0.1", emulator_port, 20):
                    raise CommandError("The OpenAI emulator did not start; see its output above.")
                env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{emulator_port}/v1"
                model_line = f"OpenAI emulator on {env['OPENAI_BASE_URL']} (no OPENAI_API_KEY set)"
            else:
                model_line = f"OpenAI at {settings.OPENAI_BASE_URL or 'https://api.openai.com/v1'}"
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "studio.asgi:application"],
                    cwd=settings.BASE_DIR,
                    env=env,
                )
            )
            if not _wait_for_port(host, port, 30):
                raise CommandError("Daphne did not start; see its output above.")
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Atelier is running on http://{host}:{port}/"))
            self.stdout.write(f"  model service: {model_line}")
            call_command("ensure_designer", stdout=self.stdout)
            self.stdout.write("Press Ctrl-C to stop.")
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            raise CommandError("A server stopped unexpectedly; see its output above.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping Atelier.")
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
