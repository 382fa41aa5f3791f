"""Starting turns and looking after conversations: the steps that span several models."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from conversations.models import Conversation, Turn
from studio import budgets, pricing, runner
from studio.assets import add_thumbnail, delete_assets
from studio.models import GenerationJob, ImageAsset, UsageRecord
from studio.services import job_request

TITLE_LENGTH = 60


def title_from_prompt(prompt: str) -> str:
    words = " ".join(prompt.split())
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def default_parent(conversation: Conversation) -> Turn | None:
    """The turn a new prompt continues from when none is picked: the latest one that finished."""
    return conversation.turns.exclude(response_id="").order_by("-created_at", "-pk").first()


def start_turn(
    conversation: Conversation,
    *,
    prompt: str,
    tool_options: dict,
    parent: Turn | None = None,
    reference_images: list[ImageAsset] = (),
    mask: ImageAsset | None = None,
    paste_back_feather: int | None = None,
) -> Turn:
    """Create the turn and its queued job in one transaction, reserve its estimated cost, and queue it.

    The turn is sent with its parent's `response_id` as `previous_response_id`: the latest finished turn
    by default, or an earlier one to branch. Raises `budgets.BudgetExceeded` (nothing is created then).
    """
    latest = default_parent(conversation)
    branched = parent is not None and parent != latest
    parent = parent or latest
    tool = {k: v for k, v in tool_options.items() if k != "n"}
    if mask is not None:
        tool["action"] = "edit"
    params = {"model": conversation.mainline_model, "prompt": prompt, "tool": tool}
    if parent is not None:
        params["previous_response_id"] = parent.response_id
    estimate = pricing.estimate(
        tool["model"],
        tool.get("quality", "auto"),
        tool.get("size", "auto"),
        partial_images=tool.get("partial_images", 0),
        input_images=[(image.width, image.height) for image in reference_images],
        prompt=prompt,
    )
    with transaction.atomic():
        job = GenerationJob.objects.create(
            owner=conversation.owner,
            kind=GenerationJob.Kind.RESPONSE,
            request=job_request(
                params,
                inputs=list(reference_images),
                mask=mask,
                feather=paste_back_feather,
                partials=tool.get("partial_images", 0),
            ),
            stage="Queued",
            estimated_cost_usd=estimate.cost_usd,
        )
        budgets.reserve(job, estimate.cost_usd)
        turn = Turn.objects.create(
            conversation=conversation,
            parent=parent,
            branched=branched,
            job=job,
            prompt=prompt,
            image_options=tool,
            previous_response_id=params.get("previous_response_id", ""),
        )
        conversation.updated_at = timezone.now()
        fields = ["updated_at"]
        if not conversation.title:
            conversation.title = title_from_prompt(prompt)
            fields.append("title")
        conversation.save(update_fields=fields)
        runner.enqueue(job)
    return turn


def conversation_cost(conversation: Conversation) -> Decimal | None:
    """What the conversation's turns have cost so far (None before anything was charged)."""
    records = UsageRecord.objects.filter(job__turn__conversation=conversation)
    return records.aggregate(total=Sum("cost_usd"))["total"]


def new_conversation(owner, *, image_options: dict | None = None) -> Conversation:
    return Conversation.objects.create(
        owner=owner, mainline_model=settings.ATELIER_MAINLINE_MODEL, image_options=image_options or {}
    )


def delete_conversation(conversation: Conversation) -> None:
    """Delete the conversation, its turns, their jobs and images (files no longer used go too).
    Usage records stay: they are what was spent."""
    from studio.jobs import cancel_job

    jobs = GenerationJob.objects.filter(turn__conversation=conversation)
    for job in jobs.filter(status__in=GenerationJob.ACTIVE_STATUSES):
        cancel_job(job)
    with transaction.atomic():
        delete_assets(ImageAsset.objects.filter(job__in=jobs))
        job_ids = list(jobs.values_list("pk", flat=True))
        conversation.delete()
        GenerationJob.objects.filter(pk__in=job_ids).delete()


def keep_partial_as_draft(turn: Turn) -> ImageAsset | None:
    """After a Stop: the last partial image becomes the turn's image (a draft), at no extra cost."""
    partial = turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL).order_by("-partial_index", "-pk").first()
    if partial is None or turn.job.status != GenerationJob.Status.CANCELLED:
        return None
    partial.kind = ImageAsset.Kind.FINAL
    partial.save(update_fields=["kind"])
    if not partial.thumbnail:
        add_thumbnail(partial)
    return partial


def discard_partials(turn: Turn) -> int:
    return delete_assets(turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL))
