from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from studio.models.jobs import GenerationJob


def image_path(instance: ImageAsset, filename: str) -> str:
    """Content-addressed: the file is named by its SHA-256, so identical bytes are stored once."""
    return f"images/{instance.sha256[:2]}/{instance.sha256}.{instance.format}"


def thumbnail_path(instance: ImageAsset, filename: str) -> str:
    return f"thumbs/{instance.sha256[:2]}/{instance.sha256}.webp"


class ImageQuerySet(models.QuerySet):
    def for_user(self, user) -> ImageQuerySet:
        return self.filter(owner=user)

    def finals(self) -> ImageQuerySet:
        return self.filter(kind=ImageAsset.Kind.FINAL)

    def in_gallery(self) -> ImageQuerySet:
        """What a user can pick and browse: finished images, uploads, cut-outs, images with text layers and
        fallback picks (no partials, masks, raw outputs)."""
        return self.filter(kind__in=ImageAsset.GALLERY_KINDS)

    def from_source(self, source: str) -> ImageQuerySet:
        """'studio' (Image API), 'conversation' (Responses API) or 'upload'; anything else: all."""
        if source == "studio":
            return self.filter(job__kind__in=GenerationJob.IMAGE_API_KINDS)
        if source == "conversation":
            return self.filter(job__kind=GenerationJob.Kind.RESPONSE)
        if source == "upload":
            return self.filter(kind=ImageAsset.Kind.UPLOAD)
        return self

    def made_with(self, *, model: str = "", quality: str = "") -> ImageQuerySet:
        images = self.filter(job__image_model=model) if model else self
        return images.filter(job__quality=quality) if quality else images

    def matching(self, words: str) -> ImageQuerySet:
        """Images whose prompt contains `words`."""
        return self.filter(job__prompt__icontains=words) if words else self


class ImageAsset(models.Model):
    """An image file a user owns: a model's output (partial or final), an upload, or a mask."""

    class Kind(models.TextChoices):
        FINAL = "final", "Final image"
        PARTIAL = "partial", "Partial image"
        RAW = "raw", "Raw model output (before paste-back)"
        UPLOAD = "upload", "Uploaded image"
        MASK = "mask", "Mask"
        CUTOUT = "cutout", "Cut-out (transparent background)"
        OVERLAY = "overlay", "With text layers"
        FALLBACK = "fallback", "From the fallback library"

    GALLERY_KINDS = (Kind.FINAL, Kind.UPLOAD, Kind.CUTOUT, Kind.OVERLAY, Kind.FALLBACK)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    job = models.ForeignKey(
        "studio.GenerationJob", null=True, blank=True, on_delete=models.CASCADE, related_name="images"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FINAL)
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to=image_path, max_length=200)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=5)
    size_bytes = models.PositiveIntegerField()
    partial_index = models.PositiveSmallIntegerField(null=True, blank=True)
    output_index = models.PositiveSmallIntegerField(default=0, help_text="Which of the job's n images.")
    mask = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For an edit's output: the mask it was sent with.",
    )
    raw = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a pasted-back edit: the model's own output, kept as it came.",
    )
    last_mask = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The mask last painted on this image in the editor, restored when it is opened again.",
    )
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derivatives",
        help_text="For a cut-out or an image with text layers: the image it was made from, kept as it was.",
    )
    recipe = models.JSONField(
        default=dict,
        blank=True,
        help_text="How it was made from derived_from: a cut-out's key colour and tightness, or the text layers.",
    )
    leak_ratio = models.FloatField(null=True, blank=True)
    favourite = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.width}x{self.height} {self.format}"

    @property
    def prompt(self) -> str:
        """The prompt that made this image ('' for an upload)."""
        return self.job.prompt if self.job is not None else ""

    @property
    def dimensions(self) -> str:
        return f"{self.width}x{self.height}"
