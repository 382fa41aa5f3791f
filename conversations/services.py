"""Starting turns and looking after conversations: the steps that span several models."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from conversations.models import Conversation, Turn
from studio.core.jobs import cancel_job, queue_job
from studio.core.requests import ImageOptions, TurnRequest
from studio.core.storage import add_thumbnail, delete_assets
from studio.models import GenerationJob, ImageAsset, UsageRecord

TITLE_LENGTH = 60


def title_from_prompt(prompt: str) -> str:
    words = " ".join(prompt.split())
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def default_parent(conversation: Conversation) -> Turn | None:
    """The turn a new prompt continues from when none is picked: the latest one that finished."""
    return conversation.turns.finished().order_by("-created_at", "-pk").first()


CHAIN_LIMIT = 50


def chain_of(turn: Turn | None) -> list[Turn]:
    """The turns a turn continues, oldest first, ending with `turn` itself (at most CHAIN_LIMIT)."""
    chain = []
    while turn is not None and len(chain) < CHAIN_LIMIT:
        chain.append(turn)
        turn = (
            Turn.objects.select_related("job")
            .prefetch_related("job__images")
            .filter(pk=turn.parent_id)
            .first()
        )
    return chain[::-1]


def start_turn(
    conversation: Conversation,
    *,
    prompt: str,
    options: ImageOptions,
    parent: Turn | None = None,
    reference_images: list[ImageAsset] = (),
    mask: ImageAsset | None = None,
    paste_back_feather: int | None = None,
) -> Turn:
    """Queue the turn's job and create the turn, in one transaction (through `queue_job`).

    The turn is sent with its parent's `response_id` as `previous_response_id`: the latest finished turn
    by default, or an earlier one to branch. Raises `budgets.BudgetExceeded` or `requests.InvalidRequest`
    (nothing is created then).
    """
    latest = default_parent(conversation)
    branched = parent is not None and parent != latest
    parent = parent or latest
    chain = chain_of(parent)
    parent_image = parent.final_image if parent is not None else None
    request = TurnRequest(
        prompt=prompt,
        options=options,
        mainline_model=conversation.mainline_model,
        conversation_id=conversation.pk,
        previous_response_id=parent.response_id if parent is not None else "",
        earlier_turns=len(chain),
        restart_image_id=parent_image.pk if parent_image is not None else None,
        history=tuple(turn.prompt for turn in chain),
        input_image_ids=tuple(image.pk for image in reference_images),
        mask_id=mask.pk if mask else None,
        paste_back_feather=paste_back_feather,
    )
    created: list[Turn] = []

    def attach(job) -> None:
        created.append(
            Turn.objects.create(conversation=conversation, parent=parent, branched=branched, job=job)
        )
        conversation.updated_at = timezone.now()
        fields = ["updated_at"]
        if not conversation.title:
            conversation.title = title_from_prompt(prompt)
            fields.append("title")
        conversation.save(update_fields=fields)

    queue_job(conversation.owner, request, attach=attach)
    return created[0]


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
    jobs = GenerationJob.objects.filter(turn__conversation=conversation)
    for job in jobs.filter(status__in=GenerationJob.ACTIVE_STATUSES):
        cancel_job(job)
    with transaction.atomic():
        images = list(ImageAsset.objects.filter(job__in=jobs))
        job_ids = list(jobs.values_list("pk", flat=True))
        masks = [mask for mask in jobs.values_list("request__mask_id", flat=True) if mask]
        conversation.delete()
        GenerationJob.objects.filter(pk__in=job_ids).delete()
        # The jobs went first, so that the masks only they sent are no longer in use.
        delete_assets(images, masks=masks)


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
