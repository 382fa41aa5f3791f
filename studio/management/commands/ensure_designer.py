"""Create the local instance's one login on first run, and say how to log in."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "designer"


def login_file():
    return settings.VAR_DIR / "designer-login.txt"


class Command(BaseCommand):
    help = "Create the 'designer' login (staff and superuser) if it does not exist, and print how to log in."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        path = login_file()
        user = User.objects.filter(username=USERNAME).first()
        if user is None:
            password = os.environ.get("ATELIER_DEMO_PASSWORD") or secrets.token_urlsafe(12)
            User.objects.create_superuser(USERNAME, email="", password=password)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"username: {USERNAME}\npassword: {password}\n")
            path.chmod(0o600)
            self.stdout.write(f"Created the login '{USERNAME}' with password: {password}")
            self.stdout.write(f"(also written to {path})")
        elif os.environ.get("ATELIER_DEMO_PASSWORD"):
            self.stdout.write(f"Log in as '{USERNAME}' with the password in ATELIER_DEMO_PASSWORD.")
        elif path.exists():
            self.stdout.write(f"Log in as '{USERNAME}': the password is in {path}")
        else:
            self.stdout.write(
                f"Log in as '{USERNAME}' (set a new password with: .venv/bin/python manage.py changepassword {USERNAME})"
            )
