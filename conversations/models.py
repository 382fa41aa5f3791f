from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from studio.models import ImageAsset


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
    def with_display_data(self) -> TurnQuerySet:
        """Everything the turn fragment shows, in a fixed number of queries whatever the count."""
        return self.select_related("job", "conversation").prefetch_related(
            "job__images", "job__usage_records"
        )


class Turn(models.Model):
    """One prompt in a conversation and the image it produced.

    A conversation is a chain: `previous_response_id` is what this turn was sent with (its parent's
    `response_id`), `response_id` what it got back. Branching is sending an earlier turn's `response_id`.
    The turn's status is its job's status.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    job = models.OneToOneField("studio.GenerationJob", on_delete=models.CASCADE, related_name="turn")
    prompt = models.TextField()
    image_options = models.JSONField(default=dict)
    branched = models.BooleanField(default=False, help_text="Continues from a turn other than the latest.")
    previous_response_id = models.CharField(max_length=80, blank=True)
    response_id = models.CharField(max_length=80, blank=True, db_index=True)
    image_call_id = models.CharField(max_length=80, blank=True)
    revised_prompt = models.TextField(blank=True)
    assistant_text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TurnQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.prompt[:60]

    # The display helpers below read the prefetched images and usage (see with_display_data).

    @property
    def status(self) -> str:
        return self.job.status

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
