"""Conversations by API: create one, hold two turns (the second continues from the first's response), read
the chain oldest first; turns with references and a mask; other users' conversations are not found."""

from __future__ import annotations

import pytest

from conversations.models import Conversation
from tests.studio.api.conftest import error_of
from tests.support.images import alpha_mask, decode, solid

pytestmark = pytest.mark.django_db


def new_conversation(api, **body) -> dict:
    response = api.post("/api/v1/conversations", body)
    assert response.status_code == 201
    return response.json()


def test_it_creates_a_conversation(api, alice):
    conversation = new_conversation(api, title="Spring campaign")
    assert conversation["title"] == "Spring campaign"
    assert conversation["turns"] == []
    assert Conversation.objects.get(pk=conversation["id"]).owner == alice


def test_two_turns_make_a_chain(api, emulator):
    conversation = new_conversation(api)
    path = f"/api/v1/conversations/{conversation['id']}"
    first = api.post(f"{path}/turns", {"prompt": "a poster for a jazz night", "quality": "low"})
    assert first.status_code == 202
    assert first.json()["job"]["kind"] == "turn"
    assert first.json()["job"]["turn"] == first.json()["turn"]
    second = api.post(f"{path}/turns", {"prompt": "make it darker", "quality": "low"})
    assert second.status_code == 202

    chain = api.get(path).json()
    assert chain["title"] == "a poster for a jazz night"
    one, two = chain["turns"]
    assert (one["id"], two["id"]) == (first.json()["turn"], second.json()["turn"])
    assert two["parent"] == one["id"]
    assert two["previous_response_id"] == one["response_id"] != ""
    assert [turn["job"]["status"] for turn in chain["turns"]] == ["succeeded", "succeeded"]
    image = two["job"]["images"][0]
    assert api.get(image["url"]).status_code == 200


def test_a_turn_may_branch_from_an_earlier_one(api, emulator):
    path = f"/api/v1/conversations/{new_conversation(api)['id']}"
    root = api.post(f"{path}/turns", {"prompt": "a lighthouse", "quality": "low"}).json()["turn"]
    api.post(f"{path}/turns", {"prompt": "at night", "quality": "low"})
    branch = api.post(f"{path}/turns", {"prompt": "in the snow", "quality": "low", "parent": root})
    assert branch.status_code == 202
    turns = api.get(path).json()["turns"]
    assert turns[2]["parent"] == root
    assert turns[2]["previous_response_id"] == turns[0]["response_id"]


def test_a_turn_takes_a_reference_and_a_mask(api, emulator):
    image = api.upload(solid((1024, 1024), (200, 120, 40))).json()
    mask = api.upload(alpha_mask((1024, 1024), (100, 100, 500, 500)), "mask.png").json()
    path = f"/api/v1/conversations/{new_conversation(api)['id']}"
    response = api.post(
        f"{path}/turns",
        {"prompt": "put a moon here", "quality": "low", "images": [image["id"]], "mask": mask["id"]},
    )
    assert response.status_code == 202
    [call] = [r for r in emulator.received() if r["path"] == "/v1/responses"]
    tool = call["json"]["tools"][0]
    assert "input_image_mask" in tool


def test_a_masked_turn_keeps_its_masked_image_first_when_the_chain_restarts(api, emulator, emulator_fault):
    """The service applies a mask to the first input image: the parent's image, sent along when the chain
    has expired, goes second, after the image the mask was painted on (here of another size)."""
    path = f"/api/v1/conversations/{new_conversation(api)['id']}"
    api.post(f"{path}/turns", {"prompt": "a lighthouse", "quality": "low"})
    image = api.upload(solid((1536, 1024), (200, 120, 40))).json()
    mask = api.upload(alpha_mask((1536, 1024), (100, 100, 500, 500)), "mask.png").json()
    emulator_fault("expired-chain")
    body = {"prompt": "put a moon here", "quality": "low", "images": [image["id"]], "mask": mask["id"]}
    second = api.post(f"{path}/turns", body).json()

    turns = api.get(path).json()["turns"]
    assert turns[1]["id"] == second["turn"]
    assert turns[1]["job"]["status"] == "succeeded", turns[1]["job"]
    restart = [r["json"] for r in emulator.received() if r["path"] == "/v1/responses"][-1]
    assert "previous_response_id" not in restart
    sent = [part for part in restart["input"][0]["content"] if part["type"] == "input_image"]
    assert len(sent) == 2
    assert decode_data_url(sent[0]["image_url"]).size == (1536, 1024)  # the masked image, first
    assert decode_data_url(sent[1]["image_url"]).size == (1024, 1024)  # the first turn's image


def decode_data_url(url: str):
    import base64

    return decode(base64.b64decode(url.split(",", 1)[1]))


def test_a_parent_from_elsewhere_is_refused(api, emulator):
    other = f"/api/v1/conversations/{new_conversation(api)['id']}"
    stranger = api.post(f"{other}/turns", {"prompt": "a cat", "quality": "low"}).json()["turn"]
    path = f"/api/v1/conversations/{new_conversation(api)['id']}"
    response = api.post(f"{path}/turns", {"prompt": "a dog", "parent": stranger})
    error = error_of(response)
    assert (response.status_code, error["param"]) == (422, "parent")
    assert error["message"] == "That turn is not part of this conversation."


def test_a_reference_of_another_user_is_refused(api, charlie_api):
    theirs = charlie_api.upload(solid((64, 64))).json()
    path = f"/api/v1/conversations/{new_conversation(api)['id']}"
    response = api.post(f"{path}/turns", {"prompt": "like this", "images": [theirs["id"]]})
    error = error_of(response)
    assert (response.status_code, error["param"]) == (422, "images")
    assert "is not one of your images" in error["message"]


def test_another_users_conversation_is_not_found(api, charlie_api):
    path = f"/api/v1/conversations/{new_conversation(api)['id']}"
    assert charlie_api.get(path).status_code == 404
    response = charlie_api.post(f"{path}/turns", {"prompt": "mine now"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_title_too_long_is_refused(api):
    response = api.post("/api/v1/conversations", {"title": "x" * 121})
    assert response.status_code == 422
    assert error_of(response)["param"] == "title"


def test_a_repeated_turn_with_its_key_is_queued_once(api, emulator):
    path = f"/api/v1/conversations/{new_conversation(api)['id']}/turns"
    body = {"prompt": "a kite", "quality": "low"}
    first = api.post(path, body, headers={"Idempotency-Key": "turn-1"})
    again = api.post(path, body, headers={"Idempotency-Key": "turn-1"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["turn"] == first.json()["turn"]


def test_a_turn_sent_while_the_latest_runs_queues_behind_it(
    api, alice, emulator, django_capture_on_commit_callbacks
):
    from conversations import services
    from studio.core import worker
    from tests.support.factories import tool_options

    conversation = Conversation.objects.get(pk=new_conversation(api)["id"])
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet run: as if it were running
        running = services.start_turn(conversation, prompt="a lighthouse", options=tool_options())
    path = f"/api/v1/conversations/{conversation.pk}"
    follow = api.post(f"{path}/turns", {"prompt": "make it stormy", "quality": "low"})
    assert follow.status_code == 202
    assert follow.json()["job"]["status"] == "queued"
    assert api.get(path).json()["turns"][1]["parent"] == running.pk

    with django_capture_on_commit_callbacks(execute=True):
        worker.run_inline(running.job_id)

    one, two = api.get(path).json()["turns"]
    assert two["job"]["status"] == "succeeded"
    assert two["previous_response_id"] == one["response_id"] != ""
