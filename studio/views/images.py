"""Image files, served only to their owner (full size, thumbnail, download in any format), and live size checks."""

from __future__ import annotations

import io

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from studio.core import imaging, sizes
from studio.core.storage import add_thumbnail
from studio.models import ImageAsset

DOWNLOAD_FORMATS = ("png", "jpeg", "webp")


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


@require_GET
def image_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    image = _get_image(request, pk)
    if not image.thumbnail:
        add_thumbnail(image)  # made on first use: generating one is off the streaming path
    return _private(FileResponse(image.thumbnail.open("rb"), content_type="image/webp"))


@require_GET
def image_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The original in its own format, or converted to the format asked for (?format=png|jpeg|webp)."""
    image = _get_image(request, pk)
    wanted = request.GET.get("format", image.format).lower().replace("jpg", "jpeg")
    if wanted not in DOWNLOAD_FORMATS:
        return HttpResponseBadRequest("Choose png, jpeg or webp.")
    name = f"atelier-{image.pk}.{'jpg' if wanted == 'jpeg' else wanted}"
    if wanted == image.format:
        return FileResponse(image.file.open("rb"), as_attachment=True, filename=name)
    with image.file.open("rb") as handle:
        data = imaging.convert_format(handle.read(), wanted, None)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=f"image/{wanted}")


@require_GET
def size_check(request: HttpRequest) -> JsonResponse:
    """Live size validation for the forms: the same rules the server applies when a job is sent."""
    model = request.GET.get("model") or sizes.DEFAULT_MODEL
    size = request.GET.get("size", "")
    if model not in sizes.offered_models():
        return JsonResponse(
            {"ok": False, "errors": [f"Unknown model {model!r}."], "nearest": None}, status=400
        )
    check = sizes.check_size(model, size)
    nearest = None
    if not check.ok and check.width and check.height:
        width, height = sizes.nearest_valid_size(model, check.width, check.height)
        nearest = f"{width}x{height}"
    return JsonResponse(
        {"ok": check.ok, "errors": check.errors, "nearest": nearest, "experimental": check.experimental}
    )
