"""What a job asks for, in our own words: `ImageRequest` (the Image API) and `TurnRequest` (a conversation turn
on the Responses API). A job stores one as JSON (`to_json`) and reads it back typed (`from_json`); only
`openai_client` turns them into SDK calls. Images and masks are referenced by ImageAsset id, never inlined.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

from studio.core import sizes

QUALITIES = ("low", "medium", "high", "auto")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
BACKGROUNDS = ("auto", "opaque", "transparent")
MODERATIONS = ("auto", "low")
MAX_PARTIAL_IMAGES = 3
MAX_N = 10
MAX_INPUT_IMAGES = 16
PROMPT_MAX = 32_000


class InvalidRequest(ValueError):
    """A request the model service would refuse, with what to tell the user."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ImageOptions:
    """How the image is made: the same options on the Image API and the Responses API's image tool."""

    model: str = sizes.DEFAULT_MODEL
    size: str = "1024x1024"
    quality: str = "medium"
    output_format: str = "png"
    output_compression: int | None = None
    background: str = "auto"
    moderation: str = "auto"
    partial_images: int = 0

    def validate(self) -> None:
        """Raise InvalidRequest for anything the API refuses, before a call is made (or paid for)."""
        if self.model not in sizes.offered_models():
            raise InvalidRequest(f"Unknown image model {self.model!r}.", field="model")
        check = sizes.check_size(self.model, self.size)
        if not check.ok:
            raise InvalidRequest(" ".join(check.errors), field="size")
        _one_of(self.quality, QUALITIES, "quality")
        _one_of(self.output_format, OUTPUT_FORMATS, "output_format")
        _one_of(self.background, BACKGROUNDS, "background")
        _one_of(self.moderation, MODERATIONS, "moderation")
        if not 0 <= self.partial_images <= MAX_PARTIAL_IMAGES:
            raise InvalidRequest(f"Partial images go from 0 to {MAX_PARTIAL_IMAGES}.", field="partial_images")
        if self.output_compression is not None:
            if self.output_format == "png":
                raise InvalidRequest("Compression applies to JPEG and WebP only.", field="output_compression")
            if not 0 <= self.output_compression <= 100:
                raise InvalidRequest("Compression goes from 0 to 100.", field="output_compression")
        if self.background == "transparent":
            if not sizes.supports_transparency(self.model):
                raise InvalidRequest(sizes.TRANSPARENCY_NOTE, field="background")
            if self.output_format == "jpeg":
                raise InvalidRequest(
                    "A transparent background needs PNG or WebP: JPEG has no transparency.",
                    field="background",
                )


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise InvalidRequest(f"{name} must be one of {', '.join(allowed)}, not {value!r}.", field=name)


@dataclass(frozen=True)
class _Inputs:
    """What both kinds of request may carry besides the prompt: input images, a mask, paste-back."""

    input_image_ids: tuple[int, ...] = ()
    mask_id: int | None = None
    paste_back_feather: int | None = None  # None: keep the model's output as it came

    def _validate_inputs(self) -> None:
        if len(self.input_image_ids) > MAX_INPUT_IMAGES:
            raise InvalidRequest(f"An edit takes at most {MAX_INPUT_IMAGES} images.", field="images")
        if self.mask_id is not None and not self.input_image_ids:
            raise InvalidRequest("A mask needs an image to edit.", field="mask")


def _validate_prompt(prompt: str) -> None:
    if not prompt.strip():
        raise InvalidRequest("Write a prompt first.", field="prompt")
    if len(prompt) > PROMPT_MAX:
        raise InvalidRequest(f"Prompts can be at most {PROMPT_MAX:,} characters.", field="prompt")


@dataclass(frozen=True)
class ImageRequest(_Inputs):
    """An Image API generation (no input images) or edit (input images, optionally a mask)."""

    prompt: str = ""
    options: ImageOptions = field(default_factory=ImageOptions)
    n: int = 1
    # "#RRGGBB": the prompt asks for the subject on this flat key colour, and each final is keyed out into a
    # linked cut-out (studio.core.cutouts) for a model that cannot make a transparent background itself.
    cutout_key: str = ""

    @property
    def kind(self) -> str:
        return "image_edit" if self.input_image_ids else "image_generate"

    def validate(self) -> None:
        _validate_prompt(self.prompt)
        self.options.validate()
        self._validate_inputs()
        if not 1 <= self.n <= MAX_N:
            raise InvalidRequest(f"Ask for 1 to {MAX_N} images.", field="n")
        if self.cutout_key and not re.fullmatch(r"#[0-9A-F]{6}", self.cutout_key):
            raise InvalidRequest("A key colour is #RRGGBB.", field="background")


@dataclass(frozen=True)
class TurnRequest(_Inputs):
    """One turn of a conversation on the Responses API: the mainline model calls the image tool.

    `previous_response_id` links it to the turn it continues ("" for the first turn of a chain).
    """

    prompt: str = ""
    options: ImageOptions = field(default_factory=ImageOptions)
    mainline_model: str = ""
    conversation_id: int | None = None
    previous_response_id: str = ""
    earlier_turns: int = 0  # how many turns the chain has before this one (for the mainline estimate)
    # If the service has forgotten the chain (stored responses expire): the parent turn's image and the
    # chain's prompts, to start a new chain from.
    restart_image_id: int | None = None
    history: tuple[str, ...] = ()

    kind = "response"
    n = 1

    def validate(self) -> None:
        _validate_prompt(self.prompt)
        self.options.validate()
        self._validate_inputs()
        if not self.mainline_model:
            raise InvalidRequest("A turn needs a mainline model.", field="mainline_model")


JobRequest = ImageRequest | TurnRequest


def to_json(request: JobRequest) -> dict:
    data = asdict(request)
    data["input_image_ids"] = list(request.input_image_ids)
    if isinstance(request, TurnRequest):
        data["history"] = list(request.history)
    data["type"] = "turn" if isinstance(request, TurnRequest) else "image"
    return data


def from_json(data: dict) -> JobRequest:
    """The typed request a job stored. Unknown keys are ignored, so older rows stay readable."""
    data = dict(data)
    kind = TurnRequest if data.pop("type", "image") == "turn" else ImageRequest
    options_fields = ImageOptions.__dataclass_fields__
    options = ImageOptions(
        **{k: v for k, v in (data.pop("options", None) or {}).items() if k in options_fields}
    )
    fields = {k: v for k, v in data.items() if k in kind.__dataclass_fields__}
    fields["input_image_ids"] = tuple(fields.get("input_image_ids") or ())
    if "history" in fields:
        fields["history"] = tuple(fields["history"] or ())
    return kind(options=options, **fields)


def with_options(request: JobRequest, **changes) -> JobRequest:
    """The same request with some image options changed."""
    return replace(request, options=replace(request.options, **changes))


def with_context_image(request: _Inputs, image_id: int) -> tuple[int, ...]:
    """The request's input images with `image_id` (the image a turn continues from) added: first, unless a
    mask was painted on the first input. The service applies the mask to the first image, so that one stays
    first and the added image comes second."""
    images = request.input_image_ids
    if image_id in images:
        return images
    if request.mask_id is not None and images:
        return (images[0], image_id, *images[1:])
    return (image_id, *images)


def restarted(request: TurnRequest) -> TurnRequest:
    """The same turn as the first of a new chain: the parent's image as input, the earlier prompts in short,
    no `previous_response_id` (the service no longer has it)."""
    earlier = "; ".join(f"“{prompt}”" for prompt in request.history[-6:])
    prompt = request.prompt
    if earlier:
        prompt = f"This image was made from these requests, in order: {earlier}. Now: {request.prompt}"
    images = request.input_image_ids
    if request.restart_image_id is not None:
        images = with_context_image(request, request.restart_image_id)
    return replace(
        request,
        prompt=prompt[:PROMPT_MAX],
        previous_response_id="",
        input_image_ids=images,
        restart_image_id=None,
        history=(),
        earlier_turns=0,
    )
