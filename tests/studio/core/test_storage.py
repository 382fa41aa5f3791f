"""Stored files: shared by identical bytes, removed with the last row that uses them, and removed when the
block that stored them rolls back."""

from __future__ import annotations

import io
import os

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from studio.core import running
from studio.core.storage import atomic_with_files, delete_assets, store_image
from studio.models import GenerationJob, ImageAsset
from tests.support.images import solid

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def files_under(root) -> set[str]:
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }


def test_a_block_that_fails_takes_the_files_it_stored_with_it(alice, settings):
    with pytest.raises(Refused), atomic_with_files():
        image = store_image(alice, solid(), kind=ImageAsset.Kind.MASK)
        assert os.path.exists(image.file.path) and os.path.exists(image.thumbnail.path)
        raise Refused
    assert not ImageAsset.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == set()


def test_a_block_that_succeeds_keeps_its_files(alice):
    with atomic_with_files():
        image = store_image(alice, solid(), kind=ImageAsset.Kind.MASK)
    assert os.path.exists(image.file.path)


def test_a_failed_block_keeps_a_file_that_a_committed_row_already_used(alice, settings):
    kept = store_image(alice, solid(), kind=ImageAsset.Kind.UPLOAD)
    with pytest.raises(Refused), atomic_with_files():
        twin = store_image(alice, solid(), kind=ImageAsset.Kind.MASK)
        other = store_image(alice, solid(colour=(1, 2, 3)), kind=ImageAsset.Kind.MASK)
        raise Refused
    assert twin.file.name == kept.file.name
    assert files_under(settings.MEDIA_ROOT) == {kept.file.name, kept.thumbnail.name}
    assert not os.path.exists(other.file.path)


def test_a_nested_block_that_succeeded_loses_its_files_when_the_outer_one_fails(alice, settings):
    with pytest.raises(Refused), atomic_with_files():
        with atomic_with_files():
            store_image(alice, solid(), kind=ImageAsset.Kind.MASK)
        store_image(alice, solid(colour=(9, 9, 9)), kind=ImageAsset.Kind.MASK)
        raise Refused
    assert files_under(settings.MEDIA_ROOT) == set()


def test_deleting_the_last_row_that_uses_a_file_deletes_it(alice):
    first = store_image(alice, solid(), kind=ImageAsset.Kind.UPLOAD)
    second = store_image(alice, solid(), kind=ImageAsset.Kind.UPLOAD)
    assert first.file.name == second.file.name
    delete_assets([first])
    assert os.path.exists(second.file.path)
    delete_assets([second])
    assert not os.path.exists(second.file.path)
    assert not os.path.exists(second.thumbnail.path)


def test_a_mask_stays_while_an_image_reopens_with_it_or_a_queued_job_will_send_it(alice):
    photo = store_image(alice, solid(), kind=ImageAsset.Kind.UPLOAD)
    mask = store_image(alice, solid(colour=(0, 0, 0)), kind=ImageAsset.Kind.MASK)
    photo.last_mask = mask
    photo.save(update_fields=["last_mask"])
    job = GenerationJob.objects.create(
        owner=alice, kind=GenerationJob.Kind.IMAGE_EDIT, request={"mask_id": mask.pk, "input_image_ids": []}
    )
    delete_assets([photo])
    assert ImageAsset.objects.filter(pk=mask.pk).exists()  # the queued job will send it
    GenerationJob.objects.filter(pk=job.pk).update(status=GenerationJob.Status.SUCCEEDED)
    delete_assets([], masks=[mask.pk])
    assert not ImageAsset.objects.filter(pk=mask.pk).exists()
    assert not os.path.exists(mask.file.path)


def test_an_upload_is_stored_from_its_file_as_from_its_bytes(alice):
    data = solid((64, 48), fmt="PNG")
    from_file = store_image(alice, io.BytesIO(data), kind=ImageAsset.Kind.UPLOAD)
    from_bytes = store_image(alice, data, kind=ImageAsset.Kind.UPLOAD)
    assert from_file.file.name == from_bytes.file.name  # the same content-addressed file
    assert (from_file.width, from_file.height, from_file.size_bytes) == (64, 48, len(data))
    with from_file.file.open("rb") as handle:
        assert handle.read() == data
    assert from_file.thumbnail


def test_a_partial_is_stored_without_looking_for_a_twin(alice):
    """Partials are never repeated: no query for a row with the same bytes, only the INSERT; a twin that
    exists after all gets a file of its own, and both read back."""
    data = solid((64, 48), fmt="PNG")
    first = store_image(alice, data, kind=ImageAsset.Kind.PARTIAL, thumbnail=False, dedupe=False)
    with CaptureQueriesContext(connection) as queries:
        second = store_image(alice, data, kind=ImageAsset.Kind.PARTIAL, thumbnail=False, dedupe=False)
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["INSERT"]
    assert first.file.name != second.file.name
    for image in (first, second):
        with image.file.open("rb") as handle:
            assert handle.read() == data


@pytest.mark.django_db(transaction=True)
def test_a_job_image_whose_row_cannot_be_saved_leaves_no_file(alice, settings):
    """A partial arriving for a job deleted meanwhile (its conversation went): the INSERT fails at commit
    (the job's row is gone) and the file written for it goes too."""
    job = GenerationJob.objects.create(owner=alice, kind=GenerationJob.Kind.RESPONSE, request={})
    GenerationJob.objects.filter(pk=job.pk).delete()
    with pytest.raises(IntegrityError):
        running._store(job, solid(), ImageAsset.Kind.PARTIAL, dedupe=False, partial_index=0, output_index=0)
    assert not ImageAsset.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == set()
