"""`manage.py prune_media`: find the image files no row refers to (left by a crash, or by a job whose
conversation was deleted while it ran) and, with --delete, remove them."""

from __future__ import annotations

from datetime import timedelta
from itertools import batched

from django.core.management.base import BaseCommand

from studio.core.storage import delete_unused_files, unreferenced_files


class Command(BaseCommand):
    help = (
        "List the files under MEDIA_ROOT (images/ and thumbs/) that no image refers to, and their size. "
        "Nothing is removed without --delete. Files newer than --older-than seconds are left alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="Remove the files (default: only list them)."
        )
        parser.add_argument(
            "--older-than",
            type=int,
            default=3600,
            metavar="SECONDS",
            help="Only files older than this (default 3600: a job in flight writes its file before its row).",
        )

    def handle(self, *args, delete: bool, older_than: int, **options) -> None:
        found = removed = 0
        found_bytes = removed_bytes = 0
        for batch in batched(unreferenced_files(timedelta(seconds=max(older_than, 0))), 500):
            sizes = dict(batch)
            found += len(sizes)
            found_bytes += sum(sizes.values())
            # delete_unused_files looks at the rows again just before it deletes: one stored meanwhile keeps its file.
            names = delete_unused_files(sizes) if delete else sorted(sizes)
            for name in names:
                self.stdout.write(f"{'removed' if delete else 'would remove'} {name} ({sizes[name]:,} bytes)")
            removed += len(names)
            removed_bytes += sum(sizes[name] for name in names)
        if delete:
            self.stdout.write(f"Removed {removed:,} unreferenced file(s), {removed_bytes:,} bytes.")
        else:
            self.stdout.write(
                f"{found:,} unreferenced file(s), {found_bytes:,} bytes, older than {older_than} s. "
                "Dry run: nothing removed (add --delete to remove them)."
            )
