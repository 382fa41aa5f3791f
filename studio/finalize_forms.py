"""Finalize: a draft finished at high quality, at a chosen size and format."""

from __future__ import annotations

from dataclasses import replace

from django import forms

from studio.core import sizes
from studio.core.requests import PROMPT_MAX, ImageRequest, InvalidRequest, from_json
from studio.forms import FORMAT_CHOICES
from studio.models import ImageAsset

# A Finalize sends the picked draft itself as the input of a high-quality edit: the prompt asks the model to keep
# the image as it is (the draft's own prompt follows, so the model knows what it is looking at).
FINAL_PROMPT = (
    "Same image, final quality: keep everything as it is (composition, colours, text, faces and details); "
    "render it at full quality. It was made from this prompt: "
)


class FinalizeForm(forms.Form):
    """A draft's final: the picked image finished by a high-quality edit (one image), or, without an image,
    the draft's prompt run again at high quality (all its images). At a chosen size and format."""

    size = forms.CharField(
        max_length=20,
        label="Final size",
        error_messages={"required": "Choose a size."},
        widget=forms.TextInput(attrs={"list": "size-presets", "autocomplete": "off", "spellcheck": "false"}),
    )
    output_format = forms.ChoiceField(choices=FORMAT_CHOICES, label="Final format")

    def __init__(self, *args, draft, image: ImageAsset | None = None, **kwargs):
        self.draft, self.image = draft, image
        self.base = from_json(draft.request)
        size = draft.size
        if image is not None and sizes.check_size(self.base.options.model, image.dimensions).ok:
            size = image.dimensions  # an "auto" draft: its image's own size
        kwargs.setdefault("initial", {"size": size, "output_format": self.base.options.output_format})
        super().__init__(*args, **kwargs)

    def clean_size(self) -> str:
        size = self.cleaned_data["size"].strip().lower()
        check = sizes.check_size(self.base.options.model, size)
        if not check.ok:
            raise forms.ValidationError(" ".join(check.errors))
        return "auto" if size == "auto" else f"{check.width}x{check.height}"

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                self.final_request().validate()  # the core's own rules, before anything is paid
            except InvalidRequest as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def final_request(self) -> ImageRequest:
        """What the final asks for: an edit of the picked image, or the draft's request at high quality."""
        fmt = self.cleaned_data["output_format"]
        options = replace(
            self.base.options,
            quality="high",
            size=self.cleaned_data["size"],
            output_format=fmt,
            output_compression=None if fmt == "png" else self.base.options.output_compression,
        )
        if self.image is None:
            return replace(self.base, options=options)
        return ImageRequest(
            prompt=(FINAL_PROMPT + self.base.prompt)[:PROMPT_MAX],
            options=options,
            n=1,
            input_image_ids=(self.image.pk,),
        )
