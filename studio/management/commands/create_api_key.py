"""`manage.py create_api_key USERNAME [--name NAME]`: a key for scripts and operators, printed alone on the
last line (`KEY=$(manage.py create_api_key alice | tail -n 1)`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from studio.core.api_keys import create_api_key


class Command(BaseCommand):
    help = "Create an API key for a user and print it (shown this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the key is for.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        key, raw = create_api_key(user, name)
        self.stderr.write(f"API key {key.prefix}… for {username}; it is shown this once:")
        self.stdout.write(raw)
