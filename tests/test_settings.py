"""The settings refuse values they cannot read, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check_with(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    }
    clean["ATELIER_ENV_FILE"] = "/nonexistent"
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "ATELIER_JOB_CONCURRENCY": "many"}, "ATELIER_JOB_CONCURRENCY"),
        ({"DEBUG": "1", "ATELIER_JOB_CONCURRENCY": "0"}, "ATELIER_JOB_CONCURRENCY"),
        ({"DEBUG": "1", "ATELIER_OPENAI_TIMEOUT": "soon"}, "ATELIER_OPENAI_TIMEOUT"),
        ({"DEBUG": "1", "REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "1", "OPENAI_BASE_URL": "ftp://example.com"}, "OPENAI_BASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"DEBUG": "1", "CSRF_TRUSTED_ORIGINS": "example.com"}, "CSRF_TRUSTED_ORIGINS"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "1", "ATELIER_OPENAI_EXTRA_HEADERS": "{not json"}, "ATELIER_OPENAI_EXTRA_HEADERS"),
        ({"DEBUG": "1", "ATELIER_OPENAI_EXTRA_HEADERS": '["a list"]'}, "ATELIER_OPENAI_EXTRA_HEADERS"),
        ({"DEBUG": "1", "ATELIER_JOB_RUNNER": "threads"}, "ATELIER_JOB_RUNNER"),
        ({"DEBUG": "1", "ATELIER_OPENAI_CONNECT_TIMEOUT": "0"}, "ATELIER_OPENAI_CONNECT_TIMEOUT"),
        # A mainline model without prices would be costed at a guess (it was: at gpt-image-2's image rates).
        ({"DEBUG": "1", "ATELIER_MAINLINE_MODEL": "gpt-5-nano"}, "ATELIER_MAINLINE_MODEL"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(env, named):
    result = check_with(**env)
    assert result.returncode != 0
    assert named in result.stderr


def test_it_starts_with_good_values():
    result = check_with(
        DEBUG="1",
        ATELIER_JOB_CONCURRENCY="3",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ATELIER_MAINLINE_MODEL="gpt-5.4-2026-03-05",  # a dated snapshot is priced as its model
    )
    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DEBUG"},
            "ATELIER_ENV_FILE": "/nonexistent",
            "DEBUG": "0",
            "SECRET_KEY": "x7!kq2#p9v$w4z8m@n3b6c1d5f0g-h_j*l&r^t(y)u+i=o~e%a" * 2,
            "ALLOWED_HOSTS": "atelier.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_reads_the_extra_headers_and_timeouts_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.ATELIER_OPENAI_EXTRA_HEADERS, s.ATELIER_OPENAI_CONNECT_TIMEOUT, s.ATELIER_OPENAI_TIMEOUT)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "1",
            "ATELIER_ENV_FILE": "/nonexistent",
            "ATELIER_OPENAI_EXTRA_HEADERS": '{"OpenAI-Organization": "org-123"}',
            "ATELIER_OPENAI_CONNECT_TIMEOUT": "3",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{'OpenAI-Organization': 'org-123'} 3.0 600.0"


def test_an_offline_command_like_shell_runs_without_a_secret_key(tmp_path):
    """`manage.py shell` on a server whose key lives in the service's environment: it works with Django set
    up (models and the database), while serving and `check --deploy` still require the key."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="studio.settings",
        ATELIER_ENV_FILE="/nonexistent",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    code = "from studio.models import GenerationJob; print('jobs:', GenerationJob.objects.count())"

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert manage("migrate", "-v", "0").returncode == 0
    shell = manage("shell", "-c", code)
    assert shell.returncode == 0, shell.stderr
    assert "jobs: 0" in shell.stdout
    assert "settings are not configured" not in shell.stdout + shell.stderr
    deploy = manage("check", "--deploy")
    assert deploy.returncode != 0
    assert "SECRET_KEY must be set" in deploy.stderr
