"""The Studio's forms: image options (validated by the core's own rules wherever a generation starts), the
Studio's generations and edits, the gallery's filters and the mask editor's edit. Finalize has its own
module (finalize_forms.py), the fields that take images theirs (image_fields.py)."""

from __future__ import annotations

from dataclasses import replace

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from studio.core import cutouts, imaging, sizes
from studio.core.requests import (
    MAX_INPUT_IMAGES,
    PROMPT_MAX,
    ImageOptions,
    ImageRequest,
    InvalidRequest,
)
from studio.core.storage import store_image
from studio.image_fields import MultipleImageField, PickedImagesField, checked_upload
from studio.models import ImageAsset

QUALITY_CHOICES = [("low", "Low (drafts)"), ("medium", "Medium"), ("high", "High (finals)"), ("auto", "Auto")]
FORMAT_CHOICES = [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WebP")]
MODERATION_CHOICES = [("auto", "Standard"), ("low", "Low")]
BACKGROUND_CHOICES = [("auto", "Auto"), ("opaque", "Opaque"), ("transparent", "Transparent")]


class ImageOptionsForm(forms.Form):
    prompt = forms.CharField(
        max_length=PROMPT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Describe the image, or how to change it"}),
        error_messages={
            "required": "Write a prompt first.",
            "max_length": "Prompts can be at most 32,000 characters (this one has %(show_value)d).",
        },
    )
    model = forms.ChoiceField(choices=(), initial=sizes.DEFAULT_MODEL, label="Model")
    size = forms.CharField(
        max_length=20,
        initial="1024x1024",
        label="Size",
        widget=forms.TextInput(
            attrs={
                "list": "size-presets",
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-describedby": "size-feedback",
            }
        ),
    )
    quality = forms.ChoiceField(choices=QUALITY_CHOICES, initial="medium", label="Quality")
    output_format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="png", label="Format")
    output_compression = forms.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        label="Compression",
        widget=forms.NumberInput(attrs={"placeholder": "100"}),
    )
    background = forms.ChoiceField(
        choices=BACKGROUND_CHOICES,
        initial="auto",
        required=False,
        label="Background",
        widget=forms.Select(
            attrs={
                "aria-describedby": "background-note",
                "data-transparent-models": " ".join(sizes.FIXED_SIZE_MODELS),
            }
        ),
    )
    moderation = forms.ChoiceField(choices=MODERATION_CHOICES, initial="auto", label="Moderation")
    partial_images = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(4)],
        coerce=int,
        initial=2,
        label="Partial images",
        help_text="Previews streamed while the image forms (+100 output tokens each)",
    )
    n = forms.IntegerField(min_value=1, max_value=10, initial=1, required=False, label="Images")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(name, name) for name in sizes.offered_models()]

    size_presets = sizes.PRESETS
    transparency_note = sizes.TRANSPARENCY_NOTE
    transparent_models = sizes.FIXED_SIZE_MODELS

    def clean_prompt(self) -> str:
        prompt = self.cleaned_data["prompt"]
        if not prompt.strip():
            raise forms.ValidationError("Write a prompt first.")
        return prompt

    def clean(self) -> dict:
        data = super().clean()
        model, size = data.get("model"), data.get("size")
        if model and size:
            check = sizes.check_size(model, size)
            if not check.ok:
                self.add_error("size", " ".join(check.errors))
            else:
                data["size"] = "auto" if size.strip().lower() == "auto" else f"{check.width}x{check.height}"
        if data.get("output_format") == "png":
            data["output_compression"] = None
        if not self.errors:
            try:
                self.image_options().validate()  # the core's own rules, before anything is stored or paid
            except InvalidRequest as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def image_options(self) -> ImageOptions:
        data = self.cleaned_data
        return ImageOptions(
            model=data["model"],
            size=data["size"],
            quality=data["quality"],
            output_format=data["output_format"],
            output_compression=data.get("output_compression"),
            background=data.get("background") or "auto",
            moderation=data["moderation"],
            partial_images=data["partial_images"],
        )


PASTE_BACK_FEATHER = 8  # px: the Studio's edits paste the original back outside the mask, softly


class StudioForm(ImageOptionsForm):
    images = MultipleImageField(required=False, label="Upload images")
    gallery_images = PickedImagesField(
        queryset=ImageAsset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="From your gallery",
    )
    mask = forms.FileField(
        required=False,
        label="Mask (optional)",
        help_text=(
            "PNG with transparency where the image may change, or black and white (white = change). Outside the "
            "mask the original is pasted back, pixel for pixel."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
    fresh = forms.BooleanField(required=False, label="Run again even if cached")
    transparent = forms.BooleanField(
        required=False,
        label="Transparent background (cut out: gpt-image-2 paints a flat key colour that is then removed)",
    )

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["prompt"].label = "Prompt"
        self.fields["prompt"].help_text = "Enter makes a new line; Ctrl+Enter (⌘+Enter on a Mac) generates."
        self.fields["prompt"].widget.attrs.update(
            {
                "rows": 4,
                "placeholder": "A poster for a jazz night in Lisbon, deep blue and brass",
                "aria-describedby": "id_prompt_help",
                "aria-keyshortcuts": "Control+Enter Meta+Enter",
            }
        )
        if owner is not None:
            self.fields["gallery_images"].queryset = ImageAsset.objects.for_user(owner).in_gallery()

    def clean_images(self) -> list[tuple[UploadedFile, imaging.ImageInfo]]:
        limit = settings.ATELIER_MAX_UPLOAD_BYTES
        return [(upload, checked_upload(upload, limit)) for upload in self.cleaned_data["images"]]

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
        if data.get("transparent") and data.get("output_format") == "jpeg":
            self.add_error(
                "output_format", "A transparent background needs PNG or WebP: JPEG has no transparency."
            )
        if not self.errors:
            self._check_the_request()
        return data

    def _check_the_request(self) -> None:
        """The core's own rules on the request as it will be sent, before anything is stored or paid: a
        transparent background on gpt-image-2 adds its key-colour instruction to the prompt, which may then
        be too long."""
        request = self.image_request(inputs=[], mask=None)  # the inputs are counted above
        try:
            request.validate()
        except InvalidRequest as exc:
            added = len(request.prompt) - len(self.cleaned_data["prompt"])
            message = exc.message
            if exc.field == "prompt" and added > 0:
                message = (
                    f"A transparent background adds its own instruction of {added} characters to the prompt: "
                    f"keep the prompt to {PROMPT_MAX - added:,} characters or fewer "
                    f"(this one has {len(self.cleaned_data['prompt']):,})."
                )
            self.add_error(exc.field if exc.field in self.fields else None, message)

    def image_request(self, inputs: list[ImageAsset], mask: ImageAsset | None) -> ImageRequest:
        """What the job asks for, with the stored inputs (see save_inputs)."""
        request = ImageRequest(
            prompt=self.cleaned_data["prompt"],
            options=self.image_options(),
            n=self.cleaned_data.get("n") or 1,
            input_image_ids=tuple(image.pk for image in inputs),
            mask_id=mask.pk if mask else None,
            paste_back_feather=PASTE_BACK_FEATHER if mask else None,
        )
        return cutouts.transparent_request(request) if self.cleaned_data.get("transparent") else request

    def save_inputs(self) -> tuple[list[ImageAsset], ImageAsset | None]:
        """Store the uploads and the mask (only once the whole form is valid) and return the inputs in order."""
        inputs = [
            store_image(self.owner, upload, kind=ImageAsset.Kind.UPLOAD)
            for upload, _ in self.cleaned_data["images"]
        ]
        inputs += list(self.cleaned_data.get("gallery_images") or [])
        mask_bytes = self.cleaned_data.get("mask")
        mask = store_image(self.owner, mask_bytes, kind=ImageAsset.Kind.MASK) if mask_bytes else None
        return inputs, mask


class EstimateForm(StudioForm):
    """What the Studio form would send, for its live estimate: uploads are counted, not sent."""

    upload_count = forms.IntegerField(
        min_value=0,
        max_value=MAX_INPUT_IMAGES,
        required=False,
        error_messages={
            "invalid": "upload_count must be a whole number.",
            "min_value": f"upload_count goes from 0 to {MAX_INPUT_IMAGES}.",
            "max_value": f"upload_count goes from 0 to {MAX_INPUT_IMAGES}.",
        },
    )


class GalleryFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search prompts",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search prompts"}),
    )
    source = forms.ChoiceField(
        required=False,
        label="Source",
        choices=[
            ("", "All sources"),
            ("studio", "Studio"),
            ("conversation", "Conversations"),
            ("upload", "Uploads"),
        ],
    )
    model = forms.ChoiceField(required=False, label="Model", choices=())
    quality = forms.ChoiceField(
        required=False,
        label="Quality",
        choices=[
            ("", "Any quality"),
            ("low", "Low"),
            ("medium", "Medium"),
            ("high", "High"),
            ("auto", "Auto"),
        ],
    )
    since = forms.DateField(required=False, label="Since", widget=forms.DateInput(attrs={"type": "date"}))
    favourites = forms.BooleanField(required=False, label="Favourites")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "Any model"), *((name, name) for name in sizes.offered_models())]

    def filter(self, images):
        """`images` narrowed to what the filters ask (all of them while the filters are invalid)."""
        if not self.is_valid():
            return images
        data = self.cleaned_data
        images = images.from_source(data["source"]).made_with(model=data["model"], quality=data["quality"])
        if data["since"]:
            images = images.filter(created_at__date__gte=data["since"])
        if data["favourites"]:
            images = images.filter(favourite=True)
        return images.matching(data["q"])


class RangeInput(forms.NumberInput):
    input_type = "range"


class MaskEditForm(ImageOptionsForm):
    """An edit of one image with the mask painted in the editor (or a mask file). The Studio's editor view
    sends it on the Image API; a conversation's view sends the same form as that conversation's next turn."""

    mask = forms.FileField(
        label="Mask", error_messages={"required": "Paint the area the model may change first."}
    )
    paste_back = forms.BooleanField(
        required=False, initial=True, label="Paste the original back outside the mask"
    )
    feather = forms.IntegerField(
        min_value=0, max_value=64, initial=8, label="Feather (px)", widget=RangeInput
    )

    def __init__(self, *args, image: ImageAsset, **kwargs):
        super().__init__(*args, **kwargs)
        self.image = image
        self.fields["prompt"].label = "What should change?"
        self.fields["prompt"].widget.attrs.update(rows=4, placeholder="Replace the sky with a stormy sunset")

    def clean_mask(self) -> bytes:
        upload = self.cleaned_data["mask"]
        try:
            return imaging.normalise_mask(upload.read(), (self.image.width, self.image.height))
        except imaging.ImageRejected as exc:
            raise forms.ValidationError(exc.message) from None

    def image_options(self) -> ImageOptions:
        # Sent at the image's own size, so the output matches it pixel for pixel for the paste-back.
        return replace(super().image_options(), size="auto")

    @property
    def paste_back_feather(self) -> int | None:
        return self.cleaned_data["feather"] if self.cleaned_data["paste_back"] else None

    def save_mask(self) -> ImageAsset:
        """Store the painted mask and remember it on the image, so the editor reopens with it."""
        mask = store_image(self.image.owner, self.cleaned_data["mask"], kind=ImageAsset.Kind.MASK)
        self.image.last_mask = mask
        self.image.save(update_fields=["last_mask"])
        return mask
