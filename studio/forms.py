"""Image options, validated the same way wherever a generation starts (Studio, conversations, API)."""

from __future__ import annotations

from django import forms

from studio import sizes

PROMPT_MAX = 32_000

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
    size = forms.CharField(max_length=20, initial="1024x1024")
    quality = forms.ChoiceField(choices=QUALITY_CHOICES, initial="medium", label="Quality")
    output_format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="png", label="Format")
    output_compression = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Compression", help_text="0-100, for JPEG and WebP"
    )
    background = forms.ChoiceField(choices=BACKGROUND_CHOICES, initial="auto", required=False)
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
        if model and data.get("background") == "transparent" and not sizes.supports_transparency(model):
            self.add_error("background", sizes.TRANSPARENCY_NOTE)
        if data.get("output_format") == "png":
            data["output_compression"] = None
        return data

    def image_options(self) -> dict:
        """The options as the SDK takes them, leaving out what is unset."""
        data = self.cleaned_data
        options = {
            "model": data["model"],
            "size": data["size"],
            "quality": data["quality"],
            "output_format": data["output_format"],
            "moderation": data["moderation"],
            "partial_images": data["partial_images"],
            "n": data.get("n") or 1,
        }
        if data.get("output_compression") is not None:
            options["output_compression"] = data["output_compression"]
        if data.get("background") and data["background"] != "auto":
            options["background"] = data["background"]
        return options
