"""ASGI entry point: HTTP to Django (static files included), websockets through Channels."""

from __future__ import annotations

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

# Django must be set up before the consumers (and the models they import) are loaded; then Django's ASGI
# handler, as `get_asgi_application()` makes it, but with one thread hop a request (see asgi_handler).
django.setup(set_prefix=False)

from studio.asgi_handler import OneHopASGIHandler  # noqa: E402

django_asgi_app = OneHopASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from studio.bodylimit import RequestBodyLimit  # noqa: E402
from studio.core.worker import StartsEmbeddedWorker  # noqa: E402
from studio.routing import websocket_urlpatterns  # noqa: E402
from studio.session_sockets import SameOriginOnly  # noqa: E402

# Served by Daphne (its command line and runserver load daphne.server before this module): bound its
# requests from the headers on. Elsewhere (another ASGI server, the tests) Daphne is left alone.
if "daphne.server" in sys.modules:
    from studio import daphne_guard

    daphne_guard.install()

# Jobs run on this server's event loop (the embedded worker, started with the first connection) unless
# ATELIER_JOB_RUNNER=workers hands them to `manage.py run_worker` processes.
application = StartsEmbeddedWorker(
    ProtocolTypeRouter(
        {
            "http": RequestBodyLimit(ASGIStaticFilesHandler(django_asgi_app)),
            "websocket": SameOriginOnly(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
