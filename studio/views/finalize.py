"""Finalize: a draft made final, with its price shown before sending.

Two choices, one form: "Finalize" sends the picked image itself as the input of a high-quality edit (one
image, kept as it is); "Re-run the prompt at high quality" sends the draft's request again at high quality
(all its images, new ones). Both go through `queue_job` (budget, cache, usage) and are linked to the draft.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from studio.core import budgets, sizes
from studio.core.jobs import estimate_cost, owned_images, queue_job
from studio.finalize_forms import FinalizeForm
from studio.models import GenerationJob, ImageAsset


def _get_image(request: HttpRequest, pk: int) -> ImageAsset:
    """One of the signed-in user's finished images that a job made, or 404."""
    images = ImageAsset.objects.for_user(request.user).finals().filter(job__isnull=False)
    return get_object_or_404(images.select_related("job"), pk=pk)


def _get_studio_job(request: HttpRequest, pk: int) -> GenerationJob:
    return get_object_or_404(GenerationJob.objects.for_user(request.user).in_studio(), pk=pk)


@require_http_methods(["GET", "POST"])
def finalize_image(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form to finish this image at high quality; POST: send it."""
    image = _get_image(request, pk)
    return _finalize(request, image.job, image)


@require_http_methods(["GET", "POST"])
def rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form to run a Studio draft's prompt again at high quality; POST: send it."""
    return _finalize(request, _get_studio_job(request, pk), None)


@require_GET
def finalize_image_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    return _estimate(request, _make_form(image.job, image, request.GET))


@require_GET
def rerun_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    return _estimate(request, _make_form(_get_studio_job(request, pk), None, request.GET))


def _finalize(request: HttpRequest, draft: GenerationJob, image: ImageAsset | None) -> HttpResponse:
    if request.method == "GET":
        return _form(request, _make_form(draft, image))
    form = _make_form(draft, image, request.POST)
    if form.is_valid():
        try:
            final = queue_job(request.user, form.final_request(), draft_of=draft)
        except budgets.BudgetExceeded as exc:
            form.add_error(None, exc.message)
        else:
            if not request.htmx:
                return redirect("studio")
            job = GenerationJob.objects.for_user(request.user).get(pk=final.pk)
            response = TemplateResponse(request, "studio/_finalized.html", {"job": job, "draft": draft})
            return reswap(retarget(response, "#jobs"), "afterbegin")
    # Bad input answers in place, in the form that was sent: never a new card.
    response = _form(request, form, status=422)
    return reswap(retarget(response, f"#{_form_id(draft, image)}"), "outerHTML") if request.htmx else response


def _form(request: HttpRequest, form: FinalizeForm, status: int = 200) -> HttpResponse:
    draft, image = form.draft, form.image
    if image is None:
        urls = (
            reverse("studio_finalize", args=[draft.pk]),
            reverse("studio_finalize_estimate", args=[draft.pk]),
        )
    else:
        urls = reverse("image_finalize", args=[image.pk]), reverse("image_finalize_estimate", args=[image.pk])
    context = {
        "form": form,
        "draft": draft,
        "image": image,
        "form_id": _form_id(draft, image),
        "action_url": urls[0],
        "estimate_url": urls[1],
        "estimate": _cost(request, form) if form.is_bound else _cost(request, _initial(form)),
        "size_presets": sizes.PRESETS,
    }
    template = "studio/_finalize_form.html" if request.htmx else "studio/finalize.html"
    return TemplateResponse(request, template, context, status=status)


def _initial(form: FinalizeForm) -> FinalizeForm:
    """The unbound form's choices, validated, so the price is shown with the form."""
    return _make_form(form.draft, form.image, form.initial)


def _estimate(request: HttpRequest, form: FinalizeForm) -> HttpResponse:
    return TemplateResponse(request, "studio/_finalize_estimate.html", {"estimate": _cost(request, form)})


def _cost(request: HttpRequest, form: FinalizeForm) -> dict | None:
    """What sending this form reserves from the budget (the core's own estimate), or None while invalid."""
    if not form.is_valid():
        return None
    final = form.final_request()
    cost = estimate_cost(final, owned_images(request.user, final.input_image_ids))
    return {"cost_usd": cost, "n": final.n, "size": final.options.size, "format": final.options.output_format}


def _make_form(draft: GenerationJob, image: ImageAsset | None, data=None) -> FinalizeForm:
    # Several Finalize forms may be open beside the Studio form: ids of their own.
    return FinalizeForm(data, draft=draft, image=image, auto_id=f"{_form_id(draft, image)}-%s")


def _form_id(draft: GenerationJob, image: ImageAsset | None) -> str:
    return f"finalize-image-{image.pk}" if image is not None else f"rerun-{draft.pk}"
