"""Prompt checks as the user types and sends, the ways around a moderation block on a Studio job or a turn
(the turn's own "send" and "retry" live in conversations.fallbacks), the fallback library's images, and
the text check of an image whose prompt quoted text."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from studio.core import budgets, fallbacks, ocr, prompt_checks
from studio.core.errors import ModelServiceError
from studio.core.jobs import queue_job
from studio.core.requests import PROMPT_MAX, InvalidRequest
from studio.models import FallbackImage, GenerationJob, ImageAsset

PANEL = "studio/_fallbacks.html#panel"


class PromptCheckForm(forms.Form):
    prompt = forms.CharField(required=False, strip=False)


class RephrasedPromptForm(forms.Form):
    prompt = forms.CharField(
        max_length=PROMPT_MAX,
        label="Rephrased prompt",
        error_messages={"required": "Write a prompt first."},
    )


@require_POST
def prompt_check(request: HttpRequest) -> HttpResponse:
    """The prompt's checks, as a fragment for the form (POST: a prompt may be longer than a URL)."""
    form = PromptCheckForm(request.POST)
    form.is_valid()
    prompt = form.cleaned_data.get("prompt") or ""
    check = prompt_checks.check_prompt(prompt) if prompt.strip() else None
    return TemplateResponse(request, "studio/_prompt_check.html", {"check": check})


def get_blocked_job(request: HttpRequest, pk: int) -> GenerationJob:
    """The signed-in user's job that moderation blocked, or 404."""
    job = get_object_or_404(GenerationJob.objects.for_user(request.user).select_related("owner"), pk=pk)
    if not fallbacks.is_blocked(job):
        raise Http404("This job was not blocked by moderation.")
    return job


def render_panel(request: HttpRequest, job: GenerationJob, **extra) -> HttpResponse:
    closest = fallbacks.closest_images(job)
    context = {
        "job": job,
        "rephrasing": job.rephrasings.first(),
        "gallery": closest.gallery,
        "library": closest.library,
        "may_retry_low": fallbacks.may_retry_low(job),
        "mainline_model": fallbacks.mainline_model_for(job),
        "turn": getattr(job, "turn", None) if job.kind == GenerationJob.Kind.RESPONSE else None,
        **extra,
    }
    return TemplateResponse(request, PANEL, context)


@require_GET
def fallback_panel(request: HttpRequest, pk: int) -> HttpResponse:
    return render_panel(request, get_blocked_job(request, pk))


@require_POST
def rephrase(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the mainline model for a rephrased prompt (a cheap text call, recorded as the job's usage)."""
    job = get_blocked_job(request, pk)
    try:
        fallbacks.suggest_rephrasing(job)
    except ModelServiceError as exc:
        return render_panel(request, job, error=exc.message)
    return render_panel(request, job)


def _queued(request: HttpRequest, job: GenerationJob, new_request, resolution: str) -> HttpResponse:
    """Queue a Studio job in place of the blocked one, record the way taken, and show the Studio."""
    try:
        queue_job(job.owner, new_request)
    except budgets.BudgetExceeded as exc:
        return render_panel(request, job, error=exc.message)
    except InvalidRequest as exc:
        return render_panel(request, job, error=exc.message)
    fallbacks.resolve(job, resolution)
    return HttpResponseClientRedirect("/studio/") if request.htmx else redirect("studio")


def _studio_job(job: GenerationJob) -> GenerationJob:
    if job.kind == GenerationJob.Kind.RESPONSE:
        raise Http404("A conversation turn is sent again from its conversation.")
    return job


@require_POST
def send_rephrased(request: HttpRequest, pk: int) -> HttpResponse:
    job = _studio_job(get_blocked_job(request, pk))
    form = RephrasedPromptForm(request.POST)
    if not form.is_valid():
        return render_panel(request, job, error=" ".join(form.errors["prompt"]))
    new_request = fallbacks.rephrased_request(job, form.cleaned_data["prompt"])
    return _queued(request, job, new_request, GenerationJob.BlockResolution.REPHRASED)


@require_POST
def retry_low(request: HttpRequest, pk: int) -> HttpResponse:
    job = _studio_job(get_blocked_job(request, pk))
    if not fallbacks.may_retry_low(job):
        return HttpResponseForbidden("Low moderation is not allowed for this job.")
    new_request = fallbacks.low_moderation_request(job)
    return _queued(request, job, new_request, GenerationJob.BlockResolution.RETRIED_LOW)


@require_POST
def use_gallery_image(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    job = get_blocked_job(request, pk)
    image = get_object_or_404(ImageAsset.objects.for_user(request.user).in_gallery(), pk=image_pk)
    return render_panel(request, job, picked=fallbacks.use_gallery_image(job, image))


@require_POST
def use_library_image(request: HttpRequest, pk: int, fallback_pk: int) -> HttpResponse:
    job = get_blocked_job(request, pk)
    item = get_object_or_404(FallbackImage.objects.approved(), pk=fallback_pk)
    image = fallbacks.use_library_image(job, item)
    messages.success(request, f"“{item.title}” is in your gallery now.")
    return render_panel(request, job, picked=image)


@require_GET
def fallback_image_file(request: HttpRequest, pk: int) -> FileResponse:
    """An approved library image, for any signed-in user to look at before picking it (any, for staff)."""
    items = FallbackImage.objects.all() if request.user.is_staff else FallbackImage.objects.approved()
    item = get_object_or_404(items, pk=pk)
    response = FileResponse(item.image.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def text_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The text check of one of the user's finished images (read on first view, then kept)."""
    image = get_object_or_404(ImageAsset.objects.for_user(request.user).finals().select_related("job"), pk=pk)
    check = ocr.check_image(image)
    return TemplateResponse(request, "studio/_fallbacks.html#text_check", {"image": image, "check": check})
