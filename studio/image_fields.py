"""The form fields that take images, shared by every form that does: files uploaded (each checked by
`checked_upload`, so all are refused in the same words) and images picked by id."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from studio.core import imaging


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# Ids are 64-bit signed integers on every database Atelier runs on (SQLite, PostgreSQL).
LARGEST_ID = 2**63 - 1


def _is_storable_id(pk) -> bool:
    try:
        return -LARGEST_ID - 1 <= int(pk) <= LARGEST_ID
    except (TypeError, ValueError):
        return False


class PickedImagesField(forms.ModelMultipleChoiceField):
    """Images picked by id. An id that is not a whole number, or that no id column can hold, is refused as
    an invalid value before any query: Django guards an exact lookup against such a number but not the
    `pk__in` this field queries with, where SQLite raises OverflowError (a 500)."""

    def clean(self, value) -> QuerySet:
        value = self.prepare_value(value)  # picked images as their ids, as Django's own clean() takes them
        if isinstance(value, list | tuple):
            for pk in value:
                if not _is_storable_id(pk):
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super().clean(value)


def checked_upload(upload: UploadedFile, limit: int) -> imaging.ImageInfo:
    """Check an uploaded image from its file, never reading it whole into memory (Django spools a large
    upload to a temporary file): store the upload itself afterwards, from that file. Every form that takes
    image files checks them here, so they are refused in the same words."""
    if upload.size > limit:
        raise forms.ValidationError(
            f"{upload.name} is {upload.size / 1_048_576:.1f} MB; each image must be under "
            f"{limit // 1_048_576} MB.",
            code="too_large",
        )
    try:
        return imaging.inspect_upload(upload, max_bytes=limit)
    except imaging.ImageRejected as exc:
        raise forms.ValidationError(f"{upload.name}: {exc.message}") from None
