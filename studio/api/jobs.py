"""Uploads, jobs (queue, read with long polling, cancel) and image files: the Studio's core, by API."""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from django.http import FileResponse, HttpRequest
from django.utils.cache import patch_cache_control
from ninja import File, Header, Query, Router, Status, UploadedFile

from studio.api.errors import ApiError, core_refusals, form_error, not_found
from studio.api.forms import ApiJobForm, UploadForm
from studio.api.idempotency import queue_once
from studio.api.openapi import errors
from studio.api.schemas import JobIn, JobOut, UploadOut, job_data, jobs_for
from studio.core.jobs import cancel_job, queue_job
from studio.core.storage import store_image
from studio.models import GenerationJob, ImageAsset

router = Router(tags=["jobs"])
POLL_SECONDS = 0.25
MAX_WAIT = 60


def get_job_data(owner, job_id: int) -> dict:
    """The owner's job as the API shows it, or 404."""
    job = jobs_for(owner).filter(pk=job_id).first()
    if job is None:
        raise not_found("job", job_id)
    return job_data(job)


@router.post("/uploads", response={201: UploadOut, **errors(400, 401, 413, 422, 429)}, url_name="upload")
def upload(request: HttpRequest, file: File[UploadedFile]):
    """Upload an image (PNG, JPEG or WebP, multipart field `file`) to edit, or to use as a mask."""
    form = UploadForm(files={"file": file})
    if not form.is_valid():
        raise form_error(form)
    image = store_image(request.auth.owner, form.cleaned_data["file"], kind=ImageAsset.Kind.UPLOAD)
    return Status(201, {"id": image.pk, "width": image.width, "height": image.height, "format": image.format})


@router.post(
    "/jobs", response={200: JobOut, 202: JobOut, **errors(400, 401, 403, 409, 413, 422, 429)}, url_name="jobs"
)
def create_job(
    request: HttpRequest, payload: JobIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Queue a generation or an edit. 202 with the job; 200 with the same job for a repeated
    `Idempotency-Key` and body. A request identical to an earlier one is answered from the cache."""
    owner = request.auth.owner
    form = ApiJobForm(payload.model_dump(), owner=owner)
    if not form.is_valid():
        raise form_error(form)

    def queue() -> GenerationJob:
        with form.stored_mask(owner) as mask, core_refusals():
            return queue_job(owner, form.image_request(mask))

    job, created = queue_once(request, idempotency_key, queue)
    return Status(202 if created else 200, get_job_data(owner, job.pk))


@router.get("/jobs/{job_id}", response={200: JobOut, **errors(401, 404, 422, 429)}, url_name="get_job")
async def get_job(
    request: HttpRequest,
    job_id: int,
    wait: int = Query(
        0, ge=0, le=MAX_WAIT, description="Seconds to hold the answer until the status changes."
    ),
):
    """A job. With `?wait=N` (up to 60 s) the answer waits until the job's status changes (long polling;
    no thread is held meanwhile): a finished job answers at once."""
    owner = request.auth.owner
    data = await sync_to_async(get_job_data)(owner, job_id)
    if wait and data["status"] in GenerationJob.ACTIVE_STATUSES:
        await _until_status_changes(job_id, data["status"], wait)
        data = await sync_to_async(get_job_data)(owner, job_id)
    return data


async def _until_status_changes(job_id: int, status: str, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    statuses = GenerationJob.objects.filter(pk=job_id).values_list("status", flat=True)
    while loop.time() < deadline:
        await asyncio.sleep(min(POLL_SECONDS, max(deadline - loop.time(), 0)))
        if await statuses.afirst() != status:
            return


@router.post(
    "/jobs/{job_id}/cancel", response={200: JobOut, **errors(401, 404, 409, 429)}, url_name="cancel_job"
)
def cancel(request: HttpRequest, job_id: int):
    """Stop a queued or running job (its reservation is released). 409 if it has already finished."""
    owner = request.auth.owner
    job = GenerationJob.objects.for_user(owner).filter(pk=job_id).first()
    if job is None:
        raise not_found("job", job_id)
    if not cancel_job(job):
        job.refresh_from_db(fields=["status"])
        raise ApiError(
            409, "job_finished", f"Job #{job.pk} has already {job.status}: there is nothing to stop."
        )
    return get_job_data(owner, job_id)


IMAGE_CONTENT = {
    "content": {
        f"image/{fmt}": {"schema": {"type": "string", "format": "binary"}} for fmt in ("png", "jpeg", "webp")
    }
}


@router.get(
    "/images/{image_id}/content",
    response=errors(401, 404, 429),
    url_name="image_content",
    openapi_extra={
        "responses": {"200": {"description": "The image file, in its own format.", **IMAGE_CONTENT}}
    },
)
def image_content(request: HttpRequest, image_id: int):
    """An image's bytes (yours only)."""
    image = ImageAsset.objects.for_user(request.auth.owner).filter(pk=image_id).first()
    if image is None:
        raise not_found("image", image_id)
    response = FileResponse(image.file.open("rb"), content_type=f"image/{image.format}")
    patch_cache_control(response, private=True, max_age=31536000, immutable=True)
    return response
