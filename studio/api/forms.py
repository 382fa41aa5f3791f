"""The API's bodies checked by the pages' own forms: the image options by `ImageOptionsForm`, a turn by
`TurnForm`, so a request the Studio or a conversation would refuse is refused here in the same words.
What the API adds: images and masks by id (uploads or the user's images) instead of files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from conversations.forms import TurnForm
from studio.core import imaging
from studio.core.requests import MAX_INPUT_IMAGES, ImageRequest
from studio.core.storage import delete_assets, store_image
from studio.forms import PASTE_BACK_FEATHER, ImageOptionsForm
from studio.image_fields import PickedImagesField, checked_upload
from studio.models import ImageAsset

OWN_IMAGE_MESSAGES = {
    "invalid_choice": "Image %(value)s is not one of your images.",
    "invalid_pk_value": "%(pk)s is not an image id.",
}


class _ImagesByIdMixin:
    """`images` (ids, in the order sent) and `mask` (an id), from the owner's uploads and images."""

    images_field = "images"

    def _limit_to(self, owner) -> None:
        own = ImageAsset.objects.for_user(owner).in_gallery()
        self.fields[self.images_field].queryset = own
        self.fields["mask"].queryset = own

    def ordered_images(self) -> list[ImageAsset]:
        chosen = {image.pk: image for image in self.cleaned_data.get(self.images_field) or []}
        return [chosen[int(pk)] for pk in self.data.get(self.images_field) or [] if int(pk) in chosen]

    def _clean_mask(self) -> None:
        mask, images = self.cleaned_data.get("mask"), self.ordered_images()
        if len(images) > MAX_INPUT_IMAGES:
            self.add_error(self.images_field, f"An edit takes at most {MAX_INPUT_IMAGES} images.")
        if mask is None:
            return
        if not images:
            self.add_error("mask", "A mask needs an image to edit.")
            return
        with mask.file.open("rb") as handle:
            data = handle.read()
        try:
            self.cleaned_data["mask_png"] = imaging.normalise_mask(data, (images[0].width, images[0].height))
        except imaging.ImageRejected as exc:
            self.add_error("mask", exc.message)

    @contextmanager
    def stored_mask(self, owner) -> Iterator[ImageAsset | None]:
        """The normalised mask, stored (once the whole form is valid), and deleted again if what is done
        with it fails: a refused job leaves no mask behind."""
        png = self.cleaned_data.get("mask_png")
        mask = store_image(owner, png, kind=ImageAsset.Kind.MASK) if png else None
        try:
            yield mask
        except BaseException:
            delete_assets([mask] if mask else [])
            raise


class ApiJobForm(_ImagesByIdMixin, ImageOptionsForm):
    """`POST /api/v1/jobs`: a generation, or an edit of images sent by id."""

    kind = forms.ChoiceField(choices=[("generate", "Generate"), ("edit", "Edit")])
    images = PickedImagesField(
        queryset=ImageAsset.objects.none(), required=False, error_messages=OWN_IMAGE_MESSAGES
    )
    mask = forms.ModelChoiceField(
        queryset=ImageAsset.objects.none(),
        required=False,
        error_messages={"invalid_choice": "The mask is not one of your images."},
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_to(owner)

    def clean(self) -> dict:
        data = super().clean()
        images = self.ordered_images()
        if data.get("kind") == "edit" and not images and "images" not in self.errors:
            self.add_error(
                "images", "An edit needs at least one image: upload it first (POST /api/v1/uploads)."
            )
        if data.get("kind") == "generate" and images:
            self.add_error("images", 'A generation takes no images: send "kind": "edit" to edit them.')
        self._clean_mask()
        return data

    def image_request(self, mask: ImageAsset | None) -> ImageRequest:
        return ImageRequest(
            prompt=self.cleaned_data["prompt"],
            options=self.image_options(),
            n=self.cleaned_data.get("n") or 1,
            input_image_ids=tuple(image.pk for image in self.ordered_images()),
            mask_id=mask.pk if mask else None,
            paste_back_feather=PASTE_BACK_FEATHER if mask else None,  # as the Studio does
        )


class ApiTurnForm(_ImagesByIdMixin, TurnForm):
    """`POST /api/v1/conversations/{id}/turns`: the conversation's prompt box, with a mask by id."""

    images_field = "reference_images"
    mask = forms.ModelChoiceField(
        queryset=ImageAsset.objects.none(),
        required=False,
        error_messages={"invalid_choice": "The mask is not one of your images."},
    )

    def __init__(self, *args, conversation, **kwargs):
        super().__init__(*args, conversation=conversation, **kwargs)
        self.fields["reference_images"].error_messages.update(OWN_IMAGE_MESSAGES)
        self._limit_to(conversation.owner)

    def clean(self) -> dict:
        data = super().clean()
        self._clean_mask()
        return data


class UploadForm(forms.Form):
    file = forms.FileField()

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        checked_upload(upload, settings.ATELIER_MAX_UPLOAD_BYTES)
        return upload  # stored from its file, like the Studio's uploads
