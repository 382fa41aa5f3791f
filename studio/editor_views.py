"""The mask editor: paint a mask on one of your images, then send the edit on either API."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from conversations import services as conversation_services
from studio import budgets, services
from studio.assets import store_image
from studio.models import ImageAsset
from studio.studio_forms import MaskEditForm

EDITABLE_KINDS = (ImageAsset.Kind.FINAL, ImageAsset.Kind.UPLOAD)


def _source_turn(image: ImageAsset):
    """The conversation turn that made this image, if any: an edit can continue that conversation."""
    job = image.job
    return getattr(job, "turn", None) if job is not None else None


@require_http_methods(["GET", "POST"])
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_object_or_404(
        ImageAsset.objects.for_user(request.user)
        .filter(kind__in=EDITABLE_KINDS)
        .select_related("job", "last_mask"),
        pk=pk,
    )
    turn = _source_turn(image)
    initial = {"size": "auto", "quality": "medium", "partial_images": 2}
    form = MaskEditForm(request.POST or None, request.FILES or None, image=image, turn=turn, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = _send_edit(request, image, turn, form)
        if response is not None:
            return response
    context = {
        "image": image,
        "form": form,
        "turn": turn,
        "mask_url": reverse("image", args=[image.last_mask_id]) if image.last_mask_id else "",
    }
    return render(request, "studio/editor.html", context, status=422 if form.errors else 200)


def _send_edit(request: HttpRequest, image: ImageAsset, turn, form: MaskEditForm) -> HttpResponse | None:
    data = form.cleaned_data
    feather = data["feather"] if data["paste_back"] else None
    options = form.image_options()
    try:
        with transaction.atomic():
            mask = store_image(request.user, data["mask"], kind=ImageAsset.Kind.MASK)
            image.last_mask = mask
            image.save(update_fields=["last_mask"])
            if data["destination"] == "conversation":
                conversation_services.start_turn(
                    turn.conversation,
                    prompt=data["prompt"],
                    tool_options={**options, "size": "auto"},
                    parent=turn,
                    reference_images=[image],
                    mask=mask,
                    paste_back_feather=feather,
                )
                return redirect(turn.conversation)
            services.start_image_job(
                request.user,
                {"prompt": data["prompt"], **options, "size": "auto"},
                inputs=[image],
                mask=mask,
                feather=feather,
            )
            return redirect("studio")
    except budgets.BudgetExceeded as exc:
        form.add_error(None, exc.message)
        return None
