"""The Studio: Image API generations and edits, live, with Stop and Retry (Finalize: views/finalize.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from studio.core import budgets, pricing, sizes
from studio.core.jobs import cancel_job, queue_job, retry_job
from studio.core.requests import InvalidRequest
from studio.core.storage import atomic_with_files
from studio.core.writers import one_writer_at_a_time
from studio.forms import EstimateForm, StudioForm
from studio.models import GenerationJob

RECENT_JOBS = 12


def _get_job(request: HttpRequest, pk: int) -> GenerationJob:
    """The signed-in user's Studio job, or 404."""
    return get_object_or_404(GenerationJob.objects.for_user(request.user).in_studio(), pk=pk)


def _page(request: HttpRequest, form: StudioForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "jobs": GenerationJob.objects.for_user(request.user).in_studio()[:RECENT_JOBS],
        "transparency_note": sizes.TRANSPARENCY_NOTE,
        "gallery_choices": form.fields["gallery_images"].queryset.order_by("-created_at")[:24],
    }
    return render(request, "studio/studio.html", context, status=status)


@require_GET
def studio(request: HttpRequest) -> HttpResponse:
    return _page(request, StudioForm(owner=request.user, initial={"quality": "low"}))


@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    data = request.POST.copy()
    if request.POST.get("action") == "draft":
        data["quality"] = "low"
    form = StudioForm(data, request.FILES, owner=request.user)
    if form.is_valid():
        try:
            # The writers' queue before the transaction, as for a conversation's turn (conversations/views.py).
            # A refusal takes the new uploads and mask away, rows and files; the picked images stay.
            with one_writer_at_a_time(new_work=True), atomic_with_files():
                inputs, mask = form.save_inputs()
                job = queue_job(
                    request.user, form.image_request(inputs, mask), fresh=form.cleaned_data["fresh"]
                )
        except budgets.BudgetExceeded as exc:
            form.add_error(None, exc.message)
        except InvalidRequest as exc:  # the form checks the core's rules first: this is the core's last word
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if request.htmx:
                return TemplateResponse(request, "studio/_job_item.html", {"job": _get_job(request, job.pk)})
            return redirect("studio")
    if request.htmx:
        response = TemplateResponse(request, "studio/_studio_form.html", {"form": form}, status=422)
        return reswap(retarget(response, "#studio-form"), "outerHTML")
    return _page(request, form, status=422)


@require_GET
def estimate(request: HttpRequest) -> HttpResponse:
    """The cost of what the form would send, updated as the options change."""
    form = EstimateForm(request.GET, owner=request.user)
    form.is_valid()  # an estimate needs only the options that are valid; the rest keep their defaults
    if "upload_count" in form.errors:
        return HttpResponseBadRequest(" ".join(form.errors["upload_count"]))
    data = {**{name: field.initial for name, field in form.fields.items()}, **form.cleaned_data}
    uploads, n, partials = data.get("upload_count") or 0, data.get("n") or 1, data.get("partial_images") or 0
    inputs = [(i.width, i.height) for i in data.get("gallery_images") or []] + [(1024, 1024)] * uploads
    streams = n if partials and n > 1 else 1  # live variants are n streams, each sending the inputs again
    quality = data.get("quality") or "auto"

    def price(quality: str) -> pricing.Estimate:
        return pricing.estimate(
            data.get("model") or sizes.DEFAULT_MODEL,
            quality,
            data.get("size") if "size" not in form.errors else "1024x1024",
            n=n,
            partial_images=partials,
            input_images=inputs * streams,
            prompt=data.get("prompt") or "",
        )

    result, draft = price(quality), price("low")  # "Draft" sends the same at low quality, whatever is chosen
    tabled = not uploads and "size" not in form.errors
    context = {
        "estimate": result,
        "quality": quality,
        "draft": draft,
        "exact": result.is_exact and tabled,
        "draft_exact": draft.is_exact and tabled,
        "streams": streams,
        "resent_inputs": bool(inputs) and streams > 1,
    }
    return TemplateResponse(request, "studio/_estimate.html", context)


@require_GET
def job_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    return TemplateResponse(request, "studio/_job.html", {"job": _get_job(request, pk)})


def _job_or_redirect(request: HttpRequest, job: GenerationJob) -> HttpResponse:
    if request.htmx:
        return TemplateResponse(request, "studio/_job.html", {"job": _get_job(request, job.pk)})
    return redirect("studio")


@require_POST
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    cancel_job(job)
    return _job_or_redirect(request, job)


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    try:
        retry_job(job)
    except budgets.BudgetExceeded as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return TemplateResponse(request, "studio/_job_item.html", {"job": _get_job(request, job.pk)})
    return redirect("studio")
