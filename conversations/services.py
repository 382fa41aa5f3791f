"""Starting turns and looking after conversations: the steps that span several models."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation, Turn
from studio.core import budgets, events
from studio.core.jobs import cancel_job, job_queued, notify_now, queue_job, retry_job
from studio.core.requests import ImageOptions, TurnRequest, from_json, to_json, with_context_image
from studio.core.storage import add_thumbnail, delete_assets
from studio.models import GenerationJob, ImageAsset

TITLE_LENGTH = 60
WAITING_STAGE = "Waiting for the turn above"


def title_from_prompt(prompt: str) -> str:
    words = " ".join(prompt.split())
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def default_parent(conversation: Conversation, *, excluding: Turn | None = None) -> Turn | None:
    """The turn a new prompt continues from when none is picked: the latest one that finished (a kept
    draft counts)."""
    turns = conversation.turns.finished()
    if excluding is not None:
        turns = turns.exclude(pk=excluding.pk)
    return turns.select_related("job").order_by("-created_at", "-pk").first()


def latest_turn(conversation: Conversation) -> Turn | None:
    return conversation.turns.select_related("job").order_by("-created_at", "-pk").first()


CHAIN_LIMIT = 50


def chain_prompts(turn: Turn) -> list[str]:
    """The prompts of the turns `turn` continues, oldest first, ending with its own (at most CHAIN_LIMIT).
    One query for the whole conversation's links, walked here: a turn's parent is in its conversation."""
    turns = Turn.objects.filter(conversation_id=turn.conversation_id).values_list(
        "pk", "parent_id", "job__prompt"
    )
    links = {pk: (parent, prompt) for pk, parent, prompt in turns}
    prompts = []
    at = turn.pk
    while at in links and len(prompts) < CHAIN_LIMIT:
        at, prompt = links[at]
        prompts.append(prompt)
    return prompts[::-1]


def continuing(request: TurnRequest, parent: Turn | None) -> TurnRequest:
    """`request` as sent from `parent`: with its `response_id` as `previous_response_id`. A draft (a turn
    stopped early, its last partial kept) has no response id: its image goes as an input image (first,
    unless the turn's mask was painted on its own first image: `with_context_image`), in the chain the
    draft was made in; if the service has forgotten that chain, the restart sends the same image
    (`restart_image_id`)."""
    if parent is None:
        return replace(request, previous_response_id="", earlier_turns=0, restart_image_id=None, history=())
    history = chain_prompts(parent)
    image = parent.final_image
    changes = {
        "previous_response_id": parent.response_id or parent.previous_response_id,
        "earlier_turns": len(history),
        "history": tuple(history),
        "restart_image_id": image.pk if image is not None else None,
    }
    if not parent.response_id and image is not None:
        changes["input_image_ids"] = with_context_image(request, image.pk)
    return replace(request, **changes)


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

    The turn is sent with its parent's `response_id` as `previous_response_id`: an earlier turn to branch,
    or by default the latest turn. If that one is still queued or running, the new turn waits behind it
    (its job is held: no worker takes it) and is sent from it once it has finished (`followups`). Raises
    `budgets.BudgetExceeded` or `requests.InvalidRequest` (nothing is created then).
    """
    latest = latest_turn(conversation)
    waits = parent is None and latest is not None and latest.job.is_active
    if waits:
        parent, branched = latest, False
    else:
        # The latest turn, when it got a response, is the one `default_parent` would find; with no turn
        # at all there is none to look for.
        default = latest if latest is None or latest.response_id else default_parent(conversation)
        branched = parent is not None and parent != default
        parent = parent or default
    request = TurnRequest(
        prompt=prompt,
        options=options,
        mainline_model=conversation.mainline_model,
        conversation_id=conversation.pk,
        input_image_ids=tuple(image.pk for image in reference_images),
        mask_id=mask.pk if mask else None,
        paste_back_feather=paste_back_feather,
    )
    request = continuing(request, parent)
    created: list[Turn] = []

    def attach(job) -> None:
        if waits:
            job.waits_for = parent.job
            job.stage = WAITING_STAGE
            job.save(update_fields=["waits_for", "stage"])
        from_draft = parent is not None and not waits and not parent.response_id
        created.append(
            Turn.objects.create(
                conversation=conversation, parent=parent, branched=branched, from_draft=from_draft, job=job
            )
        )
        conversation.updated_at = timezone.now()
        fields = ["updated_at"]
        if not conversation.title:
            conversation.title = title_from_prompt(prompt)
            fields.append("title")
        conversation.save(update_fields=fields)
        if waits and _has_finished(parent.job_id):  # it finished since we looked
            settle_wait(created[0])

    queue_job(conversation.owner, request, attach=attach)
    return created[0]


# -- Follow-ups queued behind a running turn ----------------------------------------------------------


def _has_finished(job_id: int) -> bool:
    """Whether the parent's job has ended, read under a row lock: it cannot end unseen after this (its
    end then waits for our transaction, and its `job_finished` sees the turn waiting behind it)."""
    active = GenerationJob.objects.select_for_update().filter(
        pk=job_id, status__in=GenerationJob.ACTIVE_STATUSES
    )
    return not active.exists()


PARENT_UNFINISHED = "parent_unfinished"


class CannotContinue(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def release_followers(sender, job_id: int, **signal_kwargs) -> None:
    """Receiver of `events.job_finished`, inside the transaction that ends the job: the turns waiting
    behind it are sent from it, or told why they cannot be."""
    waiting = GenerationJob.objects.filter(waits_for_id=job_id, status=GenerationJob.Status.QUEUED)
    for turn in Turn.objects.filter(job__in=waiting).select_related("job"):
        settle_wait(turn)


def settle_wait(turn: Turn) -> None:
    """A waiting turn whose parent has finished: released to be sent from it (its response, or its kept
    draft's image), held while a stopped parent's draft is neither kept nor discarded, or failed with the
    reason when there is nothing to continue from."""
    parent = Turn.objects.with_display_data().filter(pk=turn.parent_id).first()
    job = parent.job if parent is not None else None
    if parent is not None and parent.can_continue_from:
        _release(turn, parent)
    elif job is not None and job.is_active:
        return  # the parent was sent again (Retry): keep waiting for it
    elif job is not None and job.status == GenerationJob.Status.CANCELLED and parent.latest_partial:
        GenerationJob.objects.filter(pk=turn.job_id, status=GenerationJob.Status.QUEUED).update(
            stage="Waiting: keep or discard the draft of the stopped turn above"
        )
        transaction.on_commit(lambda: notify_now(turn.job))
    else:
        what = "stopped before it made an image" if job and job.status == "cancelled" else "failed"
        _fail_waiting(turn, f"Not sent: the turn above {what}, so there is nothing to continue from.")


def _release(turn: Turn, parent: Turn) -> None:
    job = turn.job
    request = continuing(from_json(job.request), parent)
    released = GenerationJob.objects.filter(
        pk=job.pk, status=GenerationJob.Status.QUEUED, waits_for__isnull=False
    ).update(
        waits_for=None,
        request=to_json(request),
        previous_response_id=request.previous_response_id,
        stage="Queued",
    )
    if released:
        Turn.objects.filter(pk=turn.pk).update(from_draft=not parent.response_id)
        transaction.on_commit(lambda: job_queued.send(sender=GenerationJob, job_id=job.pk))
        transaction.on_commit(lambda: notify_now(job))


def _fail_waiting(turn: Turn, message: str) -> None:
    job = turn.job
    failed = GenerationJob.objects.filter(pk=job.pk, status=GenerationJob.Status.QUEUED).update(
        status=GenerationJob.Status.FAILED,
        stage="Failed",
        error_code=PARENT_UNFINISHED,
        error_message=message,
        finished_at=timezone.now(),
    )
    if failed:
        budgets.release(job)
        events.job_finished.send(sender=GenerationJob, job_id=job.pk)  # its own followers, its webhooks
        transaction.on_commit(lambda: notify_now(job))


def send_now_as_branch(turn: Turn) -> bool:
    """A turn waiting behind the turn above (or not sent because that one failed) is sent at once from the
    latest finished turn instead, marked as a branch. False if it was sent meanwhile."""
    parent = default_parent(turn.conversation, excluding=turn)
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().get(pk=turn.job_id)
        held = job.status == GenerationJob.Status.QUEUED and job.waits_for_id is not None
        unsent = job.status in (GenerationJob.Status.FAILED, GenerationJob.Status.CANCELLED) and (
            job.waits_for_id is not None
        )
        if not (held or unsent):
            return False
        request = continuing(from_json(job.request), parent)
        job.request, job.previous_response_id = to_json(request), request.previous_response_id
        job.waits_for, job.stage = None, "Queued"
        job.save(update_fields=["request", "previous_response_id", "waits_for", "stage"])
        turn.parent, turn.branched = parent, True
        turn.from_draft = parent is not None and not parent.response_id
        turn.save(update_fields=["parent", "branched", "from_draft"])
        if held:
            transaction.on_commit(lambda: job_queued.send(sender=GenerationJob, job_id=job.pk))
    if unsent:
        retry_job(job)
    else:
        notify_now(job)
    return True


def retry_turn(turn: Turn) -> None:
    """Retry: as first sent; a turn that was never sent (it waited behind a turn that failed or was
    stopped) is planned again from its parent: behind it if it runs again, from it if it has finished.
    Raises CannotContinue when its parent still has nothing to continue from, `BudgetExceeded`."""
    job = turn.job
    if job.waits_for_id is None or job.is_active:
        retry_job(job)
        return
    parent = Turn.objects.with_display_data().filter(pk=turn.parent_id).first()
    if parent is None or not (parent.job.is_active or parent.can_continue_from):
        raise CannotContinue(
            "The turn above has nothing to continue from yet: retry it first, or send this one as a branch."
        )
    retry_job(job)  # queued again, still held: `settle_requeued` keeps it behind its parent or sends it


def settle_requeued(sender, job_id: int, held: bool = True, **signal_kwargs) -> None:
    """Receiver of `jobs.job_queued`: a held turn queued again (a Retry, on the page or in the admin) waits
    behind its parent while that runs, or is settled at once if it has finished. Jobs queued not held (most)
    need no look."""
    if not held:
        return
    turn = Turn.objects.select_related("job").filter(
        job_id=job_id, job__status=GenerationJob.Status.QUEUED, job__waits_for__isnull=False
    )
    turn = turn.first()
    if turn is None:
        return
    with transaction.atomic():
        if _has_finished(turn.job.waits_for_id):
            settle_wait(turn)
        elif turn.job.stage != WAITING_STAGE:
            GenerationJob.objects.filter(pk=job_id).update(stage=WAITING_STAGE)
            transaction.on_commit(lambda: notify_now(turn.job))


def cost_of(turns: list[Turn]) -> Decimal | None:
    """What these turns (a conversation's, read `with_display_data`: their usage prefetched) have cost so
    far, None before anything was charged. No query."""
    costs = [turn.cost_usd for turn in turns if turn.cost_usd is not None]
    return sum(costs, Decimal("0")) if costs else None


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
    with transaction.atomic():
        partial.kind = ImageAsset.Kind.FINAL
        partial.save(update_fields=["kind"])
        _settle_followers(turn)
    if not partial.thumbnail:
        add_thumbnail(partial)
    return partial


def discard_partials(turn: Turn) -> int:
    with transaction.atomic():
        discarded = delete_assets(turn.job.images.filter(kind=ImageAsset.Kind.PARTIAL))
        _settle_followers(turn)
    return discarded


def _settle_followers(turn: Turn) -> None:
    """A stopped turn's draft was kept or discarded: the turns that waited for that choice go on."""
    if not turn.job.is_active:
        release_followers(GenerationJob, turn.job_id)
