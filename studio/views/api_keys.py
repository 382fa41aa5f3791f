"""The API page: a user's keys (made and shown once, revoked), their webhook endpoints (secret shown once),
and examples to copy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from studio.core import api_keys, webhooks
from studio.integration_forms import ApiKeyForm, WebhookEndpointForm
from studio.models import ApiKey, WebhookEndpoint


def _page(request: HttpRequest, status: int = 200, **context) -> HttpResponse:
    context.setdefault("key_form", ApiKeyForm())
    context.setdefault("webhook_form", WebhookEndpointForm())
    context["keys"] = ApiKey.objects.for_user(request.user)
    context["endpoints"] = WebhookEndpoint.objects.filter(owner=request.user)
    context["api_base"] = request.build_absolute_uri("/api/v1")
    return render(request, "studio/api.html", context, status=status)


@require_GET
def api_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def create_key(request: HttpRequest) -> HttpResponse:
    """Make a key and show it, this once (the page is rendered, not redirected to, so a reload cannot)."""
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, status=422, key_form=form)
    key, raw = api_keys.create_api_key(request.user, form.cleaned_data["name"])
    return _page(request, new_key=raw, new_key_row=key)


@require_POST
def revoke_key(request: HttpRequest, pk: int) -> HttpResponse:
    api_keys.revoke(get_object_or_404(ApiKey.objects.for_user(request.user), pk=pk))
    return redirect("api_keys")


@require_POST
def create_webhook(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhooks.create_endpoint(request.user, **form.cleaned_data)
        except webhooks.InvalidEndpoint as exc:
            form.add_error(exc.field, exc.message)
        else:
            return _page(request, new_endpoint=endpoint)
    return _page(request, status=422, webhook_form=form)


@require_POST
def delete_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(WebhookEndpoint.objects.filter(owner=request.user), pk=pk).delete()
    return redirect("api_keys")
