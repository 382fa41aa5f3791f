"""`make run-scaled`: Atelier as a scaled-out deployment runs it, on this machine: web processes (Daphne) and
job workers (`run_worker`) sharing PostgreSQL and Redis, and the OpenAI emulator when there is no OpenAI key,
under honcho (see Procfile). The database is created if it is missing and migrated first, once, before the
processes that share it start.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from studio.management.commands.launch import _port_is_free


def create_database_if_missing() -> bool:
    """Create the PostgreSQL database that DATABASE_URL names, if it is not there. Returns whether it was."""
    name = connection.settings_dict["NAME"]
    # Connected to the server's maintenance database, as Django's own test-database creation is.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is not None:
            return False
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    return True


class Command(BaseCommand):
    help = "Start web processes and job workers on PostgreSQL and Redis under honcho (see Procfile)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--web", type=int, default=2, help="Web processes (Daphne), on PORT, PORT+1, ...")
        parser.add_argument("--workers", type=int, default=2, help="Job workers (run_worker).")
        parser.add_argument("--host", default=os.environ.get("ATELIER_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--emulator-port", type=int, default=int(os.environ.get("EMULATOR_PORT", "8100")))

    def handle(self, *args, web: int, workers: int, host: str, port: int, emulator_port: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Several processes need one PostgreSQL database: set DATABASE_URL=postgres://..."
            )
        if not settings.REDIS_URL:
            raise CommandError("Live updates between processes need Redis: set REDIS_URL=redis://...")
        if settings.ATELIER_JOB_RUNNER != "workers":
            raise CommandError(
                "Set ATELIER_JOB_RUNNER=workers: the workers run the jobs, not the web processes."
            )
        if web < 1 or workers < 1:
            raise CommandError("Start at least one web process and one worker.")
        busy = [p for p in range(port, port + web) if not _port_is_free(host, p)]
        emulated = not settings.OPENAI_API_KEY
        if emulated and not _port_is_free("127.0.0.1", emulator_port):
            busy.append(emulator_port)
        if busy:
            raise CommandError(
                f"Port(s) {', '.join(map(str, busy))} in use: choose others with PORT=... or EMULATOR_PORT=..."
            )

        if create_database_if_missing():
            self.stdout.write(f"Created the database {connection.settings_dict['NAME']}.")
        call_command("migrate", interactive=False, verbosity=0)
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)

        env = dict(
            os.environ,
            ATELIER_HOST=host,
            PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
        )
        if emulated:
            env.update(
                EMULATOR_PORT=str(emulator_port), OPENAI_BASE_URL=f"http://127.0.0.1:{emulator_port}/v1"
            )
            model_line = f"the OpenAI emulator on {env['OPENAI_BASE_URL']} (no OPENAI_API_KEY set)"
        else:
            model_line = f"OpenAI at {settings.OPENAI_BASE_URL or 'https://api.openai.com/v1'}"
        addresses = ", ".join(f"http://{host}:{p}/" for p in range(port, port + web))
        self.stdout.write(self.style.SUCCESS(f"Atelier, scaled out: {web} web process(es) on {addresses}"))
        self.stdout.write(f"  {workers} job worker(s) (run_worker); model service: {model_line}")
        self.stdout.write(
            f"  database {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}, channel layer {settings.REDIS_URL}"
        )
        call_command("ensure_designer", stdout=self.stdout)
        self.stdout.write("Press Ctrl-C to stop them all.")
        self.stdout.flush()

        concurrency = f"web={web},worker={workers},webhooks=1,emulator={1 if emulated else 0}"
        os.chdir(settings.BASE_DIR)
        command = [
            sys.executable,
            "-m",
            "honcho",
            "start",
            "--procfile",
            "Procfile",
            "-p",
            str(port),
            "-c",
            concurrency,
        ]
        os.execve(sys.executable, command, env)
