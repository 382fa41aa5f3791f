"""A blocked turn's ways around the block that start a new turn: its rephrased prompt, or a retry at low
moderation (where an admin allows it). Both continue from the blocked turn's parent, with its options.
The rest of the fallbacks (rephrasing, closest images) are the Studio's own views (studio.views.checks)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from conversations import services
from conversations.models import Turn
from studio.core import budgets, fallbacks
from studio.core.requests import from_json
from studio.models import GenerationJob
from studio.views.checks import RephrasedPromptForm, get_blocked_job, render_panel


def _start(request: HttpRequest, turn: Turn, prompt: str, options, resolution: str) -> HttpResponse:
    try:
        services.start_turn(turn.conversation, prompt=prompt, options=options, parent=turn.parent)
    except budgets.BudgetExceeded as exc:
        return render_panel(request, turn.job, error=exc.message)
    fallbacks.resolve(turn.job, resolution)
    url = turn.conversation.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _blocked_turn(request: HttpRequest, pk: int) -> Turn:
    """The signed-in user's blocked turn, or 404."""
    job = get_blocked_job(request, pk)
    return Turn.objects.select_related("conversation", "parent", "job").get(job=job)


@require_POST
def send_rephrased(request: HttpRequest, pk: int) -> HttpResponse:
    turn = _blocked_turn(request, pk)
    form = RephrasedPromptForm(request.POST)
    if not form.is_valid():
        return render_panel(request, turn.job, error=" ".join(form.errors["prompt"]))
    options = from_json(turn.job.request).options
    prompt = form.cleaned_data["prompt"]
    return _start(request, turn, prompt, options, GenerationJob.BlockResolution.REPHRASED)


@require_POST
def retry_low(request: HttpRequest, pk: int) -> HttpResponse:
    turn = _blocked_turn(request, pk)
    if not fallbacks.may_retry_low(turn.job):
        return HttpResponseForbidden("Low moderation is not allowed for this turn.")
    options = fallbacks.low_moderation_request(turn.job).options
    return _start(request, turn, turn.job.prompt, options, GenerationJob.BlockResolution.RETRIED_LOW)
