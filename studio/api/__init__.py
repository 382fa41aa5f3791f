"""Atelier's programmatic API, `/api/v1/`: the same core as the pages (queue_job, budgets, the cache,
usage), for scripts, with API keys, long polling, signed webhooks and an OpenAPI document.

Built with django-ninja: the OpenAPI document comes from the operations' type hints and schemas, and its
Swagger UI page is served from ninja's own static files (no CDN; no inline script).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from studio.api import conversations, errors, jobs, openapi, webhooks
from studio.api.auth import ApiKeyAuth, PerKeyRateLimit
from studio.api.parser import JsonParser

DESCRIPTION = """Generate and edit images, and hold conversations, through Atelier: its budgets, cache,
moderation handling and usage records apply as on the pages. Send your key (made on the API page) as
`Authorization: Bearer atl_...`. Jobs are asynchronous: poll `GET /api/v1/jobs/{id}?wait=30`, or register
a webhook. URLs in answers are paths on this Atelier."""


class AtelierAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs) -> dict:
        return openapi.describe_errors(super().get_openapi_schema(*args, **kwargs))


api = AtelierAPI(
    title="Atelier API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ApiKeyAuth(),
    throttle=[PerKeyRateLimit()],
    parser=JsonParser(),
    openapi_extra={"webhooks": openapi.WEBHOOKS},
)
errors.install(api)
api.add_router("", jobs.router)
api.add_router("", conversations.router)
api.add_router("", webhooks.router)


def urls() -> tuple:
    """The API's URLs, for `path("api/v1/", api.urls())`. Keys, not sessions, sign requests in, so the site's login
    requirement does not apply (the docs and the OpenAPI document are public)."""
    patterns, app_name, namespace = api.urls
    # ninja's root page (its name places the API's URLs in the OpenAPI document) answers an HTML 404: ours
    # answers it, and last of all any path that is no endpoint, in the API's JSON shape.
    unknown = csrf_exempt(errors.unknown_path)
    patterns = [path("", unknown, name="api-root") if p.name == "api-root" else p for p in patterns]
    patterns.append(re_path(r"^(?P<path>.*)$", unknown))
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns, app_name, namespace
