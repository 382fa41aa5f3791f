"""The prompt box of a conversation: one Form for the view and for anything else that starts a turn."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from studio.core.requests import MAX_INPUT_IMAGES
from studio.core.storage import store_image
from studio.forms import ImageOptionsForm
from studio.image_fields import MultipleImageField, PickedImagesField, checked_upload
from studio.models import ImageAsset


class TurnForm(ImageOptionsForm):
    """A prompt and the image tool's options; `parent` picks the turn to continue from (a branch)."""

    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reference_images = PickedImagesField(
        queryset=ImageAsset.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    uploads = MultipleImageField(
        required=False,
        label="Reference images",
        help_text="Optional: images for the model to work from (PNG, JPEG or WebP).",
    )

    def __init__(self, *args, conversation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.conversation = conversation
        self.fields["prompt"].label = "Prompt"
        continuing = conversation is not None and conversation.pk
        placeholder = "How should it change? “dark theme”…" if continuing else None
        self.fields["prompt"].widget.attrs.update(
            rows=2, placeholder=placeholder or "Describe the image you want"
        )
        if conversation is not None:
            # By id: the owner's row is not loaded again for each post.
            owned = ImageAsset.objects.for_user(conversation.owner_id)
            self.fields["reference_images"].queryset = owned.in_gallery()

    def clean_uploads(self) -> list[UploadedFile]:
        uploads = self.cleaned_data.get("uploads") or []
        if len(uploads) > MAX_INPUT_IMAGES:
            raise forms.ValidationError(f"A turn takes at most {MAX_INPUT_IMAGES} images.")
        for upload in uploads:
            checked_upload(upload, settings.ATELIER_MAX_UPLOAD_BYTES)
        return uploads

    def clean(self) -> dict:
        data = super().clean()
        count = len(data.get("uploads") or []) + len(data.get("reference_images") or [])
        if count > MAX_INPUT_IMAGES:
            # Picked and uploaded together: each is within the limit alone, the turn sends them all.
            self.add_error(
                "reference_images", f"A turn takes at most {MAX_INPUT_IMAGES} images (this one has {count})."
            )
        return data

    def save_references(self, owner) -> list[ImageAsset]:
        """The turn's reference images: the uploads (stored now, the form being valid, from their files),
        then those picked."""
        stored = [
            store_image(owner, upload, kind=ImageAsset.Kind.UPLOAD) for upload in self.cleaned_data["uploads"]
        ]
        return stored + list(self.cleaned_data.get("reference_images") or [])

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = None
        if self.conversation is not None and self.conversation.pk:
            parent = self.conversation.turns.select_related("job").filter(pk=parent_id).first()
        if parent is None:
            raise forms.ValidationError("That turn is not part of this conversation.")
        if not parent.can_continue_from:
            raise forms.ValidationError("You can only continue from a turn that finished (or a kept draft).")
        return parent


class RenameForm(forms.Form):
    title = forms.CharField(max_length=120, strip=True)
