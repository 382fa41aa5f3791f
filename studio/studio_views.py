"""The Studio (Image API generations and edits, live) and the gallery."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from studio import budgets, pricing, services, sizes
from studio.assets import delete_assets
from studio.jobs import cancel_job, retry_job
from studio.models import GenerationJob, ImageAsset
from studio.studio_forms import FinalizeForm, GalleryFilterForm, StudioForm

STUDIO_KINDS = (GenerationJob.Kind.IMAGE_GENERATE, GenerationJob.Kind.IMAGE_EDIT)
GALLERY_PAGE_SIZE = 48


def studio_jobs(user):
    return (
        GenerationJob.objects.for_user(user)
        .filter(kind__in=STUDIO_KINDS)
        .prefetch_related("images", "usage_records")
        .select_related("draft_of", "cached_from")
    )


def _get_job(request: HttpRequest, pk: int) -> GenerationJob:
    """The signed-in user's Studio job, or 404."""
    return get_object_or_404(studio_jobs(request.user), pk=pk)


def _page(request: HttpRequest, form: StudioForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "jobs": studio_jobs(request.user)[:12],
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
        inputs, mask = form.save_inputs()
        try:
            job = services.start_image_job(
                request.user, form.image_options(), inputs=inputs, mask=mask, fresh=form.cleaned_data["fresh"]
            )
        except budgets.BudgetExceeded as exc:
            delete_assets(
                [image for image in [*inputs, mask] if image and image.kind != ImageAsset.Kind.FINAL]
            )
            form.add_error(None, exc.message)
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
    form = StudioForm(request.GET, owner=request.user)
    form.is_valid()  # an estimate needs only the options that are valid; the rest keep their defaults
    data = {**{name: field.initial for name, field in form.fields.items()}, **form.cleaned_data}
    if request.GET.get("action") == "draft":
        data["quality"] = "low"
    picked = list(data.get("gallery_images") or [])
    uploads = int(request.GET.get("upload_count") or 0)
    result = pricing.estimate(
        data.get("model") or sizes.DEFAULT_MODEL,
        data.get("quality") or "auto",
        data.get("size") if "size" not in form.errors else "1024x1024",
        n=data.get("n") or 1,
        partial_images=data.get("partial_images") or 0,
        input_images=[(image.width, image.height) for image in picked] + [(1024, 1024)] * uploads,
        prompt=data.get("prompt") or "",
    )
    exact = result.is_exact and not uploads and "size" not in form.errors
    return TemplateResponse(request, "studio/_estimate.html", {"estimate": result, "exact": exact})


@require_GET
def job_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    return TemplateResponse(request, "studio/_job.html", {"job": _get_job(request, pk)})


@require_POST
def finalize(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _get_job(request, pk)
    form = FinalizeForm(request.POST)
    size = request.POST.get("size") or None
    if not form.is_valid() or (size and not sizes.check_size(draft.image_model, size).ok):
        messages.error(request, f"Choose a size {draft.image_model} can make, and PNG, JPEG or WebP.")
        return _job_or_redirect(request, draft)
    try:
        final = services.finalize(draft, size=size, output_format=form.cleaned_data["output_format"] or None)
    except budgets.BudgetExceeded as exc:
        messages.error(request, exc.message)
        return _job_or_redirect(request, draft)
    if request.htmx:
        response = TemplateResponse(request, "studio/_job_item.html", {"job": _get_job(request, final.pk)})
        return reswap(retarget(response, "#jobs"), "afterbegin")
    return redirect("studio")


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


# -- Gallery ------------------------------------------------------------------------------------------


def gallery_images(user, filters: dict):
    """The user's finished images and uploads, newest first, filtered; thumbnails only in the page."""
    images = (
        ImageAsset.objects.for_user(user)
        .filter(kind__in=[ImageAsset.Kind.FINAL, ImageAsset.Kind.UPLOAD])
        .select_related("job", "job__turn")
    )
    source = filters.get("source")
    if source == "studio":
        images = images.filter(job__kind__in=STUDIO_KINDS)
    elif source == "conversation":
        images = images.filter(job__kind=GenerationJob.Kind.RESPONSE)
    elif source == "upload":
        images = images.filter(kind=ImageAsset.Kind.UPLOAD)
    if filters.get("model"):
        model = filters["model"]
        images = images.filter(
            Q(job__request__params__model=model) | Q(job__request__params__tool__model=model)
        )
    if filters.get("quality"):
        quality = filters["quality"]
        images = images.filter(
            Q(job__request__params__quality=quality) | Q(job__request__params__tool__quality=quality)
        )
    if filters.get("since"):
        images = images.filter(created_at__date__gte=filters["since"])
    if filters.get("favourites"):
        images = images.filter(favourite=True)
    if filters.get("q"):
        words = filters["q"]
        images = images.filter(
            Q(job__request__params__prompt__icontains=words) | Q(job__turn__prompt__icontains=words)
        )
    return images.order_by("-created_at", "-pk")


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    form = GalleryFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(gallery_images(request.user, filters), GALLERY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "studio/gallery.html",
        {"form": form, "page": page, "query": query.urlencode(), "models": sizes.offered_models()},
    )


def _get_image(request: HttpRequest, pk: int) -> ImageAsset:
    return get_object_or_404(ImageAsset.objects.for_user(request.user), pk=pk)


@require_POST
def toggle_favourite(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    image.favourite = not image.favourite
    image.save(update_fields=["favourite"])
    if request.htmx:
        return TemplateResponse(request, "studio/_favourite.html", {"image": image})
    return redirect("gallery")


@require_POST
def delete_image(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    with transaction.atomic():
        delete_assets([image])
    if request.htmx:
        return HttpResponse("")
    messages.success(request, "Image deleted.")
    return redirect("gallery")
