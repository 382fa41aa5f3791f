"""Storing image files: content-addressed on disk, one ImageAsset row per use, thumbnails for lists.

A file is written before its row is saved. A block that stores images and may still fail (a budget refusal
after the mask is stored) runs in `atomic_with_files()`, which removes the files written inside it when it rolls
back; a process that dies between the file and the commit leaves a file no row refers to, which
`manage.py prune_media` finds.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.core.files.base import ContentFile, File
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from studio.core import imaging
from studio.models import GenerationJob, ImageAsset
from studio.models.images import thumbnail_path

logger = logging.getLogger(__name__)

MEDIA_FOLDERS = ("images", "thumbs")  # where image_path and thumbnail_path put files

# The names written inside the innermost atomic_with_files() block of this thread or task, if any.
_written: ContextVar[list[str] | None] = ContextVar("studio_files_written", default=None)


@contextmanager
def atomic_with_files() -> Iterator[None]:
    """`transaction.atomic()` that also removes the files stored inside it if it rolls back (Django has no
    rollback hook). A file that another row uses, or that existed before, is kept. A nested block hands its
    files to the enclosing one; a plain `atomic()` around this one that rolls back later is not seen, and
    leaves its files to `prune_media`."""
    enclosing = _written.get()
    written: list[str] = []
    token = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        try:
            delete_unused_files(written)
        except DatabaseError:  # the database that failed the block: never hide its error behind ours
            logger.warning("could not check %d file(s) after a rollback; prune_media will", len(written))
        raise
    else:
        if enclosing is not None:
            enclosing.extend(written)
    finally:
        _written.reset(token)


def _write(field_file, data: imaging.ImageSource) -> None:
    """Save `data` under the field's content-addressed name, noting the name for atomic_with_files(). A file
    is copied in chunks, never read whole."""
    if isinstance(data, bytes):
        content = ContentFile(data)
    else:
        data.seek(0)
        content = File(
            data
        )  # a plain File: the storage copies it (it never moves an upload's temporary file)
    field_file.save("content-addressed", content, save=False)  # upload_to names it
    written = _written.get()
    if written is not None:
        written.append(field_file.name)


def store_image(
    owner,
    data: imaging.ImageSource,
    *,
    kind: str,
    job=None,
    thumbnail: bool = True,
    dedupe: bool = True,
    **fields,
) -> ImageAsset:
    """Save `data` (a png, jpeg or webp from the model service, or an upload already checked with
    `imaging.inspect_upload`, as bytes or as its file) for `owner` and return its new row. An image with an
    EXIF orientation is stored turned upright.

    Identical bytes share one file: it is written only if no file of that SHA-256 exists yet (with
    `dedupe=False`, for partial images that are never repeated, the lookup is skipped and the file written).
    """
    turned = imaging.upright(data)
    if turned is not None:
        data = turned  # stored as it is seen (see `imaging.upright`)
    info = imaging.describe(data)
    asset = ImageAsset(
        owner=owner,
        job=job,
        kind=kind,
        sha256=info.sha256,
        width=info.width,
        height=info.height,
        format=info.format,
        size_bytes=imaging.byte_size(data),
        **fields,
    )
    existing = None
    if dedupe:
        existing = (
            ImageAsset.objects.filter(sha256=info.sha256).exclude(file="").only("file", "thumbnail").first()
        )
    if existing is not None and existing.file.storage.exists(existing.file.name):
        asset.file.name = existing.file.name
        if thumbnail and existing.thumbnail:
            asset.thumbnail.name = existing.thumbnail.name
    else:
        _write(asset.file, data)
    if thumbnail and not asset.thumbnail:
        _write(asset.thumbnail, imaging.make_thumbnail(data))
    asset.save()
    return asset


def add_thumbnail(asset: ImageAsset) -> None:
    """Give the asset its thumbnail: the one its bytes already have, or a new one."""
    name = thumbnail_path(asset, "")
    if asset.thumbnail.storage.exists(name):
        asset.thumbnail.name = name
    else:
        with asset.file.open("rb") as handle:
            _write(asset.thumbnail, imaging.make_thumbnail(handle.read()))
    asset.save(update_fields=["thumbnail"])


THUMBNAIL_WIDTHS = (128, 256, 512, 1024)  # the sized WebPs pages ask for (srcset), made on first use


def sized_thumbnail_name(asset: ImageAsset, width: int) -> str:
    return f"thumbs/{asset.sha256[:2]}/{asset.sha256}-w{width}.webp"


def sized_thumbnail(asset: ImageAsset, width: int) -> str:
    """The storage name of a WebP of the image `width` px wide (never wider than the image), made on
    first use. Not a row's file: `delete_assets` removes it with its image, `prune_media` if left over."""
    name = sized_thumbnail_name(asset, width)
    storage = asset.file.storage
    if not storage.exists(name):
        edge = math.ceil(width * max(asset.width, asset.height) / max(asset.width, 1))
        with asset.file.open("rb") as handle:
            data = imaging.make_thumbnail(handle.read(), max_edge=edge)
        storage.save(name, ContentFile(data))
    return name


def delete_assets(assets, *, masks: Iterable[int] = ()) -> int:
    """Delete the rows with what was theirs alone, then every file no remaining row refers to. Returns how
    many of `assets` went.

    Theirs alone: a pasted-back edit's raw output, and the masks they were made or last painted with
    (and `masks`, those of jobs being deleted) that no other image and no job still to run refers to. A mask
    another image reopens with, or a queued job will send, stays."""
    assets = list(assets)
    count = len(assets)
    raws = {asset.raw_id for asset in assets if asset.raw_id} - {asset.pk for asset in assets}
    assets += ImageAsset.objects.filter(pk__in=raws, kind=ImageAsset.Kind.RAW)
    ImageAsset.objects.filter(pk__in=[asset.pk for asset in assets]).delete()
    used_masks = {mask for asset in assets for mask in (asset.mask_id, asset.last_mask_id) if mask}
    used_masks |= set(masks)
    unused = used_masks - masks_in_use(used_masks)
    orphans = list(ImageAsset.objects.filter(pk__in=unused, kind=ImageAsset.Kind.MASK))
    ImageAsset.objects.filter(pk__in=[mask.pk for mask in orphans]).delete()
    delete_unused_files(
        name for asset in (*assets, *orphans) for name in (asset.file.name, asset.thumbnail.name) if name
    )
    _delete_sized_thumbnails(assets)
    return count


def _delete_sized_thumbnails(assets: list[ImageAsset]) -> None:
    """The sized WebPs of images whose bytes no row has any more."""
    gone = {asset.sha256 for asset in assets if asset.sha256}
    gone -= set(ImageAsset.objects.filter(sha256__in=gone).values_list("sha256", flat=True))
    storage = ImageAsset._meta.get_field("file").storage
    for asset in assets:
        if asset.sha256 in gone:
            for width in THUMBNAIL_WIDTHS:
                storage.delete(sized_thumbnail_name(asset, width))


def masks_in_use(ids: Iterable[int]) -> set[int]:
    """Those of the mask ids `ids` that an image (made with it, or reopening with it in the editor) or a job
    still to run refers to. A finished job does not keep its mask: without its image it is only history."""
    ids = set(ids)
    if not ids:
        return set()
    images = ImageAsset.objects.filter(Q(mask__in=ids) | Q(last_mask__in=ids)).values_list(
        "mask", "last_mask"
    )
    jobs = (
        GenerationJob.objects.active()
        .filter(request__mask_id__in=ids)
        .values_list("request__mask_id", flat=True)
    )
    return ({mask for pair in images for mask in pair} | set(jobs)) & ids


def files_in_use(names: Iterable[str]) -> set[str]:
    """Those of `names` (storage names, images or thumbnails) that an ImageAsset row refers to."""
    names = set(names)
    rows = ImageAsset.objects.filter(Q(file__in=names) | Q(thumbnail__in=names)).values_list(
        "file", "thumbnail"
    )
    return {name for pair in rows for name in pair} & names


def delete_unused_files(names: Iterable[str]) -> list[str]:
    """Delete the files among `names` that no row refers to; returns the names deleted."""
    names = set(names)
    unused = sorted(names - files_in_use(names)) if names else []
    storage = ImageAsset._meta.get_field("file").storage
    for name in unused:
        storage.delete(name)
    return unused


def _files_under(storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}"
    for name in sorted(folders):
        yield from _files_under(storage, f"{folder}/{name}")


def unreferenced_files(older_than: timedelta) -> Iterator[tuple[str, int]]:
    """The stored images and thumbnails that no row refers to, with their sizes in bytes.

    Files younger than `older_than` are never listed: a job in flight writes its file before its row
    commits, and an upload is written before the form's transaction ends."""
    storage = ImageAsset._meta.get_field("file").storage
    cutoff = timezone.now() - older_than

    def old_files() -> Iterator[tuple[str, int]]:
        for name in itertools.chain.from_iterable(_files_under(storage, folder) for folder in MEDIA_FOLDERS):
            try:
                if storage.get_modified_time(name) < cutoff:
                    yield name, storage.size(name)
            except FileNotFoundError:  # deleted since it was listed
                continue

    for batch in itertools.batched(old_files(), 500):
        in_use = files_in_use(name for name, _ in batch)
        yield from ((name, size) for name, size in batch if name not in in_use)
