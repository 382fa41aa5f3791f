"""A conversation's true cost: the image model and the mainline model, each recorded, shown and budgeted."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from conversations import services
from conversations.models import Turn
from studio.core import budgets, pricing
from studio.models import Budget, UsageRecord
from tests.support.factories import make_conversation, send_turn, tool_options

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def test_the_shown_cost_is_both_models_and_the_admin_agrees(
    alice, client, django_user_model, emulator, django_capture_on_commit_callbacks
):
    conversation = make_conversation(alice)
    first = send_turn(conversation, "a harbour at dawn", django_capture_on_commit_callbacks)
    send_turn(conversation, "make it foggy", django_capture_on_commit_callbacks)
    records = UsageRecord.objects.filter(job__turn__conversation=conversation)
    assert sorted({record.model for record in records}) == ["gpt-5.4", "gpt-image-2"]
    mainline = records.filter(model="gpt-5.4")
    assert mainline.count() == 2
    # The follow-up reads the first turn again, mostly from the prompt cache, billed at the cached rate.
    follow_up = mainline.exclude(job=first.job).get()
    assert follow_up.cached_input_tokens > 0
    expected = pricing.cost(
        "gpt-5.4",
        text=follow_up.input_text_tokens,
        cached=follow_up.cached_input_tokens,
        output=follow_up.output_tokens,
    )
    assert follow_up.cost_usd == expected
    total = sum(record.cost_usd for record in records)
    assert services.cost_of(list(Turn.objects.with_display_data().filter(conversation=conversation))) == total
    assert first.cost_usd == sum(record.cost_usd for record in records.filter(job=first.job))

    client.force_login(alice)
    page = client.get(f"/c/{conversation.pk}/").content.decode()
    shown = f"${total.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP)}"
    assert shown in page

    admin = django_user_model.objects.create_superuser("root", password="pw-for-root")
    client.force_login(admin)
    listing = client.get("/admin/studio/usagerecord/", {"owner__id__exact": alice.pk})
    assert listing.context["usage_totals"]["cost_usd"] == total
    by_model = client.get("/admin/studio/usagerecord/", {"owner__id__exact": alice.pk, "model": "gpt-5.4"})
    assert by_model.context["usage_totals"]["cost_usd"] == sum(record.cost_usd for record in mainline)


def test_a_budget_refuses_a_turn_whose_mainline_part_would_overspend(alice, emulator):
    conversation = make_conversation(alice)
    image_only = pricing.estimate(
        "gpt-image-2", "low", "1024x1024", partial_images=2, prompt="a kite"
    ).cost_usd
    mainline = pricing.estimate_mainline("gpt-5.4", "a kite", earlier_turns=0).cost_usd
    assert mainline > image_only  # the mainline model is most of a low-quality turn
    Budget.objects.create(user=alice, monthly_usd=(image_only + mainline / 2).quantize(CENT))
    with pytest.raises(budgets.BudgetExceeded):
        services.start_turn(conversation, prompt="a kite", options=tool_options())
    assert not conversation.turns.exists()
