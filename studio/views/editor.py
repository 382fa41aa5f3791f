"""The mask editor: paint a mask on one of your images, then send the edit on the Image API. For an image
made in a conversation, the same form can continue that conversation instead (conversations' own view)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from studio.core import budgets
from studio.core.jobs import queue_job
from studio.core.requests import ImageRequest
from studio.core.storage import atomic_with_files
from studio.forms import MaskEditForm
from studio.models import ImageAsset

INITIAL = {"size": "auto", "quality": "medium", "partial_images": 2}


def get_editable_image(request: HttpRequest, pk: int) -> ImageAsset:
    """The signed-in user's finished image or upload, or 404."""
    images = ImageAsset.objects.for_user(request.user).in_gallery().select_related("job", "last_mask")
    return get_object_or_404(images, pk=pk)


def render_editor(request: HttpRequest, image: ImageAsset, form: MaskEditForm) -> HttpResponse:
    """The editor page, with the conversation turn the image came from (if any) to continue from."""
    job = image.job
    turn = getattr(job, "turn", None) if job is not None else None
    context = {
        "image": image,
        "form": form,
        "turn": turn if turn is not None and turn.response_id else None,
        "mask_url": reverse("image", args=[image.last_mask_id]) if image.last_mask_id else "",
    }
    return render(request, "studio/editor.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_editable_image(request, pk)
    form = MaskEditForm(request.POST or None, request.FILES or None, image=image, initial=INITIAL)
    if request.method == "POST" and form.is_valid():
        try:
            with atomic_with_files():  # a refused budget takes the stored mask's file away too
                mask = form.save_mask()
                edit = ImageRequest(
                    prompt=form.cleaned_data["prompt"],
                    options=form.image_options(),
                    input_image_ids=(image.pk,),
                    mask_id=mask.pk,
                    paste_back_feather=form.paste_back_feather,
                )
                queue_job(request.user, edit)
        except budgets.BudgetExceeded as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("studio")
    return render_editor(request, image, form)
