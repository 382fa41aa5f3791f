"""The prompt box's form: reference images uploaded with a turn are checked and stored from their files."""

from __future__ import annotations

import hashlib

import pytest

from conversations.forms import TurnForm
from studio.models import ImageAsset
from tests.support.images import counted_upload, noise_png

pytestmark = pytest.mark.django_db

TURN = {"prompt": "a poster for a jazz night", "model": "gpt-image-2", "size": "1024x1024", "quality": "low"}
TURN |= {"output_format": "png", "moderation": "auto", "partial_images": 0, "n": 1}


def test_it_checks_and_stores_an_uploaded_reference_without_reading_it_whole(alice):
    data = noise_png()
    upload = counted_upload(data)
    form = TurnForm(TURN, {"uploads": [upload]})
    assert form.is_valid(), form.errors
    [image] = form.save_references(alice)
    assert 0 < upload.file.largest_read < len(data) // 2
    assert (image.kind, image.sha256) == (ImageAsset.Kind.UPLOAD, hashlib.sha256(data).hexdigest())


def test_it_refuses_an_upload_that_is_not_an_image_by_its_name(alice):
    form = TurnForm(TURN, {"uploads": [counted_upload(b"just some text", "notes.png")]})
    assert not form.is_valid()
    assert form.errors["uploads"] == [
        "notes.png: That file is not an image Atelier can read (use PNG, JPEG or WebP)."
    ]
