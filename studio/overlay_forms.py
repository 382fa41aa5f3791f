"""Forms of the pages that work around what the model cannot do: removing a background (a cut-out) and
setting exact text on an image (text layers)."""

from __future__ import annotations

import json

from django import forms

from studio.core.fonts import FONTS, WEIGHTS
from studio.core.overlays import parse_layers
from studio.core.text_layers import (
    ALIGNS,
    LETTER_SPACING_RANGE,
    LINE_SPACING_RANGE,
    SIZE_RANGE,
    VALIGNS,
    TextLayerError,
)

MAX_LAYERS_JSON = 200_000


class CutoutForm(forms.Form):
    """How tight the matte is (0-100: tighter removes more) and the cut-out's format (alpha needs PNG or WebP)."""

    tightness = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=50,
        label="Matte",
        help_text="Left keeps more (soft edges, colours near the background); right removes more.",
        widget=forms.NumberInput(
            attrs={"type": "range", "step": 1, "aria-label": "Matte", "aria-describedby": "id_tightness_help"}
        ),
    )
    output_format = forms.ChoiceField(
        choices=[("png", "PNG"), ("webp", "WebP")], initial="png", required=False, label="Format"
    )

    def clean_output_format(self) -> str:
        return self.cleaned_data["output_format"] or "png"

    @property
    def matte_tightness(self) -> float:
        return self.cleaned_data["tightness"] / 100


class TextLayersForm(forms.Form):
    """The layers as JSON (the editor's state), checked layer by layer with the core's own rules."""

    layers = forms.CharField(max_length=MAX_LAYERS_JSON, required=False, widget=forms.HiddenInput)
    output_format = forms.ChoiceField(
        choices=[("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WebP")], initial="png", label="Export as"
    )

    def clean_layers(self) -> list:
        raw = self.cleaned_data["layers"] or "[]"
        try:
            data = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("The text boxes could not be read: reload the page.") from None
        try:
            return parse_layers(data)
        except TextLayerError as exc:
            raise forms.ValidationError(exc.message) from None


class LayerControlsForm(forms.Form):
    """The controls of the selected text box. Never submitted: the editor's script reads them into the
    layers; they are a Form so that their labels, choices and limits come from the core's rules."""

    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 3, "data-prop": "text"}))
    font = forms.ChoiceField(
        label="Font",
        choices=[(key, family.name) for key, family in FONTS.items()],
        widget=forms.Select(attrs={"data-prop": "font"}),
    )
    size = forms.IntegerField(
        label="Size (px)",
        min_value=SIZE_RANGE[0],
        max_value=SIZE_RANGE[1],
        widget=forms.NumberInput(attrs={"data-prop": "size", "data-type": "int"}),
    )
    weight = forms.ChoiceField(
        label="Weight",
        choices=[(weight, weight.title()) for weight in WEIGHTS],
        widget=forms.Select(attrs={"data-prop": "weight"}),
    )
    colour = forms.CharField(
        label="Colour", widget=forms.TextInput(attrs={"type": "color", "data-prop": "colour"})
    )
    align = forms.ChoiceField(
        label="Align",
        choices=[(align, align.title()) for align in ALIGNS],
        widget=forms.Select(attrs={"data-prop": "align"}),
    )
    valign = forms.ChoiceField(
        label="Vertical",
        choices=[(valign, valign.title()) for valign in VALIGNS],
        widget=forms.Select(attrs={"data-prop": "valign"}),
    )
    line_spacing = forms.FloatField(
        label="Line spacing",
        min_value=LINE_SPACING_RANGE[0],
        max_value=LINE_SPACING_RANGE[1],
        widget=forms.NumberInput(attrs={"step": "0.05", "data-prop": "line_spacing", "data-type": "float"}),
    )
    letter_spacing = forms.FloatField(
        label="Letter spacing (em)",
        min_value=LETTER_SPACING_RANGE[0],
        max_value=LETTER_SPACING_RANGE[1],
        widget=forms.NumberInput(attrs={"step": "0.01", "data-prop": "letter_spacing", "data-type": "float"}),
    )
    outline = forms.BooleanField(label="Outline", widget=forms.CheckboxInput(attrs={"data-part": "outline"}))
    outline_width = forms.IntegerField(
        label="Outline width",
        min_value=1,
        max_value=64,
        widget=forms.NumberInput(attrs={"data-prop": "outline.width", "data-type": "int"}),
    )
    outline_colour = forms.CharField(
        label="Outline colour", widget=forms.TextInput(attrs={"type": "color", "data-prop": "outline.colour"})
    )
    shadow = forms.BooleanField(label="Shadow", widget=forms.CheckboxInput(attrs={"data-part": "shadow"}))
    shadow_blur = forms.IntegerField(
        label="Shadow blur",
        min_value=0,
        max_value=128,
        widget=forms.NumberInput(attrs={"data-prop": "shadow.blur", "data-type": "int"}),
    )
    shadow_colour = forms.CharField(
        label="Shadow colour", widget=forms.TextInput(attrs={"type": "color", "data-prop": "shadow.colour"})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "layer_%s")
        super().__init__(*args, **kwargs)
