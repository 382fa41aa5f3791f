"""Images, with thumbnails that staff may see whoever owns the image."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from studio.core.storage import add_thumbnail
from studio.models import ImageAsset


@admin.register(ImageAsset)
class ImageAssetAdmin(admin.ModelAdmin):
    list_display = (
        "preview",
        "id",
        "owner",
        "kind",
        "dimensions",
        "format",
        "size_bytes",
        "favourite",
        "created_at",
    )
    list_filter = ("kind", "format", "created_at")
    search_fields = ("owner__username", "sha256")
    list_select_related = ("owner",)
    readonly_fields = ("preview", *[field.name for field in ImageAsset._meta.fields])
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):
        thumb = path(
            "<int:pk>/thumbnail/",
            self.admin_site.admin_view(self.thumbnail_view),
            name="studio_imageasset_thumb",
        )
        return [thumb, *super().get_urls()]

    def thumbnail_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """Staff who may view images see any user's thumbnail here; the app serves images to owners only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = get_object_or_404(ImageAsset, pk=pk)
        if not image.thumbnail:
            add_thumbnail(image)
        return FileResponse(image.thumbnail.open("rb"), content_type="image/webp")

    @admin.display(description="Image")
    def preview(self, image: ImageAsset) -> str:
        url = reverse("admin:studio_imageasset_thumb", args=[image.pk])
        return format_html('<img src="{}" alt="" class="admin-thumb" loading="lazy">', url)
