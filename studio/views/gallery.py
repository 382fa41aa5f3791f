"""The gallery: every finished image and upload of the user, filtered and searched, with favourites and delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from studio.core import cache
from studio.core.storage import delete_assets
from studio.forms import GalleryFilterForm
from studio.models import ImageAsset

PAGE_SIZE = 48


def _get_image(request: HttpRequest, pk: int) -> ImageAsset:
    """The signed-in user's image, or 404."""
    return get_object_or_404(ImageAsset.objects.for_user(request.user), pk=pk)


def _previews_of(image: ImageAsset) -> list[ImageAsset]:
    """The partial images that previewed a final image: they go with it, so no page falls back to a
    blurry preview of an image that was deleted."""
    if image.job_id is None or image.kind != ImageAsset.Kind.FINAL:
        return []
    return list(
        ImageAsset.objects.filter(
            job_id=image.job_id, kind=ImageAsset.Kind.PARTIAL, output_index=image.output_index
        )
    )


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    form = GalleryFilterForm(request.GET)
    # A cache hit's images (finals, cut-outs) are copies of earlier rows (same file): the gallery shows the
    # original only.
    original = ImageAsset.objects.filter(
        job=OuterRef("job__cached_from"), sha256=OuterRef("sha256"), kind=OuterRef("kind")
    )
    images = ImageAsset.objects.for_user(request.user).in_gallery().exclude(Exists(original))
    images = form.filter(images.select_related("job"))
    page = Paginator(images.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "studio/gallery.html", context)


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
        delete_assets([image, *cache.copies_of(image), *_previews_of(image)])
    if request.htmx:
        return HttpResponse("")
    messages.success(request, "Image deleted.")
    return redirect("gallery")
