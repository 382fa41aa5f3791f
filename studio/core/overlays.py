"""Images with exact text: text layers (studio.core.text_layers) set on a base image by the server, stored as
a new image linked to its base with the layers as data, so that the editor can reopen and change them.
"""

from __future__ import annotations

import base64
import io

from PIL import Image

from studio.core.storage import store_image
from studio.core.text_layers import TextLayer, TextLayerError, leave_room_for_text_prompt, render_layers
from studio.models import ImageAsset

MAX_LAYERS = 20
PREVIEW_SIDE = 1280


def base_and_layers(image: ImageAsset) -> tuple[ImageAsset, list[TextLayer]]:
    """What the editor opens: for an image with text layers whose base is still there, that base and its
    layers (editable again); for any other image, the image itself and no layers."""
    if image.kind == ImageAsset.Kind.OVERLAY and image.derived_from is not None:
        return image.derived_from, parse_layers(image.recipe.get("layers", []))
    return image, []


def parse_layers(data) -> list[TextLayer]:
    """Layers from JSON data (a list of `TextLayer.to_dict()`s); TextLayerError names the layer at fault."""
    if not isinstance(data, list):
        raise TextLayerError("The layers must be a list.")
    if len(data) > MAX_LAYERS:
        raise TextLayerError(f"An image takes at most {MAX_LAYERS} text layers, not {len(data)}.")
    layers = []
    for number, item in enumerate(data, start=1):
        try:
            layers.append(TextLayer.from_dict(item))
        except TextLayerError as exc:
            raise TextLayerError(f"Text box {number}: {exc.message}") from None
    return layers


def render(base: ImageAsset, layers: list[TextLayer], out_format: str = "png") -> bytes:
    """The base with the layers drawn on it, full size: what an export stores."""
    with base.file.open("rb") as handle:
        return render_layers(handle.read(), layers, out_format)


def preview_data_url(base: ImageAsset, layers: list[TextLayer]) -> str:
    """The full-size render, scaled to at most PREVIEW_SIDE a side for the page, as a PNG data URL: the
    pixels the export stores, only smaller."""
    rendered = Image.open(io.BytesIO(render(base, layers)))
    rendered.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rendered.save(out, "PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def save_overlay(base: ImageAsset, layers: list[TextLayer], out_format: str) -> ImageAsset:
    """Render the layers on the base and store the result as a new image linked to the base, with the
    layers kept as data (re-rendering them on the base gives the same pixels)."""
    data = render(base, layers, out_format)
    return store_image(
        base.owner,
        data,
        kind=ImageAsset.Kind.OVERLAY,
        job=base.job,
        derived_from=base,
        recipe={"layers": [layer.to_dict() for layer in layers], "format": out_format},
        output_index=base.output_index,
    )


def room_for_text_prompt(base: ImageAsset, layers: list[TextLayer]) -> str:
    """The prompt addition that asks a model to leave the boxes' areas empty, for this image's proportions."""
    return leave_room_for_text_prompt(layers, (base.width, base.height))
