from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from conversations import services
from conversations.branches import branch_map
from conversations.forms import RenameForm, TurnForm
from conversations.models import Conversation, Turn
from studio.core import budgets
from studio.core.jobs import cancel_job
from studio.core.requests import InvalidRequest
from studio.core.storage import atomic_with_files
from studio.core.writers import one_writer_at_a_time
from studio.forms import MaskEditForm
from studio.views.editor import INITIAL as EDITOR_INITIAL
from studio.views.editor import get_editable_image, render_editor


def _get_conversation(request: HttpRequest, pk: int) -> Conversation:
    """The signed-in user's conversation, or 404 (never another user's)."""
    return get_object_or_404(Conversation.objects.for_user(request.user), pk=pk)


def _get_turn(request: HttpRequest, pk: int) -> Turn:
    """The signed-in user's turn, with what its fragment shows, or 404."""
    queryset = Turn.objects.with_display_data().filter(conversation__owner=request.user)
    return get_object_or_404(queryset, pk=pk)


def _page_context(request: HttpRequest, conversation: Conversation | None, form: TurnForm) -> dict:
    context = {
        "conversations": Conversation.objects.for_user(request.user).only("pk", "title", "updated_at")[:200],
        "conversation": conversation,
        "form": form,
    }
    if conversation is not None:
        context["turns"] = list(Turn.objects.with_display_data().filter(conversation=conversation))
        context["cost"] = services.cost_of(context["turns"])
        context["branches"] = branch_map(context["turns"])
    return context


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Home: the sidebar of conversations and a prompt box that starts a new one."""
    return render(request, "conversations/conversation.html", _page_context(request, None, TurnForm()))


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _get_conversation(request, pk)
    form = TurnForm(initial={**conversation.image_options}, conversation=conversation)
    return render(request, "conversations/conversation.html", _page_context(request, conversation, form))


def _show_refusal(form: TurnForm | MaskEditForm, exc: budgets.BudgetExceeded | InvalidRequest) -> None:
    """The core's refusal of a turn, on the form: on the field it names if the form has that field. The form
    checks what it can first; the core still refuses what only the turn's parent adds (a kept draft's image
    is one more input)."""
    field = getattr(exc, "field", "")
    form.add_error(field if field in form.fields else None, exc.message)


def _start(request: HttpRequest, conversation: Conversation | None) -> HttpResponse:
    form = TurnForm(
        request.POST, request.FILES, conversation=conversation or Conversation(owner=request.user)
    )
    if form.is_valid():
        created = conversation is None
        try:
            # The writers' queue before the transaction (it begins IMMEDIATE, taking SQLite's write lock):
            # twenty posts at once then wait in turn, not in SQLite's busy handler, which sleeps up to
            # 100 ms a try; as new work, behind the writes of the jobs already running. A refusal (the
            # budget, or the core's rules) takes the stored uploads away too, rows and files.
            with one_writer_at_a_time(new_work=True), atomic_with_files():
                if created:
                    options = asdict(form.image_options())
                    conversation = services.new_conversation(request.user, image_options=options)
                turn = services.start_turn(
                    conversation,
                    prompt=form.cleaned_data["prompt"],
                    options=form.image_options(),
                    parent=form.cleaned_data.get("parent"),
                    reference_images=form.save_references(request.user),
                )
        except (budgets.BudgetExceeded, InvalidRequest) as exc:
            if created:
                conversation = None  # rolled back with the turn
            _show_refusal(form, exc)
        else:
            if created or not request.htmx:
                url = conversation.get_absolute_url()
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            turns = list(Turn.objects.with_display_data().filter(conversation=conversation))
            context = {"turn": next(t for t in turns if t.pk == turn.pk), "branches": branch_map(turns)}
            return TemplateResponse(request, "conversations/_turn_created.html", context)
    if request.htmx:
        response = TemplateResponse(
            request, "conversations/_composer.html", {"form": form, "conversation": conversation}, status=422
        )
        return reswap(retarget(response, "#composer"), "outerHTML")
    return render(
        request, "conversations/conversation.html", _page_context(request, conversation, form), status=422
    )


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """Start a new conversation with its first prompt."""
    return _start(request, None)


@require_POST
def add_turn(request: HttpRequest, pk: int) -> HttpResponse:
    return _start(request, _get_conversation(request, pk))


@require_POST
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _get_conversation(request, pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        conversation.title = form.cleaned_data["title"]
        conversation.save(update_fields=["title"])
    else:
        messages.error(request, "A title needs between 1 and 120 characters.")
    return redirect(conversation)


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _get_conversation(request, pk)
    services.delete_conversation(conversation)
    messages.success(request, "Conversation deleted.")
    return HttpResponseClientRedirect("/") if request.htmx else redirect("home")


def _turn_fragment(request: HttpRequest, turn: Turn) -> HttpResponse:
    if request.htmx:
        return TemplateResponse(request, "conversations/_turn.html", {"turn": _get_turn(request, turn.pk)})
    return redirect(turn.conversation)


@require_GET
def turn_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    return TemplateResponse(request, "conversations/_turn.html", {"turn": _get_turn(request, pk)})


@require_POST
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    turn = _get_turn(request, pk)
    cancel_job(turn.job)
    return _turn_fragment(request, turn)


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    turn = _get_turn(request, pk)
    try:
        services.retry_turn(turn)
    except (budgets.BudgetExceeded, services.CannotContinue) as exc:
        messages.error(request, exc.message)
    return _turn_fragment(request, turn)


@require_POST
def send_now(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up waiting behind the turn above, sent at once from the latest finished turn (a branch)."""
    turn = _get_turn(request, pk)
    try:
        services.send_now_as_branch(turn)
    except budgets.BudgetExceeded as exc:
        messages.error(request, exc.message)
    return _turn_fragment(request, turn)


@require_POST
def keep_draft(request: HttpRequest, pk: int) -> HttpResponse:
    turn = _get_turn(request, pk)
    services.keep_partial_as_draft(turn)
    return _turn_fragment(request, turn)


@require_POST
def discard_draft(request: HttpRequest, pk: int) -> HttpResponse:
    turn = _get_turn(request, pk)
    services.discard_partials(turn)
    return _turn_fragment(request, turn)


@require_POST
def edit_image(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    """The mask editor's "Continue the conversation": the edit goes as the turn's next turn, with its mask."""
    turn = _get_turn(request, pk)
    image = get_editable_image(request, image_pk)
    if image.job_id != turn.job_id or not turn.response_id:
        raise Http404("This image is not the finished image of that turn.")
    form = MaskEditForm(request.POST, request.FILES, image=image, initial=EDITOR_INITIAL)
    if form.is_valid():
        try:
            with atomic_with_files():  # a refused budget takes the stored mask's file away too
                mask = form.save_mask()
                services.start_turn(
                    turn.conversation,
                    prompt=form.cleaned_data["prompt"],
                    options=form.image_options(),
                    parent=turn,
                    reference_images=[image],
                    mask=mask,
                    paste_back_feather=form.paste_back_feather,
                )
        except (budgets.BudgetExceeded, InvalidRequest) as exc:
            _show_refusal(form, exc)
        else:
            return redirect(turn.conversation)
    return render_editor(request, image, form)
