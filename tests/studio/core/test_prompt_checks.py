"""Prompt checks: local rules and OpenAI's moderation endpoint on the emulator (its fault switch and markers)."""

from __future__ import annotations

import pytest

from studio.core.prompt_checks import check_prompt
from studio.core.requests import PROMPT_MAX
from studio.models import BlockedTerm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


def kinds(check) -> list[str]:
    return [finding.kind for finding in check.findings]


def test_it_flags_an_empty_prompt_without_calling_the_service(emulator):
    check = check_prompt("   ")

    assert kinds(check) == ["empty"]
    assert not [entry for entry in emulator.received() if entry["path"] == "/v1/moderations"]


def test_it_flags_a_prompt_over_the_models_limit(emulator):
    check = check_prompt("x" * (PROMPT_MAX + 1))

    assert kinds(check) == ["too_long"]
    assert "32,000" in check.flags[0].advice


def test_it_flags_blocked_terms_as_whole_words_with_the_admins_message(emulator):
    BlockedTerm.objects.create(term="logo of Acme", message="Use our own brand, not Acme's.")
    BlockedTerm.objects.create(term="gun", message="No weapons, please.", active=True)
    BlockedTerm.objects.create(term="cat", message="never shown", active=False)

    check = check_prompt("A LOGO OF ACME on a shotgun shell, a cat")

    assert [(f.kind, f.advice) for f in check.flags] == [("blocked_term", "Use our own brand, not Acme's.")]


def test_it_asks_the_moderation_endpoint_and_names_what_to_change(emulator):
    check = check_prompt("a knight [flag:violence/graphic] in battle")

    assert check.moderated
    assert [(f.kind, f.title) for f in check.flags] == [("moderation", "Graphic violence")]
    [sent] = [entry for entry in emulator.received() if entry["path"] == "/v1/moderations"]
    assert sent["json"] == {
        "model": "omni-moderation-latest",
        "input": "a knight [flag:violence/graphic] in battle",
    }


def test_the_fault_switch_flags_a_harmless_prompt(emulator, emulator_fault):
    emulator_fault("moderation-flag;category=sexual")

    check = check_prompt("a kite over the sea")

    assert [f.title for f in check.flags] == ["Sexual content"]


def test_a_clean_prompt_has_no_flags(emulator):
    check = check_prompt("a kite over the sea")

    assert check.moderated and check.findings == ()


def test_a_service_failure_is_a_note_not_a_flag(emulator, emulator_fault, settings):
    settings.ATELIER_OPENAI_MAX_RETRIES = 0
    emulator_fault("500;times=5")

    check = check_prompt("a kite over the sea")

    assert check.flags == () and [note.kind for note in check.notes] == ["unavailable"]
    assert "You can still send" in check.notes[0].advice


def test_moderation_can_be_turned_off(emulator, settings):
    settings.ATELIER_PROMPT_MODERATION = False

    check = check_prompt("a knight [flag] in battle")

    assert not check.moderated and check.findings == ()
    assert not emulator.received()
