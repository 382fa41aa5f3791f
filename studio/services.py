"""Starting Image API jobs from the Studio: the request cache, generations, edits and draft-to-final."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from studio import budgets, pricing, runner
from studio.models import GenerationJob, ImageAsset

PASTE_BACK_FEATHER = 8


def job_request(
    params: dict,
    *,
    inputs: list[ImageAsset],
    mask: ImageAsset | None,
    feather: int | None,
    partials: int | None = None,
) -> dict:
    """What a job will send: the SDK call's arguments, and its images and mask by id (never their bytes)."""
    return {
        "params": params,
        "input_image_ids": [image.pk for image in inputs],
        "mask_id": mask.pk if mask else None,
        "paste_back_feather": feather if mask else None,
        "partial_images_total": params.get("partial_images", 0) if partials is None else partials,
    }


def cache_key(kind: str, params: dict, inputs: list[ImageAsset], mask: ImageAsset | None) -> str:
    """SHA-256 over a canonical form of the request: every option, and the bytes (by hash) of its inputs."""
    canonical = {
        "kind": kind,
        "params": params,
        "inputs": [image.sha256 for image in inputs],
        "mask": mask.sha256 if mask else None,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def cached_job(owner, key: str) -> GenerationJob | None:
    """The latest finished job of this user with the same request, if its images are still there."""
    return (
        GenerationJob.objects.for_user(owner)
        .filter(cache_key=key, status=GenerationJob.Status.SUCCEEDED, cached_from__isnull=True)
        .filter(images__kind=ImageAsset.Kind.FINAL)
        .order_by("-created_at")
        .first()
    )


def _reuse(owner, kind: str, request: dict, key: str, source: GenerationJob) -> GenerationJob:
    """A cache hit: a finished job whose images are the earlier ones (same files), at no cost."""
    now = timezone.now()
    job = GenerationJob.objects.create(
        owner=owner,
        kind=kind,
        request=request,
        status=GenerationJob.Status.SUCCEEDED,
        stage="From cache",
        cache_key=key,
        cached_from=source,
        started_at=now,
        finished_at=now,
    )
    for image in source.images.filter(kind=ImageAsset.Kind.FINAL).order_by("output_index"):
        ImageAsset.objects.create(
            owner=owner,
            job=job,
            kind=ImageAsset.Kind.FINAL,
            sha256=image.sha256,
            file=image.file.name,
            thumbnail=image.thumbnail.name,
            width=image.width,
            height=image.height,
            format=image.format,
            size_bytes=image.size_bytes,
            output_index=image.output_index,
            mask_id=image.mask_id,
            leak_ratio=image.leak_ratio,
        )
    return job


def start_image_job(
    owner,
    options: dict,
    *,
    inputs: list[ImageAsset] = (),
    mask: ImageAsset | None = None,
    fresh: bool = False,
    draft_of: GenerationJob | None = None,
    feather: int | None = PASTE_BACK_FEATHER,
) -> GenerationJob:
    """Queue an Image API generation (no inputs) or edit (inputs, optional mask), or answer from the cache.

    The job row, its budget reservation and its queueing happen in one transaction. Raises
    `budgets.BudgetExceeded` (nothing is created then).
    """
    kind = GenerationJob.Kind.IMAGE_EDIT if inputs else GenerationJob.Kind.IMAGE_GENERATE
    params = dict(options)
    if inputs:
        params.pop("moderation", None)  # the edits endpoint has no moderation setting
    request = job_request(params, inputs=inputs, mask=mask, feather=feather)
    key = cache_key(kind, params, list(inputs), mask)
    with transaction.atomic():
        source = None if fresh else cached_job(owner, key)
        if source is not None:
            job = _reuse(owner, kind, request, key, source)
            job.draft_of = draft_of
            job.save(update_fields=["draft_of"])
            return job
        estimate = pricing.estimate(
            params["model"],
            params.get("quality", "auto"),
            params.get("size", "auto"),
            n=params.get("n", 1),
            partial_images=params.get("partial_images", 0),
            input_images=[(image.width, image.height) for image in inputs],
            prompt=params["prompt"],
        )
        job = GenerationJob.objects.create(
            owner=owner,
            kind=kind,
            request=request,
            stage="Queued",
            cache_key=key,
            estimated_cost_usd=estimate.cost_usd,
            draft_of=draft_of,
        )
        budgets.reserve(job, estimate.cost_usd)
        runner.enqueue(job)
    return job


def finalize(
    draft: GenerationJob, *, size: str | None = None, output_format: str | None = None
) -> GenerationJob:
    """Run a draft's request again at high quality (optionally at another size and format), linked to it."""
    params = {**draft.params, "quality": "high"}
    if size:
        params["size"] = size
    if output_format:
        params["output_format"] = output_format
        if output_format == "png":
            params.pop("output_compression", None)
    inputs = list(
        ImageAsset.objects.filter(pk__in=draft.request.get("input_image_ids") or [], owner=draft.owner)
    )
    inputs.sort(key=lambda image: draft.request["input_image_ids"].index(image.pk))
    mask_id = draft.request.get("mask_id")
    mask = ImageAsset.objects.filter(pk=mask_id, owner=draft.owner).first() if mask_id else None
    feather = draft.request.get("paste_back_feather")
    return start_image_job(draft.owner, params, inputs=inputs, mask=mask, draft_of=draft, feather=feather)
