from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    previous_response_id = models.CharField(max_length=80, blank=True)
    response_id = models.CharField(max_length=80, blank=True, db_index=True)
    image_call_id = models.CharField(max_length=80, blank=True)
    revised_prompt = models.TextField(blank=True)
    assistant_text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.prompt[:60]
