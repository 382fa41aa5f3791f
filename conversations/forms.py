"""The prompt box of a conversation: one Form for the view and for anything else that starts a turn."""

from __future__ import annotations

from django import forms

from studio.forms import ImageOptionsForm
from studio.models import ImageAsset


class TurnForm(ImageOptionsForm):
    """A prompt and the image tool's options; `parent` picks the turn to continue from (a branch)."""

    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reference_images = forms.ModelMultipleChoiceField(
        queryset=ImageAsset.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args, conversation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.conversation = conversation
        self.fields["prompt"].label = "Prompt"
        continuing = conversation is not None and conversation.pk
        placeholder = "Say how to change it: “make it more realistic”, “dark theme”…" if continuing else None
        self.fields["prompt"].widget.attrs.update(
            rows=2, placeholder=placeholder or "Describe the image you want"
        )
        if conversation is not None:
            self.fields["reference_images"].queryset = ImageAsset.objects.for_user(
                conversation.owner
            ).in_gallery()

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
