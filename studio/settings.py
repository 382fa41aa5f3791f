"""Atelier's one settings file, driven by environment variables (and an optional `.env`).

Every value goes through a small typed helper that refuses what it cannot read, so a typo stops start-up
with a message naming the variable instead of quietly running with a default.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from studio.core import pricing as _pricing  # plain arithmetic and tables: nothing of Django's is set up yet

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_ENV_FILE = Path(os.environ.get("ATELIER_ENV_FILE", BASE_DIR / ".env"))
if _ENV_FILE.is_file():
    env.read_env(_ENV_FILE)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, not {value}.")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_json(name: str, default, *, of: type):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be JSON ({exc}), not {raw!r}.") from None
    if not isinstance(value, of):
        raise ImproperlyConfigured(f"{name} must be a JSON {of.__name__}, not {raw!r}.")
    return value


def env_choice(name: str, default: str, *, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name, default).strip()
    if not raw:
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(schemes)}://, not {raw!r}."
        )
    return raw


DEBUG = env_bool("DEBUG", False)

# Management commands that neither serve nor sign anything a browser will send back: an operator may run them
# (`manage.py shell` on the server, say) without the service's SECRET_KEY. They get a throwaway key, marked
# insecure; serving (Daphne, runserver, run_worker) and `check` (so `check --deploy` still reports it) need the
# real one.
OFFLINE_COMMANDS = frozenset(
    {
        "shell",
        "dbshell",
        "migrate",
        "showmigrations",
        "sqlmigrate",
        "makemigrations",
        "createsuperuser",
        "changepassword",
        "collectstatic",
        "dumpdata",
        "loaddata",
        "help",
    }
)


def _running_offline_command() -> bool:
    argv = sys.argv
    return (
        len(argv) > 1 and Path(argv[0]).name in {"manage.py", "django-admin"} and argv[1] in OFFLINE_COMMANDS
    )


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "django-insecure-atelier-development-only"  # noqa: S105 - DEBUG only
    elif _running_offline_command():
        SECRET_KEY = "django-insecure-offline-command-" + secrets.token_urlsafe(32)
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(_origin).scheme not in ("http", "https"):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, not {_origin!r}."
        )

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "django_htmx",
    "channels",
    "axes",
    "ninja",
    "studio",
    "conversations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: everything from our own origin, nothing inline (no <script> or <style> blocks, no
# style or on* attributes: templates load static files, scripts style through the CSSOM), images also from
# data: and blob: URLs (the mask editor's canvas), no frames of us anywhere. 'self' in connect-src covers the
# page's own ws:/wss: origin (CSP level 3, as Chromium, Firefox and Safari do).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "studio.urls"
ASGI_APPLICATION = "studio.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studio.context_processors.budget",
            ],
        },
    },
]

VAR_DIR = Path(os.environ.get("ATELIER_VAR_DIR", BASE_DIR / "var"))

_database_url = os.environ.get("DATABASE_URL")
if not _database_url:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    _database_url = f"sqlite:///{VAR_DIR / 'atelier.sqlite3'}"
if urlsplit(_database_url).scheme not in ("sqlite", "postgres", "postgresql", "pgsql"):
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a sqlite:/// or postgres:// URL, not {_database_url.split(':', 1)[0]!r}://..."
    )
DATABASES = {"default": environ.Env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (the job runner and the request handlers) share one file: wait for the lock
    # instead of failing at once, take it when a transaction begins (so read-then-write transactions,
    # like a budget reservation, are serialised), and write-ahead log so readers never block the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): five failed logins for one username from one address lock that pair out
# for 15 minutes; a success clears the count. Admins see and lift locks under "Axes" in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ATELIER_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ATELIER_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("ATELIER_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("ATELIER_MEDIA_ROOT", VAR_DIR / "media"))
# Images are served through an ownership-checking view, never from MEDIA_URL directly.
MEDIA_URL = "/media-not-served/"

# Uploads: reference images may be up to 50 MB each (the API's own limit); keep them on disk, not in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ATELIER_MAX_UPLOAD_BYTES = env_int("ATELIER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1)
# The largest legitimate request: an edit's 16 input images and its mask, each at the upload limit, plus the
# form's other fields (which Django bounds by DATA_UPLOAD_MAX_MEMORY_SIZE). Anything longer is refused with 413
# before its body is read (studio.bodylimit, studio.daphne_guard).
ATELIER_MAX_REQUEST_BYTES = env_int(
    "ATELIER_MAX_REQUEST_BYTES",
    17 * ATELIER_MAX_UPLOAD_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE,
    minimum=64 * 1024,
)
# Uploads (bodies over FILE_UPLOAD_MAX_MEMORY_SIZE) handled at once; the others wait, their bodies on disk.
ATELIER_UPLOAD_CONCURRENCY = env_int("ATELIER_UPLOAD_CONCURRENCY", 4, minimum=1, maximum=256)
# What a visitor who is not signed in may send: the login form, with room to spare. No uploads at all.
ATELIER_ANONYMOUS_MAX_BODY_BYTES = env_int("ATELIER_ANONYMOUS_MAX_BODY_BYTES", 64 * 1024, minimum=4096)

# OpenAI. With no key, Atelier talks to its own emulator (make run starts it) through the same SDK code.
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = env_url("OPENAI_BASE_URL", "", schemes=("http", "https"))
if not OPENAI_API_KEY and not OPENAI_BASE_URL:
    OPENAI_BASE_URL = "http://127.0.0.1:8100/v1"
ATELIER_OPENAI_TIMEOUT = env_float("ATELIER_OPENAI_TIMEOUT", 600.0, minimum=0.1)
ATELIER_OPENAI_CONNECT_TIMEOUT = env_float("ATELIER_OPENAI_CONNECT_TIMEOUT", 5.0, minimum=0.1)
ATELIER_OPENAI_MAX_RETRIES = env_int("ATELIER_OPENAI_MAX_RETRIES", 2, minimum=0, maximum=10)
ATELIER_OPENAI_EXTRA_HEADERS = env_json("ATELIER_OPENAI_EXTRA_HEADERS", {}, of=dict)

# Jobs: "embedded" runs them on the server's own event loop; "workers" leaves them to `manage.py run_worker`
# processes (several web processes need this, with PostgreSQL and Redis); "inline" runs each as it is
# queued (tests). A worker runs up to ATELIER_JOB_CONCURRENCY at once, within the upstream rate limits.
ATELIER_JOB_RUNNER = env_choice("ATELIER_JOB_RUNNER", "embedded", choices=("embedded", "workers", "inline"))
ATELIER_JOB_LEASE_SECONDS = env_int("ATELIER_JOB_LEASE_SECONDS", 30, minimum=3, maximum=3600)
ATELIER_JOB_CONCURRENCY = env_int("ATELIER_JOB_CONCURRENCY", 100, minimum=1, maximum=1000)
# Requests and images per minute per model, e.g. {"gpt-image-2": {"rpm": 50, "ipm": 50}, "*": {...}}.
ATELIER_RATE_LIMITS = env_json("ATELIER_RATE_LIMITS", {}, of=dict)
ATELIER_MAINLINE_MODEL = os.environ.get("ATELIER_MAINLINE_MODEL", "gpt-5.4").strip()
if _pricing.mainline_prices(ATELIER_MAINLINE_MODEL) is None:
    # Its usage would be costed at a guess: budgets and the admin's figures need its real prices.
    raise ImproperlyConfigured(
        f"ATELIER_MAINLINE_MODEL must be one of {', '.join(_pricing.MAINLINE_MODELS)} (or a dated snapshot of "
        f"one), the models Atelier has prices for; not {ATELIER_MAINLINE_MODEL!r}."
    )
# Prompt checks: also ask OpenAI's moderation endpoint (free) about a prompt as it is typed and sent.
ATELIER_PROMPT_MODERATION = env_bool("ATELIER_PROMPT_MODERATION", True)

# The API (/api/v1/): requests per minute per key (counted in the default cache: one per process unless a
# shared cache is configured), and whether webhooks may go to loopback and private addresses (development).
ATELIER_API_RATE_LIMIT = env_int("ATELIER_API_RATE_LIMIT", 120, minimum=1)
ATELIER_WEBHOOK_ALLOW_PRIVATE = env_bool("ATELIER_WEBHOOK_ALLOW_PRIVATE", False)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
        # django-axes logs every login at INFO; lockouts (WARNING) are what an admin needs to see.
        "axes": {"level": "WARNING"},
    },
}
