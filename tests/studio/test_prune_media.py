"""`manage.py prune_media`: lists the old files no image refers to, removes them only with --delete, and never
touches a file in use or one younger than the grace period."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.management import call_command

from studio.core.storage import store_image
from studio.models import ImageAsset
from tests.support.images import solid

pytestmark = pytest.mark.django_db
HOUR = 3600


def orphan(settings, name: str, data: bytes, age_seconds: float):
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def prune(*args) -> str:
    out = io.StringIO()
    call_command("prune_media", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def media(alice, settings):
    """An image in use (made long ago), two old orphans (an image and a thumbnail), and a fresh orphan."""
    used = store_image(alice, solid(), kind=ImageAsset.Kind.UPLOAD)
    for name in (used.file.name, used.thumbnail.name):
        os.utime(settings.MEDIA_ROOT / name, (time.time() - 5 * HOUR,) * 2)
    return {
        "used": [settings.MEDIA_ROOT / used.file.name, settings.MEDIA_ROOT / used.thumbnail.name],
        "old": [
            orphan(settings, "images/ab/" + "ab" * 32 + ".png", b"x" * 1000, 2 * HOUR),
            orphan(settings, "thumbs/cd/" + "cd" * 32 + ".webp", b"y" * 234, 2 * HOUR),
        ],
        "fresh": orphan(settings, "images/ef/" + "ef" * 32 + ".png", b"z" * 50, 60),
    }


def test_a_dry_run_lists_the_old_unreferenced_files_and_their_bytes_and_removes_nothing(media):
    output = prune()
    assert f"would remove images/ab/{'ab' * 32}.png (1,000 bytes)" in output
    assert f"would remove thumbs/cd/{'cd' * 32}.webp (234 bytes)" in output
    assert "2 unreferenced file(s), 1,234 bytes" in output
    assert "nothing removed" in output
    assert "ef" * 32 not in output  # younger than the grace period
    assert all(path.exists() for path in [*media["used"], *media["old"], media["fresh"]])


def test_delete_removes_them_and_keeps_files_in_use_and_young_files(media):
    output = prune("--delete")
    assert "Removed 2 unreferenced file(s), 1,234 bytes." in output
    assert not any(path.exists() for path in media["old"])
    assert all(path.exists() for path in [*media["used"], media["fresh"]])


def test_the_grace_period_can_be_shortened(media):
    prune("--delete", "--older-than", "10")
    assert not media["fresh"].exists()
    assert all(path.exists() for path in media["used"])


def test_a_file_whose_row_is_deleted_becomes_prunable(alice, media, settings):
    ImageAsset.objects.all().delete()  # rows gone without their files, as a crash would leave them
    assert "4 unreferenced file(s)" in prune()


def test_it_says_so_when_there_is_nothing_to_prune(settings):
    assert "0 unreferenced file(s), 0 bytes" in prune()
