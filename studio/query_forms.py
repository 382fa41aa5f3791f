"""Query parameters validated like form input: one small Form per view that reads request.GET.

A view builds its form from request.GET and, when it is not valid, answers `form.bad_request()`: a 400
whose text says which parameter is wrong and what it may be.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponseBadRequest

from studio.core import sizes

DOWNLOAD_FORMATS = ("png", "jpeg", "webp")


class QueryForm(forms.Form):
    def bad_request(self) -> HttpResponseBadRequest:
        lines = [f"{name}: {' '.join(errors)}" for name, errors in self.errors.items()]
        return HttpResponseBadRequest("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


class DownloadQueryForm(QueryForm):
    """/images/<id>/download: the format to convert to (jpg is taken for jpeg); empty keeps the original's."""

    format = forms.CharField(required=False, max_length=10)

    def clean_format(self) -> str:
        wanted = self.cleaned_data["format"].strip().lower()
        wanted = "jpeg" if wanted == "jpg" else wanted
        if wanted and wanted not in DOWNLOAD_FORMATS:
            raise forms.ValidationError("Choose png, jpeg or webp.")
        return wanted


class SizeCheckQueryForm(QueryForm):
    """/sizes/check: a model Atelier offers, and a size as short as the forms' own size field allows."""

    model = forms.ChoiceField(choices=(), required=False)
    size = forms.CharField(required=False, max_length=20, strip=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(name, name) for name in sizes.offered_models()]
        self.fields["model"].error_messages["invalid_choice"] = "Unknown model '%(value)s'."

    def clean_model(self) -> str:
        return self.cleaned_data["model"] or sizes.DEFAULT_MODEL
