"""Conversations by API: create one, read its chain of turns, add a turn (queued through the same
`start_turn` as the conversation page).

A turn continues from `parent`, or by default from the latest turn (as the page does): a turn sent while
the latest one is still queued or running is queued behind it (status `queued`) and sent from it once it
has finished; if that one fails, this one fails too, with code `parent_unfinished`.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router, Status

from conversations import services
from conversations.models import Conversation, Turn
from studio.api.errors import core_refusals, form_error, not_found
from studio.api.forms import ApiTurnForm
from studio.api.idempotency import queue_once
from studio.api.jobs import get_job_data
from studio.api.openapi import errors
from studio.api.schemas import ConversationIn, ConversationOut, TurnCreated, TurnIn, job_data, jobs_for
from studio.forms import PASTE_BACK_FEATHER
from studio.models import GenerationJob

router = Router(tags=["conversations"])


def _get_conversation(owner, pk: int) -> Conversation:
    """The owner's conversation, or 404."""
    conversation = Conversation.objects.for_user(owner).filter(pk=pk).first()
    if conversation is None:
        raise not_found("conversation", pk)
    return conversation


def conversation_data(conversation: Conversation) -> dict:
    turns = Turn.objects.filter(conversation=conversation).select_related("job").order_by("created_at", "pk")
    jobs = {job.pk: job for job in jobs_for(conversation.owner).filter(turn__conversation=conversation)}
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "created_at": conversation.created_at,
        "turns": [
            {
                "id": turn.pk,
                "prompt": turn.prompt,
                "parent": turn.parent_id,
                "response_id": turn.response_id,
                "previous_response_id": turn.previous_response_id,
                "job": job_data(jobs[turn.job_id]),
            }
            for turn in turns
        ],
    }


@router.post(
    "/conversations",
    response={201: ConversationOut, **errors(400, 401, 413, 422, 429)},
    url_name="conversations",
)
def create_conversation(request: HttpRequest, payload: ConversationIn):
    """Start a conversation (no turn yet: add them with `POST .../turns`)."""
    conversation = services.new_conversation(request.auth.owner)
    if payload.title.strip():
        conversation.title = payload.title.strip()
        conversation.save(update_fields=["title"])
    return Status(201, conversation_data(conversation))


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **errors(401, 404, 429)},
    url_name="get_conversation",
)
def get_conversation(request: HttpRequest, conversation_id: int):
    """A conversation and its turns, oldest first, each with its job."""
    return conversation_data(_get_conversation(request.auth.owner, conversation_id))


def _turn_form(conversation: Conversation, payload: TurnIn) -> ApiTurnForm:
    fields = ApiTurnForm.base_fields
    defaults = {name: field.initial for name, field in fields.items() if field.initial is not None}
    given = payload.model_dump(exclude_none=True, exclude={"images"})
    data = {**defaults, **conversation.image_options, **given, "reference_images": payload.images}
    return ApiTurnForm(data, conversation=conversation)


@router.post(
    "/conversations/{conversation_id}/turns",
    response={200: TurnCreated, 202: TurnCreated, **errors(400, 401, 403, 404, 409, 413, 422, 429)},
    url_name="turns",
)
def create_turn(
    request: HttpRequest,
    conversation_id: int,
    payload: TurnIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Queue the next turn. 202 with the turn and its job (200 with the same for a repeated
    `Idempotency-Key` and body)."""
    conversation = _get_conversation(request.auth.owner, conversation_id)
    form = _turn_form(conversation, payload)
    if not form.is_valid():
        raise form_error(form, renamed={"reference_images": "images"})

    def queue() -> GenerationJob:
        with form.stored_mask(conversation.owner) as mask, core_refusals():
            return services.start_turn(
                conversation,
                prompt=form.cleaned_data["prompt"],
                options=form.image_options(),
                parent=form.cleaned_data.get("parent"),
                reference_images=form.ordered_images(),
                mask=mask,
                paste_back_feather=PASTE_BACK_FEATHER if mask else None,
            ).job

    job, created = queue_once(request, idempotency_key, queue)
    data = get_job_data(conversation.owner, job.pk)
    return Status(202 if created else 200, {"turn": data["turn"], "job": data})
