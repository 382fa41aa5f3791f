"""Exact text on an image: text boxes placed and styled in the browser, rendered by the server (the preview is
the server's own render, so the export is exactly what was shown), exported as a new image that keeps its
layers editable."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from studio.core import overlays
from studio.core.text_layers import TextLayerError
from studio.models import ImageAsset
from studio.overlay_forms import LayerControlsForm, TextLayersForm


def _get_image(request: HttpRequest, pk: int) -> ImageAsset:
    """The signed-in user's image from the gallery, or 404."""
    images = ImageAsset.objects.for_user(request.user).in_gallery().select_related("job", "derived_from")
    return get_object_or_404(images, pk=pk)


def _page(request: HttpRequest, image: ImageAsset, form: TextLayersForm, status: int = 200) -> HttpResponse:
    base, layers = overlays.base_and_layers(image)
    if form.is_bound and form.is_valid():
        layers = form.cleaned_data["layers"]
    context = {
        "image": image,
        "base": base,
        "form": form,
        "controls": LayerControlsForm(),
        "layers_json": json.dumps([layer.to_dict() for layer in layers]),
        "preview": overlays.preview_data_url(base, layers),
    }
    return render(request, "studio/text_editor.html", context, status=status)


@require_GET
def text_editor(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    try:
        return _page(request, image, TextLayersForm(initial={"output_format": "png"}))
    except TextLayerError as exc:  # stored layers no longer valid (a font removed): start again from the base
        messages.error(request, f"The stored text layers could not be read ({exc.message}).")
        return _page(request, image.derived_from or image, TextLayersForm())


@require_POST
def text_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The server's render of the posted layers (the fragment the editor swaps in after every change)."""
    base, _ = overlays.base_and_layers(_get_image(request, pk))
    form = TextLayersForm(request.POST)
    context = {"form": form, "base": base, "preview": ""}
    if form.is_valid():
        context["preview"] = overlays.preview_data_url(base, form.cleaned_data["layers"])
        # Which layers this render shows, so that a page (or a test) can tell a late answer from the latest.
        context["rendered"] = hashlib.sha256(form.data["layers"].encode()).hexdigest()[:16]
    return TemplateResponse(
        request, "studio/_text_preview.html", context, status=200 if form.is_valid() else 422
    )


@require_POST
def text_room_prompt(request: HttpRequest, pk: int) -> HttpResponse:
    """The "leave room for text" prompt addition for the posted boxes."""
    base, _ = overlays.base_and_layers(_get_image(request, pk))
    form = TextLayersForm(request.POST)
    prompt = overlays.room_for_text_prompt(base, form.cleaned_data["layers"]) if form.is_valid() else ""
    return TemplateResponse(
        request, "studio/_room_prompt.html", {"form": form, "prompt": prompt}, status=200 if prompt else 422
    )


@require_POST
def text_export(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    base, _ = overlays.base_and_layers(image)
    form = TextLayersForm(request.POST)
    if form.is_valid() and not form.cleaned_data["layers"]:
        form.add_error("layers", "Add a text box first.")
    if not form.is_valid():
        return _page(request, image, form, status=422)
    exported = overlays.save_overlay(base, form.cleaned_data["layers"], form.cleaned_data["output_format"])
    messages.success(request, f"Exported image #{exported.pk} with its text; its layers stay editable here.")
    return redirect("image_text", pk=exported.pk)
