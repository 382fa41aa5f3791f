"""Uploads stream to temporary files: a large one never sits whole in the server's memory."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory


def test_an_upload_over_the_memory_threshold_is_streamed_to_a_temporary_file(settings):
    upload = SimpleUploadedFile("big.png", b"x" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1))
    request = RequestFactory().post("/studio/submit", {"images": upload})
    assert isinstance(request.FILES["images"], TemporaryUploadedFile)


def test_the_memory_threshold_stays_small(settings):
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
