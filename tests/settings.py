"""Settings for the test suite: the app's own settings, with test-friendly environment defaults."""

import os

os.environ.setdefault("DEBUG", "1")
# Jobs run as they are queued (when their transaction commits); tests of the worker start one themselves.
os.environ.setdefault("ATELIER_JOB_RUNNER", "inline")
os.environ.setdefault("ATELIER_ENV_FILE", "/nonexistent")

from studio.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Jobs queued through django.tasks run inline, so a test sees the whole job when the request returns.
# "database" is the scaled-out backend (django-tasks-db), for the tests that run a db_worker.
TASKS = {
    "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
ATELIER_OPENAI_MAX_RETRIES = 2
