"""Ways around a moderation block: a prompt the mainline model rephrased (a cheap text-only call, recorded
as usage of the blocked job), the closest images of the user's gallery and of the admins' fallback library,
and a retry at `moderation: low` where an admin allows it. Each way taken is recorded on the blocked job
(`block_resolution`), for the admin's usage view."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from asgiref.sync import async_to_sync
from django.conf import settings

from studio.core import openai_client
from studio.core.requests import PROMPT_MAX, JobRequest, TurnRequest, from_json, with_options
from studio.core.storage import store_image
from studio.models import FallbackImage, GenerationJob, ImageAsset, Rephrasing, UsageRecord, UserPolicy

Resolution = GenerationJob.BlockResolution
CLOSEST = 6  # images offered from each source
GALLERY_SCAN = 500  # the user's most recent images looked at for the closest ones
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "over",
        "so",
        "than",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "those",
        "to",
        "under",
        "very",
        "was",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "without",
    ]
)
REPHRASE_INSTRUCTIONS = (
    "Rewrite the user's image prompt so that an image model's safety system accepts it. Keep the subject, "
    "composition, style, colours and any quoted text; replace or soften only what could be read as {flagged}. "
    "Answer with the rewritten prompt only, no comments."
)


def is_blocked(job: GenerationJob) -> bool:
    return job.status == GenerationJob.Status.FAILED and job.error_code == "moderation_blocked"


def resolve(job: GenerationJob, resolution: str) -> None:
    """Record the way around the block the user took (the latest one counts)."""
    job.block_resolution = resolution
    GenerationJob.objects.filter(pk=job.pk).update(block_resolution=resolution)


# -- (a) A rephrased prompt ---------------------------------------------------------------------------


def mainline_model_for(job: GenerationJob) -> str:
    request = from_json(job.request)
    return request.mainline_model if isinstance(request, TurnRequest) else settings.ATELIER_MAINLINE_MODEL


def suggest_rephrasing(job: GenerationJob) -> Rephrasing:
    """Ask the mainline model to rewrite the blocked prompt; its cost is recorded as the job's usage.
    Raises `ModelServiceError`."""
    model = mainline_model_for(job)
    flagged = ", ".join(job.blocked_categories or []) or "unsafe content"
    instructions = REPHRASE_INSTRUCTIONS.format(flagged=flagged)
    answer = async_to_sync(openai_client.rewrite)(model, instructions, job.prompt)
    usage = answer.usage
    UsageRecord.objects.get_or_create(
        job=job,
        upstream_key=f"{answer.response_id}:rephrase"[:120],
        defaults={
            "owner_id": job.owner_id,
            "api": UsageRecord.Api.RESPONSES,
            "model": usage.model,
            "quality": "text",
            "size": "text",
            "input_text_tokens": usage.input_text_tokens,
            "cached_input_tokens": usage.cached_input_tokens,
            "output_tokens": usage.output_tokens,
            "cost_usd": usage.cost_usd,
        },
    )
    prompt = (answer.text or job.prompt)[:PROMPT_MAX]
    return Rephrasing.objects.create(job=job, prompt=prompt, model=model, cost_usd=usage.cost_usd)


def rephrased_request(job: GenerationJob, prompt: str) -> JobRequest:
    """The blocked job's request with the new prompt (its options and input images unchanged)."""
    return replace(from_json(job.request), prompt=prompt)


# -- (b) The closest images ---------------------------------------------------------------------------


def words_of(text: str) -> set[str]:
    return {
        word for word in re.findall(r"[a-z0-9]+", text.lower()) if word not in STOP_WORDS and len(word) > 1
    }


def overlap(wanted: set[str], text: str) -> float:
    """How much of the prompt's words the text shares (0 to 1), plain word overlap."""
    if not wanted:
        return 0.0
    return len(wanted & words_of(text)) / len(wanted)


@dataclass(frozen=True)
class Closest:
    gallery: list[ImageAsset]
    library: list[FallbackImage]


def closest_images(job: GenerationJob, limit: int = CLOSEST) -> Closest:
    """The user's own images whose prompts share the most words with the blocked prompt, and the approved
    library images whose title and tags do. Images sharing no word are left out."""
    wanted = words_of(job.prompt)
    mine = (
        ImageAsset.objects.for_user(job.owner_id)
        .in_gallery()
        .exclude(job=job)
        .select_related("job")
        .order_by("-created_at")[:GALLERY_SCAN]
    )
    gallery = _best(((overlap(wanted, image.prompt), image) for image in mine), limit)
    stock = FallbackImage.objects.approved()
    library = _best(((overlap(wanted, f"{item.title} {item.tags}"), item) for item in stock), limit)
    return Closest(gallery, library)


def _best(scored, limit: int) -> list:
    ranked = sorted((entry for entry in scored if entry[0] > 0), key=lambda entry: -entry[0])
    return [item for _, item in ranked[:limit]]


def use_gallery_image(job: GenerationJob, image: ImageAsset) -> ImageAsset:
    """One of the user's own images stands in for the blocked one."""
    resolve(job, Resolution.FALLBACK_IMAGE)
    return image


def use_library_image(job: GenerationJob, item: FallbackImage) -> ImageAsset:
    """A copy of the library image in the user's gallery (source: the fallback library), usable like any
    of theirs."""
    with item.image.open("rb") as file:
        data = file.read()
    image = store_image(job.owner, data, kind=ImageAsset.Kind.FALLBACK)
    resolve(job, Resolution.FALLBACK_IMAGE)
    return image


# -- (c) A retry at low moderation --------------------------------------------------------------------


def may_retry_low(job: GenerationJob) -> bool:
    """An admin allowed this user low moderation, the job was sent where OpenAI takes `moderation` (Image API
    generations and the Responses image tool; not edits), and not already at low."""
    if job.kind not in (GenerationJob.Kind.IMAGE_GENERATE, GenerationJob.Kind.RESPONSE):
        return False
    if from_json(job.request).options.moderation == "low":
        return False
    return UserPolicy.objects.filter(user_id=job.owner_id, allow_low_moderation=True).exists()


def low_moderation_request(job: GenerationJob) -> JobRequest:
    return with_options(from_json(job.request), moderation="low")
