"""Prompt rules, the fallback library, what each user may do at low moderation, and the rephrasings and
text checks made."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from studio.admin.base import ReadOnlyAdmin
from studio.models import BlockedTerm, FallbackImage, ImageTextCheck, Rephrasing, UserPolicy

LIBRARY_FORMATS = ("PNG", "JPEG", "WEBP")


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ("term", "message", "active")
    list_editable = ("active",)
    search_fields = ("term", "message")


class FallbackImageForm(forms.ModelForm):
    class Meta:
        model = FallbackImage
        fields = ("image", "title", "tags", "approved")

    def clean_image(self):
        image = self.cleaned_data["image"]
        found = getattr(getattr(image, "image", None), "format", None)
        if found is not None and found not in LIBRARY_FORMATS:
            raise forms.ValidationError("Use a PNG, JPEG or WebP image.")
        return image


@admin.register(FallbackImage)
class FallbackImageAdmin(admin.ModelAdmin):
    form = FallbackImageForm
    list_display = ("preview", "title", "tags", "approved", "created_at")
    list_display_links = ("preview", "title")
    list_editable = ("approved",)
    list_filter = ("approved",)
    search_fields = ("title", "tags")
    actions = ("approve",)

    @admin.display(description="Image")
    def preview(self, item: FallbackImage) -> str:
        url = reverse("fallback_image", args=[item.pk])
        return format_html('<img src="{}" alt="" width="64" height="64" class="admin-thumb">', url)

    @admin.action(description="Approve the selected images")
    def approve(self, request, queryset) -> None:
        queryset.update(approved=True)


@admin.register(UserPolicy)
class UserPolicyAdmin(admin.ModelAdmin):
    list_display = ("user", "allow_low_moderation")
    list_editable = ("allow_low_moderation",)
    autocomplete_fields = ("user",)


@admin.register(Rephrasing)
class RephrasingAdmin(ReadOnlyAdmin):
    list_display = ("job", "model", "cost_usd", "created_at")
    list_select_related = ("job",)


@admin.register(ImageTextCheck)
class ImageTextCheckAdmin(ReadOnlyAdmin):
    list_display = ("image", "expected", "outcome", "checked_at")
    list_filter = ("outcome",)
