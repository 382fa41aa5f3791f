"""What one Responses call will do: the user's words and images, the image tool's options, the action, the
render job, the revised prompt and the assistant's message, all decided (and validated) before any waiting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import config
from .conversation import UserInput, read_input
from .errors import USER_ERROR, bad_request, invalid_type, missing_parameter, unknown_parameter
from .mainline import MainlineUsage, mainline_usage, reasoning_effort, vision_tokens
from .mainline import check_model as check_mainline_model
from .rendering import RenderJob
from .state import STATE, GeneratedImage, StoredResponse
from .text_reply import reply_text
from .uploads import check_image, check_mask, decode_data_url
from .validation import Fields, ImageOptions, check_model, check_prompt_text, read_image_options

# The request body's fields: OpenAI's published CreateResponse schema and the newest SDK's create() parameters.
# Anything else is an unknown parameter, as on the real server.
REQUEST_FIELDS = frozenset(
    """
    access_programs background background_options context_management conversation image include input
    instructions max_output_tokens max_tool_calls metadata model moderation parallel_tool_calls
    previous_response_id prompt prompt_cache_key prompt_cache_options prompt_cache_retention reasoning
    safety_identifier service_tier store stream stream_options temperature text tool_choice tools top_logprobs
    top_p truncation user
    """.split()  # noqa: SIM905 - a list of 100 names reads better as words
)
TOOL_FIELDS = frozenset(
    {
        "type",
        "model",
        "action",
        "size",
        "quality",
        "background",
        "output_format",
        "output_compression",
        "moderation",
        "partial_images",
        "input_fidelity",
        "input_image_mask",
    }
)
# The newest SDK documents gpt-image-2.6-sunburst as the default; the emulator does not play the 2.5/2.6 family.
DEFAULT_TOOL_MODEL = "gpt-image-2"


@dataclass
class Plan:
    """What one Responses call will do, decided before any waiting."""

    body: dict
    previous: StoredResponse | None
    user: UserInput
    tools_echo: list[dict]
    options: ImageOptions | None
    action: str
    job: RenderJob | None
    revised_prompt: str
    message: str
    context_sizes: list[tuple[int, int]]
    stream: bool = False
    background: bool = False
    # The mainline model's reasoning effort; None for a model that does not reason (and has no reasoning item).
    effort: str | None = None
    usage: MainlineUsage | None = None


def plan_response(body: Any, *, chain_expired: bool = False) -> Plan:
    """Validate a create request the way the server does, and decide the call.

    `chain_expired` plays an old conversation: every stored response and image it names has expired.
    """
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", param=None, code="invalid_type")
    for key in body:
        if key not in REQUEST_FIELDS:
            raise unknown_parameter(key)
    fields = Fields(body)
    model = fields.string("model")
    if model is None:
        raise missing_parameter("model")
    if body.get("previous_response_id") and body.get("conversation"):
        # A chain continues from one or the other, never both (§6.2).
        raise bad_request(
            "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or "
            "'conversation'.",
            param=None,
            code="mutually_exclusive_parameters",
        )
    stream = fields.boolean("stream", False)
    store = fields.boolean("store", True)
    background = fields.boolean("background", False)
    if background and not store:
        raise bad_request("Background mode requires store=true.", param="background", code=None)
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise invalid_type("tools", "an array", tools)
    image_tool = next(
        (
            index
            for index, tool in enumerate(tools)
            if isinstance(tool, dict) and tool.get("type") == "image_generation"
        ),
        None,
    )
    check_mainline_model(model, image_tool=image_tool is not None)
    effort = reasoning_effort(model, body.get("reasoning"))
    instructions = fields.string("instructions", "")
    previous = find_previous(fields.string("previous_response_id"), chain_expired)
    user = read_input(body.get("input"), chain_expired=chain_expired)
    text = check_prompt_text(user.text, "input") if user.texts else ""
    if not text and not user.images and not user.referenced:
        raise missing_parameter("input")
    if image_tool is None:
        message = reply_text(instructions or "", text)
        plan = Plan(body, previous, user, list(tools), None, "none", None, "", message, [])
    else:
        plan = plan_image_call(body, previous, user, text, tools, image_tool, stream=stream)
    plan.stream, plan.background, plan.effort = stream, background, effort
    plan.usage = usage_of(plan, instructions or "")
    return plan


def find_previous(previous_id: str | None, chain_expired: bool) -> StoredResponse | None:
    if previous_id is None:
        return None
    previous = None if chain_expired else STATE.live_response(previous_id)
    if previous is None:
        raise bad_request(
            f"Previous response with id '{previous_id}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    return previous


def plan_image_call(
    body: dict,
    previous: StoredResponse | None,
    user: UserInput,
    text: str,
    tools: list,
    index: int,
    *,
    stream: bool,
) -> Plan:
    tool = tools[index]
    for key in tool:
        if key not in TOOL_FIELDS:
            raise unknown_parameter(f"tools[{index}].{key}")
    fields = Fields(tool, name=lambda key: f"tools[{index}].{key}")
    model = check_model(fields, default=DEFAULT_TOOL_MODEL)
    action = fields.choice("action", ("generate", "edit", "auto"), "auto")
    context = [image.data for image in user.images] + [image.data for image in user.referenced]
    sizes = [(image.width, image.height) for image in user.images]
    sizes += [(image.width, image.height) for image in user.referenced]
    chain_image = previous.image if previous is not None and not context else None
    if chain_image is not None:
        sizes = [(chain_image.width, chain_image.height)]
    reference = sizes[0] if sizes else None
    options = read_image_options(
        fields,
        model=model,
        rule_param=lambda _: "tools",
        allow_n=False,
        reference=reference,
        accepts_fidelity=True,
    )
    if stream and options.partial_images == 0:
        # The real body, tool default (0) or not: a stream of this tool must show partial images.
        raise bad_request(
            "Streaming must have non-zero partial images.", param="tools", code=None, type=USER_ERROR
        )
    has_context = bool(context) or chain_image is not None
    if action == "auto":
        action = "edit" if has_context else "generate"
    if action == "edit" and not has_context:
        raise bad_request(
            "The image_generation tool was asked to edit, but there is no image in the conversation to edit.",
            param="tools",
            code="invalid_value",
        )
    mask = read_mask(tool.get("input_image_mask"), index, user, chain_image)
    partials = options.partial_images if stream else 0
    prompts = (*previous.prompts, text) if previous is not None else (text,)
    if action == "generate":
        job = RenderJob(text or "Untitled", options, partials=partials)
        sizes = []
    elif chain_image is not None and mask is None:
        job = RenderJob(text, options, partials=partials, previous=chain_image.data, instruction=text)
    else:
        images = tuple(context) if context else (chain_image.data,)  # type: ignore[union-attr]
        job = RenderJob(
            text, options, partials=partials, images=images, edit=True, mask=mask, leak=config.edit_leak()
        )
    tools_echo = [echo_tool(tool, options) if number == index else tool for number, tool in enumerate(tools)]
    revised = revised_prompt(prompts, previous)
    message = assistant_message(text, previous is not None)
    return Plan(body, previous, user, tools_echo, options, action, job, revised, message, sizes)


def usage_of(plan: Plan, instructions: str) -> MainlineUsage:
    """The mainline model reads the chain, the user's words and every image in the input, and writes the
    image call (its revised prompt) and the message."""
    reads = [
        vision_tokens(image.width, image.height, detail)
        for image, detail in zip(plan.user.images, plan.user.details, strict=True)
    ]
    reads += [vision_tokens(image.width, image.height) for image in plan.user.referenced]
    made = (plan.options.width, plan.options.height) if plan.options is not None and plan.job else None
    return mainline_usage(
        effort=plan.effort,
        previous=plan.previous,
        instructions=instructions,
        user_text=plan.user.text,
        image_reads=reads,
        image_tool=plan.options is not None,
        visible_output=f"{plan.revised_prompt} {plan.message}",
        image_made=made,
    )


def read_mask(raw: Any, index: int, user: UserInput, chain_image: GeneratedImage | None) -> bytes | None:
    if raw is None:
        return None
    param = f"tools[{index}].input_image_mask"
    if not isinstance(raw, dict) or not isinstance(raw.get("image_url"), str):
        raise bad_request(
            f"Invalid '{param}': the emulator takes the mask as a base64 data URL in 'image_url'.",
            param=param,
            code="invalid_value",
        )
    data, mime = decode_data_url(raw["image_url"], param=f"{param}.image_url")
    first = user.images[0] if user.images else None
    if first is None:
        source = user.referenced[0] if user.referenced else chain_image
        if source is None:
            raise bad_request("A mask needs an image to apply to.", param=param, code="invalid_value")
        first = check_image(source.data, f"image/{source.output_format}", param=param)
    return check_mask(data, mime, first, param=param).data


def echo_tool(tool: dict, options: ImageOptions) -> dict:
    """The tool as the server echoes it in `response.tools`: what was sent, with the defaults filled in."""
    echoed = {
        "type": "image_generation",
        "action": "auto",
        "background": "auto",
        "model": options.model,
        "moderation": "auto",
        "n": 1,
        "output_compression": 100,
        "output_format": "png",
        "partial_images": 0,
        "quality": "auto",
        "size": "auto",
    }
    echoed.update(tool)
    return echoed


def revised_prompt(prompts: tuple[str, ...], previous: StoredResponse | None) -> str:
    """What the mainline model sends the image model: the user's words, expanded."""
    latest = prompts[-1].strip().rstrip(".") or "An image"
    if previous is None or len(prompts) == 1:
        return (
            f"{latest}. A polished graphic design with a clear focal point, a bold sans-serif headline, "
            "a restrained palette of flat colours and generous negative space."
        )
    history = "; ".join(prompt.strip().rstrip(".") for prompt in prompts[:-1] if prompt.strip())
    return (
        f"Revise the previous design ({history}): {latest}. Keep the composition, typography and layout "
        "otherwise unchanged."
    )


def assistant_message(text: str, follow_up: bool) -> str:
    words = " ".join(text.split()[:8])
    return f"Done: I revised the image ({words})." if follow_up else f"Here is your design: {words}."
