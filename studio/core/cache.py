"""The request cache: an Image API request identical to one the user already ran is answered with the earlier
images, at no cost. The key covers every option and the bytes (by SHA-256) of every input image and the mask."""

from __future__ import annotations

import hashlib
import json

from django.utils import timezone

from studio.core import events
from studio.core.requests import ImageRequest, to_json
from studio.models import GenerationJob, ImageAsset

# Not part of what the model is asked: two requests that differ only here give the same image.
_NOT_IN_KEY = ("input_image_ids", "mask_id")


def cache_key(request: ImageRequest, inputs: list[ImageAsset], mask: ImageAsset | None) -> str:
    """SHA-256 over a canonical form of the request, with its images by content instead of by id."""
    canonical = {k: v for k, v in to_json(request).items() if k not in _NOT_IN_KEY}
    canonical["inputs"] = [image.sha256 for image in inputs]
    canonical["mask"] = mask.sha256 if mask else None
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


def reuse(source: GenerationJob, **fields) -> GenerationJob:
    """A cache hit: a finished job whose images are the earlier ones (same files), at no cost. A transparent
    background's cut-outs come too, each linked to the copy of its final, as the job made them."""
    now = timezone.now()
    job = GenerationJob.objects.create(
        status=GenerationJob.Status.SUCCEEDED,
        stage="From cache",
        cached_from=source,
        started_at=now,
        finished_at=now,
        **fields,
    )
    finals = list(source.images.filter(kind=ImageAsset.Kind.FINAL).order_by("output_index"))
    copies = ImageAsset.objects.bulk_create(_copy(image, job) for image in finals)
    copy_of = {final.pk: copy for final, copy in zip(finals, copies, strict=True)}
    ImageAsset.objects.bulk_create(
        _copy(cutout, job, derived_from=copy_of[cutout.derived_from_id], recipe=cutout.recipe)
        for cutout in _cutouts_made_by(source, finals)
    )
    events.job_finished.send(sender=GenerationJob, job_id=job.pk)  # inside queue_job's transaction
    return job


def _cutouts_made_by(source: GenerationJob, finals: list[ImageAsset]) -> list[ImageAsset]:
    """The first cut-out of each final: the one the job keyed out itself (those saved later from the image's
    "Remove background" page are the user's own work, not the job's answer)."""
    first = {}
    for cutout in source.images.filter(kind=ImageAsset.Kind.CUTOUT, derived_from__in=finals).order_by("pk"):
        first.setdefault(cutout.derived_from_id, cutout)
    return list(first.values())


def _copy(image: ImageAsset, job: GenerationJob, **fields) -> ImageAsset:
    """A new row of `job` for the same file."""
    return ImageAsset(
        owner=job.owner,
        job=job,
        kind=image.kind,
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
        **fields,
    )


def copies_of(image: ImageAsset) -> list[ImageAsset]:
    """The rows that cache hits made of `image`, a final or its cut-out (the same file, in jobs answered
    from its job)."""
    if image.job_id is None or image.kind not in (ImageAsset.Kind.FINAL, ImageAsset.Kind.CUTOUT):
        return []
    return list(
        ImageAsset.objects.filter(
            job__cached_from=image.job_id,
            kind=image.kind,
            sha256=image.sha256,
            output_index=image.output_index,
        )
    )
