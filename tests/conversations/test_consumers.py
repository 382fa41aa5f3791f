"""The conversation websocket: refuses strangers at the handshake, relays partial then final fragments."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from conversations import services
from tests.support.factories import make_conversation, tool_options
from tests.support.websockets import communicator_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_it_refuses_an_anonymous_user(alice):
    conversation = await sync_to_async(make_conversation)(alice)
    communicator = await communicator_for(f"/ws/conversations/{conversation.pk}/")
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4401)


async def test_it_refuses_another_user(alice, charlie):
    conversation = await sync_to_async(make_conversation)(alice)
    communicator = await communicator_for(f"/ws/conversations/{conversation.pk}/", charlie)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4403)


async def test_it_relays_partial_then_final_fragments_in_order(alice, emulator, settings):
    settings.ATELIER_JOB_RUNNER = "embedded"
    await relays_partial_then_final_fragments_in_order(alice)


async def relays_partial_then_final_fragments_in_order(alice) -> None:
    """Run a turn on the embedded runner and check what its websocket received (any channel layer)."""
    conversation = await sync_to_async(make_conversation)(alice)
    communicator = await communicator_for(f"/ws/conversations/{conversation.pk}/", alice)
    connected, _ = await communicator.connect()
    assert connected

    turn = await sync_to_async(services.start_turn)(
        conversation, prompt="a neon sign", options=tool_options(partial_images=2)
    )

    messages = []
    while not messages or messages[-1].get("target") != "#conversation-cost":
        messages.append(await communicator.receive_json_from(timeout=20))

    turn_messages = [m for m in messages if m["target"] in (f"#turn-{turn.pk}", f"#job-{turn.job_id}-stage")]
    assert all(m["swap"] == "outerHTML" for m in turn_messages)
    partial_indexes = [
        int(m["content"].split('data-partial-index="')[1].split('"')[0])
        for m in turn_messages
        if "data-partial-index" in m["content"]
    ]
    assert partial_indexes[:2] == [0, 1]
    first_partial = next(i for i, m in enumerate(turn_messages) if "is-partial" in m["content"])
    first_final = next(i for i, m in enumerate(turn_messages) if 'data-status="succeeded"' in m["content"])
    assert first_partial < first_final
    assert all("base64" not in m["content"] for m in messages)
    assert "/images/" in turn_messages[-1]["content"]
    cost = [m for m in messages if m["target"] == "#conversation-cost"]
    assert cost and "spent" in cost[-1]["content"]
    # The branch map follows: the finished turn, with its thumbnail.
    branch_map = await communicator.receive_json_from(timeout=5)
    assert branch_map["target"] == "#branch-map" and branch_map["swap"] == "outerHTML"
    assert f'href="#turn-{turn.pk}"' in branch_map["content"]
    assert "thumb?w=128" in branch_map["content"]
    # And the top bar's month spend, with this turn counted.
    spend = await communicator.receive_json_from(timeout=5)
    assert spend["target"] == "#budget-meter" and spend["swap"] == "outerHTML"
    assert 'id="budget-meter"' in spend["content"] and "this month" in spend["content"]
    assert "<strong>$0.00</strong>" not in spend["content"]
    await communicator.disconnect()


async def test_it_answers_a_message_from_the_page_with_a_refusal(alice):
    conversation = await sync_to_async(make_conversation)(alice)
    communicator = await communicator_for(f"/ws/conversations/{conversation.pk}/", alice)
    await communicator.connect()
    await communicator.send_json_to({"hello": "there"})
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error"
    await communicator.disconnect()
