from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from studio.models import GenerationJob, ImageAsset


class ConversationQuerySet(models.QuerySet):
    def for_user(self, user) -> ConversationQuerySet:
        return self.filter(owner=user)


class Conversation(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=120, blank=True)
    mainline_model = models.CharField(max_length=60, default="gpt-5.4")
    image_options = models.JSONField(default=dict, blank=True, help_text="Default options for new turns.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("conversations:detail", args=[self.pk])


class TurnQuerySet(models.QuerySet):
    def finished(self) -> TurnQuerySet:
        """The turns a new turn can continue from: those that got a response, and those with an image but
        no response id, whose image is sent as the next turn's input: drafts (a turn stopped early whose
        last partial image was kept) and turns whose stream dropped after their image came."""
        final = ImageAsset.objects.filter(job=OuterRef("job"), kind=ImageAsset.Kind.FINAL)
        with_image = (GenerationJob.Status.CANCELLED, GenerationJob.Status.SUCCEEDED)
        draft = Q(job__status__in=with_image) & Exists(final)
        return self.filter(~Q(job__response_id="") | draft)

    def with_display_data(self) -> TurnQuerySet:
        """Everything the turn fragment shows, in a fixed number of queries whatever the count."""
        return self.select_related("job", "conversation", "parent__job").prefetch_related(
            "job__images", "job__usage_records"
        )


class Turn(models.Model):
    """One prompt in a conversation and the image it produced.

    A conversation is a chain: the turn's job was sent with its parent's `response_id` as
    `previous_response_id`, and got a `response_id` back (both kept on the job, with the prompt and the
    call's other results). Branching is sending an earlier turn's `response_id`. The turn's status is its
    job's status.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    job = models.OneToOneField("studio.GenerationJob", on_delete=models.CASCADE, related_name="turn")
    branched = models.BooleanField(default=False, help_text="Continues from a turn other than the latest.")
    from_draft = models.BooleanField(
        default=False, help_text="Continues from a draft (a stopped turn's kept image, sent as its input)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TurnQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.prompt[:60]

    # What the turn asked and got is its job's; these read it (select_related("job") keeps it one query).

    @property
    def prompt(self) -> str:
        return self.job.prompt

    @property
    def response_id(self) -> str:
        return self.job.response_id

    @property
    def previous_response_id(self) -> str:
        return self.job.previous_response_id

    @property
    def revised_prompt(self) -> str:
        return self.job.revised_prompt

    @property
    def assistant_text(self) -> str:
        return self.job.assistant_text

    # The display helpers below read the prefetched images and usage (see with_display_data).

    @property
    def status(self) -> str:
        return self.job.status

    @property
    def is_waiting(self) -> bool:
        """Queued behind the turn above: sent from it once it has finished."""
        return self.job.status == GenerationJob.Status.QUEUED and self.job.waits_for_id is not None

    @property
    def is_draft(self) -> bool:
        """Stopped early, its last partial image kept: continued from by sending that image."""
        return self.job.status == GenerationJob.Status.CANCELLED and self.final_image is not None

    @property
    def can_continue_from(self) -> bool:
        return bool(self.job.response_id) or self.is_draft

    @property
    def final_image(self) -> ImageAsset | None:
        finals = [image for image in self.job.images.all() if image.kind == ImageAsset.Kind.FINAL]
        return finals[-1] if finals else None

    @property
    def latest_partial(self) -> ImageAsset | None:
        partials = [image for image in self.job.images.all() if image.kind == ImageAsset.Kind.PARTIAL]
        return max(partials, key=lambda image: (image.partial_index or 0, image.pk)) if partials else None

    @property
    def cost_usd(self):
        records = self.job.usage_records.all()
        return sum(record.cost_usd for record in records) if records else None
