"""The Studio's form: image options, plus uploads, picks from the gallery and a mask for edits."""

from __future__ import annotations

from django import forms
from django.conf import settings

from studio import imaging
from studio.assets import store_image
from studio.forms import ImageOptionsForm
from studio.models import ImageAsset

MAX_INPUT_IMAGES = 16


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


class StudioForm(ImageOptionsForm):
    images = MultipleImageField(required=False, label="Images to edit")
    gallery_images = forms.ModelMultipleChoiceField(
        queryset=ImageAsset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="From your gallery",
    )
    mask = forms.FileField(
        required=False,
        label="Mask",
        help_text="PNG with transparency where the image may change, or black and white (white = change).",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
    fresh = forms.BooleanField(required=False, label="Run again even if cached")

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        if owner is not None:
            self.fields["gallery_images"].queryset = ImageAsset.objects.for_user(owner).filter(
                kind__in=[ImageAsset.Kind.FINAL, ImageAsset.Kind.UPLOAD]
            )

    def _read_upload(self, upload) -> tuple[bytes, imaging.ImageInfo]:
        if upload.size > settings.ATELIER_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size / 1_048_576:.1f} MB; each image must be under "
                f"{settings.ATELIER_MAX_UPLOAD_BYTES // 1_048_576} MB."
            )
        data = upload.read()
        try:
            return data, imaging.inspect_upload(data, max_bytes=settings.ATELIER_MAX_UPLOAD_BYTES)
        except imaging.ImageRejected as exc:
            raise forms.ValidationError(f"{upload.name}: {exc.message}") from None

    def clean_images(self) -> list[tuple[bytes, imaging.ImageInfo]]:
        return [self._read_upload(upload) for upload in self.cleaned_data["images"]]

    def clean(self) -> dict:
        data = super().clean()
        uploads = data.get("images") or []
        picked = list(data.get("gallery_images") or [])
        if len(uploads) + len(picked) > MAX_INPUT_IMAGES:
            self.add_error("images", f"An edit takes at most {MAX_INPUT_IMAGES} images.")
        mask = data.get("mask")
        if mask:
            if not uploads and not picked:
                self.add_error("mask", "A mask needs an image to edit.")
                return data
            first_size = (
                (uploads[0][1].width, uploads[0][1].height)
                if uploads
                else (picked[0].width, picked[0].height)
            )
            try:
                data["mask"] = imaging.normalise_mask(mask.read(), first_size)
            except imaging.ImageRejected as exc:
                self.add_error("mask", exc.message)
        return data

    def image_options(self) -> dict:
        """The Image API call's arguments: the options and the prompt."""
        return {"prompt": self.cleaned_data["prompt"], **super().image_options()}

    def save_inputs(self) -> tuple[list[ImageAsset], ImageAsset | None]:
        """Store the uploads and the mask (only once the whole form is valid) and return the inputs in order."""
        inputs = [
            store_image(self.owner, data, kind=ImageAsset.Kind.UPLOAD)
            for data, _ in self.cleaned_data["images"]
        ]
        inputs += list(self.cleaned_data.get("gallery_images") or [])
        mask_bytes = self.cleaned_data.get("mask")
        mask = store_image(self.owner, mask_bytes, kind=ImageAsset.Kind.MASK) if mask_bytes else None
        return inputs, mask


class FinalizeForm(forms.Form):
    size = forms.CharField(max_length=20, required=False)
    output_format = forms.ChoiceField(
        choices=[("", "Same"), ("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WebP")], required=False
    )


class GalleryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search prompts")
    source = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All sources"),
            ("studio", "Studio"),
            ("conversation", "Conversations"),
            ("upload", "Uploads"),
        ],
    )
    model = forms.CharField(required=False)
    quality = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any quality"),
            ("low", "Low"),
            ("medium", "Medium"),
            ("high", "High"),
            ("auto", "Auto"),
        ],
    )
    since = forms.DateField(required=False, label="Since", widget=forms.DateInput(attrs={"type": "date"}))
    favourites = forms.BooleanField(required=False, label="Favourites only")


class MaskEditForm(ImageOptionsForm):
    """An edit of one image with the mask painted in the editor (or a mask file), sent either way."""

    mask = forms.FileField(
        label="Mask", error_messages={"required": "Paint the area the model may change first."}
    )
    paste_back = forms.BooleanField(
        required=False, initial=True, label="Paste the original back outside the mask"
    )
    feather = forms.IntegerField(min_value=0, max_value=64, initial=8, label="Feather (px)")
    destination = forms.ChoiceField(
        choices=[("studio", "Image API edit (Studio)"), ("conversation", "Continue the conversation")],
        initial="studio",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, image: ImageAsset, turn=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.image = image
        self.turn = turn
        if turn is None:
            self.fields["destination"].choices = self.fields["destination"].choices[:1]

    def clean_mask(self) -> bytes:
        upload = self.cleaned_data["mask"]
        try:
            return imaging.normalise_mask(upload.read(), (self.image.width, self.image.height))
        except imaging.ImageRejected as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_destination(self) -> str:
        destination = self.cleaned_data["destination"] or "studio"
        if destination == "conversation" and (self.turn is None or not self.turn.response_id):
            raise forms.ValidationError("This image did not come from a finished conversation turn.")
        return destination
