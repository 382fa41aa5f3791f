"""What Atelier does around the model's limits: prompt rules admins set, the fallback library, who may retry
at low moderation, rephrasings bought after a block, and the text check of images whose prompt quoted text."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class BlockedTerm(models.Model):
    """A word or phrase admins do not want in prompts; the check shows `message` (what to write instead)."""

    term = models.CharField(max_length=100, unique=True, help_text="Matched as whole words, any case.")
    message = models.CharField(max_length=300, help_text="What to change, shown to the designer.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


def fallback_path(instance: FallbackImage, filename: str) -> str:
    return f"fallbacks/{filename}"


class FallbackQuerySet(models.QuerySet):
    def approved(self) -> FallbackQuerySet:
        return self.filter(approved=True)


class FallbackImage(models.Model):
    """Approved stock an admin curates, offered when moderation blocks a job (matched by title and tags)."""

    image = models.ImageField(upload_to=fallback_path, max_length=200)
    title = models.CharField(max_length=120)
    tags = models.CharField(max_length=300, blank=True, help_text="Words separated by commas or spaces.")
    approved = models.BooleanField(default=False, help_text="Only approved images are offered.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = FallbackQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class UserPolicy(models.Model):
    """What an admin allows one user beyond the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy")
    allow_low_moderation = models.BooleanField(
        default=False,
        help_text="May retry a blocked generation with moderation: low (Image API generations and turns).",
    )

    class Meta:
        verbose_name_plural = "user policies"

    def __str__(self) -> str:
        return f"Policy of {self.user}"


class Rephrasing(models.Model):
    """A prompt the mainline model rewrote after a moderation block; its cost is a UsageRecord of the job."""

    job = models.ForeignKey("studio.GenerationJob", on_delete=models.CASCADE, related_name="rephrasings")
    prompt = models.TextField()
    model = models.CharField(max_length=60)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Rephrasing of job {self.job_id}"


class ImageTextCheck(models.Model):
    """The text OCR read on an image whose prompt quoted text, read once and kept."""

    class Outcome(models.TextChoices):
        MATCH = "match", "Matches the prompt"
        MISMATCH = "mismatch", "Differs from the prompt"
        UNAVAILABLE = "unavailable", "OCR not installed"

    image = models.OneToOneField("studio.ImageAsset", on_delete=models.CASCADE, related_name="text_check")
    expected = models.TextField(help_text="The text the prompt quoted.")
    found = models.TextField(blank=True, help_text="What OCR read.")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Text check of image {self.image_id}: {self.outcome}"
