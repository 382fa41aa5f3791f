"""The gallery: the user's images only, newest first, filters, search, favourites, delete; constant queries."""

from __future__ import annotations

import pytest

from studio.core.storage import store_image
from studio.models import ImageAsset
from tests.support.factories import make_conversation, make_finished_job, send_turn
from tests.support.images import solid

pytestmark = pytest.mark.django_db


def make_images(owner, count: int, *, prompt="a lighthouse", model="gpt-image-2", quality="low"):
    job = make_finished_job(owner, prompt=prompt, n=count, model=model, quality=quality)
    return [
        store_image(
            owner, solid((32, 32), (i % 255, 10, 10)), kind=ImageAsset.Kind.FINAL, job=job, output_index=i
        )
        for i in range(count)
    ]


def test_it_lists_only_the_users_images_newest_first(alice_client, alice, charlie):
    mine = make_images(alice, 3)
    make_images(charlie, 2, prompt="charlie's boat")
    page = alice_client.get("/gallery/")
    listed = [image.pk for image in page.context["page"]]
    assert listed == sorted((image.pk for image in mine), reverse=True)
    assert b"charlie" not in page.content.replace(b"alice", b"")


def test_a_page_uses_a_constant_number_of_queries(alice_client, alice, django_assert_max_num_queries):
    make_images(alice, 10)
    with django_assert_max_num_queries(20) as few:
        alice_client.get("/gallery/")
    make_images(alice, 40, prompt="another series")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get("/gallery/")
    assert response.content.count(b'class="gallery-item"') == 48
    assert b"/thumb" in response.content


def test_filters_and_search(alice_client, alice, emulator, django_capture_on_commit_callbacks):
    make_images(alice, 2, prompt="a red bicycle", quality="high")
    make_images(alice, 1, prompt="a blue kite", model="gpt-image-1.5")
    send_turn(make_conversation(alice), "a green teapot", django_capture_on_commit_callbacks)

    def count(**params) -> int:
        return len(alice_client.get("/gallery/", params).context["page"].object_list)

    store_image(alice, solid((40, 40)), kind=ImageAsset.Kind.UPLOAD)
    assert count() == 5
    assert count(source="upload") == 1
    assert count(q="bicycle") == 2
    assert count(q="teapot") == 1
    assert count(source="conversation") == 1
    assert count(source="studio") == 3
    assert count(model="gpt-image-1.5") == 1
    assert count(quality="high") == 2


def test_favourites(alice_client, alice):
    image, other = make_images(alice, 2)
    response = alice_client.post(f"/images/{image.pk}/favourite", headers={"HX-Request": "true"})
    assert b'aria-pressed="true"' in response.content
    assert [i.pk for i in alice_client.get("/gallery/", {"favourites": "on"}).context["page"]] == [image.pk]


def test_delete_removes_the_file_when_nothing_else_uses_it(alice_client, alice):
    shared, unique = make_images(alice, 2)
    twin = ImageAsset.objects.create(
        owner=alice,
        kind=ImageAsset.Kind.FINAL,
        sha256=shared.sha256,
        file=shared.file.name,
        width=32,
        height=32,
        format="png",
        size_bytes=shared.size_bytes,
    )
    unique_path, shared_path = unique.file.path, shared.file.path
    alice_client.post(f"/images/{unique.pk}/delete")
    alice_client.post(f"/images/{shared.pk}/delete")
    import os

    assert not os.path.exists(unique_path)
    assert os.path.exists(shared_path)  # the twin still refers to it
    alice_client.post(f"/images/{twin.pk}/delete")
    assert not os.path.exists(shared_path)


def media_files(settings) -> set[str]:
    return {str(p.relative_to(settings.MEDIA_ROOT)) for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}


def test_deleting_an_edit_takes_its_raw_output_and_keeps_the_mask_the_original_still_shows(
    alice, alice_client, emulator, settings, django_capture_on_commit_callbacks
):
    from PIL import Image

    from tests.support.images import encode, mask_upload

    photo = store_image(alice, encode(Image.effect_noise((1024, 1024), 45).convert("RGB")), kind="upload")
    form = {"prompt": "a window", "model": "gpt-image-2", "quality": "low", "output_format": "png"}
    form |= {"partial_images": "0", "size": "auto", "moderation": "auto", "paste_back": "on", "feather": "6"}
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/images/{photo.pk}/edit", {**form, "mask": mask_upload()})
    final = ImageAsset.objects.get(kind=ImageAsset.Kind.FINAL)
    raw, mask = final.raw, final.mask
    assert raw is not None and mask is not None
    alice_client.post(f"/images/{final.pk}/delete")
    assert not ImageAsset.objects.filter(pk=raw.pk).exists()
    assert raw.file.name not in media_files(settings)
    assert ImageAsset.objects.filter(pk=mask.pk).exists()  # the editor reopens the photo with it
    alice_client.post(f"/images/{photo.pk}/delete")
    assert not ImageAsset.objects.filter(kind=ImageAsset.Kind.MASK).exists()
    assert media_files(settings) == set()


def test_a_cache_hit_shows_its_image_once(alice_client, alice, emulator, django_capture_on_commit_callbacks):
    from tests.support.factories import image_request, run_image_job

    first = run_image_job(alice, django_capture_on_commit_callbacks, image_request("a cached lighthouse"))
    again = run_image_job(alice, django_capture_on_commit_callbacks, image_request("a cached lighthouse"))
    assert again.cached_from_id == first.pk
    assert ImageAsset.objects.filter(job=again, kind=ImageAsset.Kind.FINAL).count() == 1
    listed = list(alice_client.get("/gallery/").context["page"])
    assert [image.job_id for image in listed] == [first.pk]


def test_deleting_an_image_takes_its_cache_copies(
    alice_client, alice, emulator, django_capture_on_commit_callbacks
):
    from tests.support.factories import image_request, run_image_job

    first = run_image_job(alice, django_capture_on_commit_callbacks, image_request("a cached kite"))
    again = run_image_job(alice, django_capture_on_commit_callbacks, image_request("a cached kite"))
    original = ImageAsset.objects.get(job=first, kind=ImageAsset.Kind.FINAL)
    alice_client.post(f"/images/{original.pk}/delete")
    assert not ImageAsset.objects.filter(job__in=[first, again], kind=ImageAsset.Kind.FINAL).exists()
    assert list(alice_client.get("/gallery/").context["page"]) == []


def test_deleting_a_turns_image_takes_its_partials_so_the_turn_shows_no_blurry_preview(
    alice_client, alice, emulator, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    turn = send_turn(conversation, "a green teapot", django_capture_on_commit_callbacks)
    final = ImageAsset.objects.get(job=turn.job, kind=ImageAsset.Kind.FINAL)
    partials = list(ImageAsset.objects.filter(job=turn.job, kind=ImageAsset.Kind.PARTIAL))
    assert partials
    alice_client.post(f"/images/{final.pk}/delete", headers={"HX-Request": "true"})
    assert not ImageAsset.objects.filter(job=turn.job).exists()
    page = alice_client.get(conversation.get_absolute_url()).content.decode()
    assert "is-partial" not in page
    assert not any(f"/images/{p.pk}" in page for p in partials)


def test_charlie_cannot_delete_alices_image(alice, charlie, client):
    (image,) = make_images(alice, 1)
    client.force_login(charlie)
    assert client.post(f"/images/{image.pk}/delete").status_code == 404
    assert ImageAsset.objects.filter(pk=image.pk).exists()
