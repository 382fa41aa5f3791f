"""Remove background: a cut-out of one of your images, previewed on a checkerboard as the matte is tightened
or loosened, and saved as a new image linked to the original (which is kept)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from studio.core import cutouts
from studio.core.matte import MatteError
from studio.models import ImageAsset
from studio.overlay_forms import CutoutForm


def _get_image(request: HttpRequest, pk: int) -> ImageAsset:
    """The signed-in user's image from the gallery (a final, an upload or one made from them), or 404."""
    images = ImageAsset.objects.for_user(request.user).in_gallery().select_related("job")
    return get_object_or_404(images, pk=pk)


def _context(image: ImageAsset, form: CutoutForm) -> dict:
    return {
        "image": image,
        "form": form,
        "background": cutouts.background_of(image),
        "preview_side": cutouts.PREVIEW_SIDE,
        "cutouts": image.derivatives.filter(kind=ImageAsset.Kind.CUTOUT).order_by("-created_at"),
    }


@require_GET
def cutout_page(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    return render(request, "studio/cutout.html", _context(image, CutoutForm()))


@require_POST
def cutout_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The cut-out at the slider's tightness, on a checkerboard (the fragment the slider swaps in)."""
    image = _get_image(request, pk)
    form = CutoutForm(request.POST)
    context = {"image": image, "form": form, "preview": ""}
    if form.is_valid():
        try:
            data = cutouts.preview_cutout(image, cutouts.background_of(image), form.matte_tightness)
        except MatteError as exc:
            form.add_error(None, exc.message)
        else:
            context["preview"] = "data:image/png;base64," + base64.b64encode(data).decode()
    status = 200 if form.is_valid() else 422
    return TemplateResponse(request, "studio/_cutout_preview.html", context, status=status)


@require_POST
def cutout_save(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    form = CutoutForm(request.POST)
    if form.is_valid():
        try:
            cutout = cutouts.save_cutout(
                image, cutouts.background_of(image), form.matte_tightness, form.cleaned_data["output_format"]
            )
        except MatteError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Saved the cut-out as image #{cutout.pk}; the original is kept.")
            return redirect("image_cutout", pk=image.pk)
    return render(request, "studio/cutout.html", _context(image, form), status=422)
