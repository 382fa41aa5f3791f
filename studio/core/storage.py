"""Storing image files: content-addressed on disk, one ImageAsset row per use, thumbnails for lists."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db.models import Q

from studio.core import imaging
from studio.models import ImageAsset
from studio.models.images import thumbnail_path


def store_image(
    owner, data: bytes, *, kind: str, job=None, thumbnail: bool = True, dedupe: bool = True, **fields
) -> ImageAsset:
    """Save `data` (a png, jpeg or webp from the model service, or an upload already checked with
    `imaging.inspect_upload`) for `owner` and return its new row.

    Identical bytes share one file: it is written only if no file of that SHA-256 exists yet (with
    `dedupe=False`, for partial images that are never repeated, the lookup is skipped and the file written).
    """
    info = imaging.describe(data)
    asset = ImageAsset(
        owner=owner,
        job=job,
        kind=kind,
        sha256=info.sha256,
        width=info.width,
        height=info.height,
        format=info.format,
        size_bytes=len(data),
        **fields,
    )
    existing = (
        ImageAsset.objects.filter(sha256=info.sha256).exclude(file="").only("file", "thumbnail").first()
    )
    if existing is not None and existing.file.storage.exists(existing.file.name):
        asset.file.name = existing.file.name
        if thumbnail and existing.thumbnail:
            asset.thumbnail.name = existing.thumbnail.name
    else:
        asset.file.save("image", ContentFile(data), save=False)
    if thumbnail and not asset.thumbnail:
        asset.thumbnail.save("thumb", ContentFile(imaging.make_thumbnail(data)), save=False)
    asset.save()
    return asset


def add_thumbnail(asset: ImageAsset) -> None:
    """Give the asset its thumbnail: the one its bytes already have, or a new one."""
    name = thumbnail_path(asset, "")
    if asset.thumbnail.storage.exists(name):
        asset.thumbnail.name = name
    else:
        with asset.file.open("rb") as handle:
            asset.thumbnail.save("thumb", ContentFile(imaging.make_thumbnail(handle.read())), save=False)
    asset.save(update_fields=["thumbnail"])


def delete_assets(assets) -> int:
    """Delete rows, then every file no remaining row refers to. Returns how many rows went."""
    assets = list(assets)
    names = {name for asset in assets for name in (asset.file.name, asset.thumbnail.name) if name}
    storage = assets[0].file.storage if assets else None
    count = len(assets)
    ImageAsset.objects.filter(pk__in=[asset.pk for asset in assets]).delete()
    still_used = set(
        ImageAsset.objects.filter(Q(file__in=names) | Q(thumbnail__in=names)).values_list("file", "thumbnail")
    )
    in_use = {name for pair in still_used for name in pair}
    for name in names - in_use:
        storage.delete(name)
    return count
