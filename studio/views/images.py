"""Image files, served only to their owner (full size, thumbnail, download in any format), and live size checks."""

from __future__ import annotations

import io

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from studio.core import imaging, sizes
from studio.core.storage import THUMBNAIL_WIDTHS, add_thumbnail, sized_thumbnail
from studio.models import ImageAsset
from studio.query_forms import DownloadQueryForm, QueryForm, SizeCheckQueryForm


def _get_image(request: HttpRequest, pk: int) -> ImageAsset:
    """The signed-in user's image, or 404: images are served only to their owner."""
    return get_object_or_404(ImageAsset.objects.for_user(request.user), pk=pk)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, max_age=31536000, immutable=True)
    return response


@require_GET
def image_file(request: HttpRequest, pk: int) -> FileResponse:
    image = _get_image(request, pk)
    return _private(FileResponse(image.file.open("rb"), content_type=f"image/{image.format}"))


class ThumbnailQueryForm(QueryForm):
    """/images/<id>/thumb: `w`, one of the sized widths (for srcset); none gives the list thumbnail."""

    w = forms.TypedChoiceField(
        choices=[(str(width), str(width)) for width in THUMBNAIL_WIDTHS],
        coerce=int,
        required=False,
        empty_value=None,
    )


@require_GET
def image_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    image = _get_image(request, pk)
    query = ThumbnailQueryForm(request.GET)
    if not query.is_valid():
        return query.bad_request()
    width = query.cleaned_data["w"]
    if width is not None:
        name = sized_thumbnail(image, width)
        return _private(FileResponse(image.file.storage.open(name, "rb"), content_type="image/webp"))
    if not image.thumbnail:
        add_thumbnail(image)  # made on first use: generating one is off the streaming path
    return _private(FileResponse(image.thumbnail.open("rb"), content_type="image/webp"))


@require_GET
def image_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The original in its own format, or converted to the format asked for (?format=png|jpeg|webp)."""
    image = _get_image(request, pk)
    query = DownloadQueryForm(request.GET)
    if not query.is_valid():
        return query.bad_request()
    wanted = query.cleaned_data["format"] or image.format
    name = f"atelier-{image.pk}.{'jpg' if wanted == 'jpeg' else wanted}"
    if wanted == image.format:
        return FileResponse(image.file.open("rb"), as_attachment=True, filename=name)
    with image.file.open("rb") as handle:
        data = imaging.convert_format(handle.read(), wanted, None)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=f"image/{wanted}")


@require_GET
def size_check(request: HttpRequest) -> JsonResponse:
    """Live size validation for the forms: the same rules the server applies when a job is sent."""
    query = SizeCheckQueryForm(request.GET)
    if not query.is_valid():
        errors = [" ".join(messages) for messages in query.errors.values()]
        return JsonResponse({"ok": False, "errors": errors, "nearest": None}, status=400)
    model, size = query.cleaned_data["model"], query.cleaned_data["size"]
    check = sizes.check_size(model, size)
    nearest = None
    if not check.ok and check.width and check.height:
        width, height = sizes.nearest_valid_size(model, check.width, check.height)
        nearest = f"{width}x{height}"
    return JsonResponse(
        {"ok": check.ok, "errors": check.errors, "nearest": nearest, "experimental": check.experimental}
    )
