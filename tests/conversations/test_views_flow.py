"""The conversation page's flow: reference uploads in the composer, follow-ups queued behind a running turn
(and sent now as a branch), the branch map, sized thumbnails, titles from the first prompt."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conversations import services
from conversations.models import Conversation, Turn
from studio.models import GenerationJob, ImageAsset
from tests.conversations.test_views import FORM
from tests.support.factories import make_conversation, send_turn, tool_options
from tests.support.images import solid

pytestmark = pytest.mark.django_db


def upload(name: str = "ref.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else solid((96, 64)), content_type="image/png")


def test_a_reference_image_uploaded_in_the_composer_goes_with_the_turn(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/c/new", {**FORM, "uploads": [upload()]})
    assert response.status_code == 302
    turn = Turn.objects.get(conversation__owner=alice)
    reference = ImageAsset.objects.get(owner=alice, kind=ImageAsset.Kind.UPLOAD)
    assert turn.job.request["input_image_ids"] == [reference.pk]
    assert turn.job.status == GenerationJob.Status.SUCCEEDED


def test_the_reference_field_is_visible_and_labelled(alice_client):
    page = alice_client.get("/").content.decode()
    assert '<label for="id_uploads">Reference images</label>' in page
    assert 'type="file" name="uploads"' in page
    assert 'enctype="multipart/form-data"' in page


def test_a_file_that_is_no_image_is_refused_and_nothing_is_created(alice, alice_client):
    response = alice_client.post(
        "/c/new", {**FORM, "uploads": [upload("notes.png", b"not an image")]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert b"notes.png" in response.content
    assert not Conversation.objects.exists()
    assert not ImageAsset.objects.exists()


def test_the_first_prompt_titles_the_conversation(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    prompt = "a poster for a jazz night in Lisbon, deep blue and brass, with a trumpet in the moonlight"
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/c/new", {**FORM, "prompt": prompt})
    conversation = Conversation.objects.get(owner=alice)
    assert conversation.title == services.title_from_prompt(prompt)
    assert conversation.title.startswith("a poster for a jazz night") and len(conversation.title) <= 60
    assert (
        f'<span class="conversation-title">{conversation.title}</span>'
        in alice_client.get("/").content.decode()
    )


@pytest.fixture
def waiting_turn(alice, emulator, django_capture_on_commit_callbacks) -> Turn:
    """Three turns: a finished one, one queued (as if running), and a follow-up waiting behind it."""
    conversation = make_conversation(alice, title="Lighthouse")
    send_turn(conversation, "a lighthouse", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        services.start_turn(conversation, prompt="make it stormy", options=tool_options())
        return services.start_turn(conversation, prompt="add a ship", options=tool_options())


def test_a_waiting_turn_says_it_will_continue_from_the_turn_above(alice_client, waiting_turn):
    page = alice_client.get(f"/c/{waiting_turn.conversation_id}/").content.decode()
    turn_html = page[page.index(f'id="turn-{waiting_turn.pk}"') :]
    assert "Queued: will continue from the turn above" in turn_html
    assert "Waiting for the turn above" in turn_html
    assert f'hx-post="/c/turns/{waiting_turn.pk}/send-now"' in turn_html
    assert "Send now as a branch" in turn_html


def test_send_now_sends_it_from_the_latest_finished_turn_marked_as_a_branch(
    alice_client, waiting_turn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/c/turns/{waiting_turn.pk}/send-now", headers={"HX-Request": "true"})
    assert response.status_code == 200
    turn = Turn.objects.select_related("job", "parent__job").get(pk=waiting_turn.pk)
    assert turn.branched and turn.parent.prompt == "a lighthouse"
    assert turn.job.status == GenerationJob.Status.SUCCEEDED
    assert turn.previous_response_id == turn.parent.response_id
    assert 'response id">Branch</span>' in response.content.decode()


def test_the_branch_map_shows_the_tree_with_the_latest_turn_and_where_the_next_prompt_goes(
    alice, alice_client, emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    root = send_turn(conversation, "a lighthouse", capture)
    stormy = send_turn(conversation, "make it stormy", capture)
    sunny = send_turn(conversation, "make it sunny", capture, parent=root)

    page = alice_client.get(f"/c/{conversation.pk}/").content.decode()
    tree = page[page.index('id="branch-map"') : page.index("</aside>", page.index('id="branch-map"'))]
    # The line to the latest turn stays flat (root, sunny); the branch left behind (stormy) nests under root.
    root_at, stormy_at, sunny_at = (tree.index(f'href="#turn-{t.pk}"') for t in (root, stormy, sunny))
    assert root_at < stormy_at < sunny_at
    nested = tree[tree.index(f'data-turn="{root.pk}"') :]
    assert nested.index('<ol class="branch-line">') < nested.index(f'href="#turn-{stormy.pk}"')
    assert nested.index("</ol>") < nested.index(f'href="#turn-{sunny.pk}"')
    assert tree.count('<ol class="branch-line">') == 2
    assert "1 branch" in tree
    latest = tree[tree.index(f'href="#turn-{sunny.pk}"') - 60 :]
    assert 'aria-current="true"' in latest[:200]
    assert tree.count("Next prompt continues here") == 1
    final = sunny.job.images.get(kind=ImageAsset.Kind.FINAL)
    assert f'src="/images/{final.pk}/thumb?w=128"' in tree
    assert f'data-branch-from="{root.pk}"' in tree


def test_a_new_turn_swaps_in_the_branch_map_out_of_band(
    alice_client, waiting_turn, django_capture_on_commit_callbacks
):
    conversation = waiting_turn.conversation
    with django_capture_on_commit_callbacks(execute=False):
        response = alice_client.post(
            f"/c/{conversation.pk}/turns", {**FORM, "prompt": "and gulls"}, headers={"HX-Request": "true"}
        )
    html = response.content.decode()
    assert '<div id="branch-map" class="branch-map" hx-swap-oob="true">' in html
    assert "and gulls" in html[html.index('id="branch-map"') :]


def test_sized_thumbnails_keep_the_aspect_ratio_and_refuse_other_widths(alice, alice_client):
    from studio.core.storage import store_image

    image = store_image(alice, solid((1536, 1024)), kind=ImageAsset.Kind.UPLOAD)
    response = alice_client.get(f"/images/{image.pk}/thumb?w=256")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (256, 171)
    tall = store_image(alice, solid((1024, 1536), colour=(0, 90, 200)), kind=ImageAsset.Kind.UPLOAD)
    response = alice_client.get(f"/images/{tall.pk}/thumb?w=512")
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (512, 768)
    assert alice_client.get(f"/images/{image.pk}/thumb?w=300").status_code == 400


def test_deleting_an_image_removes_its_sized_thumbnails(alice, alice_client):
    from studio.core.storage import delete_assets, sized_thumbnail_name, store_image

    image = store_image(alice, solid((600, 400)), kind=ImageAsset.Kind.UPLOAD)
    b"".join(alice_client.get(f"/images/{image.pk}/thumb?w=256").streaming_content)
    storage = image.file.storage
    assert storage.exists(sized_thumbnail_name(image, 256))
    delete_assets([image])
    assert not storage.exists(sized_thumbnail_name(image, 256))


def test_the_path_to_the_latest_turn_stays_one_flat_line(alice, emulator, django_capture_on_commit_callbacks):
    from conversations.branches import branch_map

    capture = django_capture_on_commit_callbacks
    conversation = make_conversation(alice)
    made = [send_turn(conversation, "one", capture)]
    for index in range(2, 10):  # every third turn branches from two turns back, and the chat goes on from it
        parent = made[-3] if index % 3 == 0 and len(made) > 2 else made[-1]
        made.append(send_turn(conversation, f"turn {index}", capture, parent=parent))
    turns = list(Turn.objects.with_display_data().filter(conversation=conversation))
    tree = branch_map(turns)

    (main,) = tree.lines
    assert main[-1].turn == made[-1]
    depth = max(len(node.branches) and 1 for node in main)
    assert depth == 1  # the branches left behind hang off the main line, one level deep
    assert tree.branch_count == 2
