"""What the API reads and answers, as schemas (the OpenAPI document is generated from them), and the one
function that shows a job the way every endpoint shows it.

Option fields are plain strings and numbers here, with their allowed values listed for the document: the
values are checked by Atelier's forms, so the API refuses what the pages refuse, in the same words.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Schema
from pydantic import ConfigDict, Field

from studio.core import sizes
from studio.core.requests import BACKGROUNDS, MODERATIONS, OUTPUT_FORMATS, QUALITIES
from studio.models import GenerationJob, ImageAsset
from studio.models.api import WEBHOOK_EVENTS

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
API_KIND = {
    GenerationJob.Kind.IMAGE_GENERATE: "generate",
    GenerationJob.Kind.IMAGE_EDIT: "edit",
    GenerationJob.Kind.RESPONSE: "turn",
}


def _one_of(values, default, description: str = ""):
    return Field(default, description=description, json_schema_extra={"enum": list(values)})


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str
    message: str
    param: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class UploadOut(Schema):
    id: int
    width: int
    height: int
    format: str


class JobIn(Strict):
    kind: str = _one_of(("generate", "edit"), "generate", "`edit` needs `images` (and may take a `mask`).")
    prompt: str = Field(description="What to make, or how to change the images (up to 32,000 characters).")
    model: str = _one_of(sizes.offered_models(), sizes.DEFAULT_MODEL)
    size: str = Field("1024x1024", description="`WIDTHxHEIGHT` the model can make, or `auto`.")
    quality: str = _one_of(QUALITIES, "medium")
    n: int = Field(1, description="How many images, 1 to 10.")
    output_format: str = _one_of(OUTPUT_FORMATS, "png")
    output_compression: int | None = Field(None, description="0-100, for jpeg and webp.")
    moderation: str = _one_of(MODERATIONS, "auto")
    background: str = _one_of(BACKGROUNDS, "auto")
    partial_images: int = Field(0, description="Partial images streamed while it forms, 0 to 3.")
    images: list[int] = Field(default_factory=list, description="Ids of uploads or of your images, to edit.")
    mask: int | None = Field(None, description="Id of an upload: transparent (or white) where it may change.")


class ImageOut(Schema):
    id: int
    url: str
    width: int
    height: int
    format: str


class UsageOut(Schema):
    model: str
    api: str
    input_text_tokens: int
    input_image_tokens: int
    cached_input_tokens: int
    output_tokens: int
    partial_image_tokens: int
    cost_usd: Decimal


class JobOut(Schema):
    id: int
    kind: Literal["generate", "edit", "turn"]
    status: JobStatus
    stage: str = Field(description="What the job is doing now, in plain words.")
    created_at: datetime
    finished_at: datetime | None
    partials: int = Field(description="Partial images received so far.")
    images: list[ImageOut] = Field(description="The finished images (once succeeded).")
    usage: list[UsageOut] = Field(description="What each model used, as the API reported it.")
    cost_usd: Decimal | None = Field(description="What it cost (null before anything was charged).")
    estimate_usd: Decimal = Field(description="The estimate reserved against the budget when queued.")
    cached: bool = Field(description="Answered from an identical earlier request, at no cost.")
    turn: int | None = Field(description="The conversation turn this job is, if it is one.")
    error: ErrorDetail | None
    url: str


class ConversationIn(Strict):
    title: str = Field("", max_length=120, description="Empty: named after its first prompt.")


class TurnIn(Strict):
    prompt: str
    parent: int | None = Field(
        None, description="The turn to continue from; default: the latest (queued behind it while it runs)."
    )
    quality: str | None = _one_of(QUALITIES, None)
    size: str | None = None
    partial_images: int | None = None
    images: list[int] = Field(default_factory=list, description="Reference images: uploads or your images.")
    mask: int | None = Field(None, description="Id of an upload: where the first image may change.")


class TurnOut(Schema):
    id: int
    prompt: str
    parent: int | None
    response_id: str
    previous_response_id: str
    job: JobOut


class ConversationOut(Schema):
    id: int
    title: str
    created_at: datetime
    turns: list[TurnOut] = Field(description="Oldest first.")


class TurnCreated(Schema):
    turn: int
    job: JobOut


class WebhookIn(Strict):
    url: str = Field(description="https:// (or http://) on a public address.")
    events: list[str] = Field(
        default_factory=lambda: list(WEBHOOK_EVENTS),
        json_schema_extra={"items": {"enum": list(WEBHOOK_EVENTS)}},
    )


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="`whsec_...`: verifies the signatures. Shown this once.")


def image_data(image: ImageAsset) -> dict:
    url = reverse("api:image_content", args=[image.pk])
    return {"id": image.pk, "url": url, "width": image.width, "height": image.height, "format": image.format}


def job_data(job: GenerationJob) -> dict:
    """A job as the API shows it. Reads `images`, `usage_records` and `turn` (see `jobs_for`)."""
    images = sorted(job.images.all(), key=lambda image: (image.output_index, image.pk))
    records = list(job.usage_records.all())
    turn = getattr(job, "turn", None)
    error = {"code": job.error_code, "message": job.error_message, "param": job.error_param or None}
    return {
        "id": job.pk,
        "kind": API_KIND[job.kind],
        "status": job.status,
        "stage": job.stage,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "partials": sum(image.kind == ImageAsset.Kind.PARTIAL for image in images),
        "images": [image_data(image) for image in images if image.kind == ImageAsset.Kind.FINAL],
        "usage": [{field: getattr(record, field) for field in UsageOut.model_fields} for record in records],
        "cost_usd": sum((record.cost_usd for record in records), Decimal("0")) if records else None,
        "estimate_usd": job.estimated_cost_usd,
        "cached": job.cached_from_id is not None,
        "turn": turn.pk if turn is not None else None,
        "error": error if job.status == GenerationJob.Status.FAILED else None,
        "url": reverse("api:get_job", args=[job.pk]),
    }


def jobs_for(owner):
    """The owner's jobs, with what `job_data` reads."""
    return (
        GenerationJob.objects.for_user(owner)
        .select_related("turn")
        .prefetch_related("images", "usage_records")
    )
