"""`manage.py openai_check`: with no key it says so and stops; with one it runs the cheapest real calls through
the app's own client code (here against the emulator, which stands in for OpenAI) and prints their cost."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def run(**settings_overrides) -> str:
    out = StringIO()
    call_command("openai_check", stdout=out)
    return out.getvalue()


def test_without_a_key_it_says_so_and_calls_nothing(emulator, settings):
    settings.OPENAI_API_KEY = ""
    assert "No OPENAI_API_KEY is set" in run()
    assert emulator.received() == []


def test_with_a_key_it_runs_a_generation_a_two_turn_chain_and_an_expected_refusal(emulator, settings):
    settings.OPENAI_API_KEY = "sk-test-check"
    output = run()
    calls = [(r["path"], r.get("json") or {}) for r in emulator.received()]
    assert [path for path, _ in calls] == [
        "/v1/images/generations",
        "/v1/responses",
        "/v1/responses",
        "/v1/images/generations",
    ]
    first_turn, second_turn = calls[1][1], calls[2][1]
    assert second_turn["previous_response_id"].startswith("resp_")
    assert f"response {second_turn['previous_response_id']}" in output
    assert "partial image 0" in output
    assert "usage gpt-image-2" in output and "usage gpt-5.4" in output
    assert "refused: invalid_value (param model)" in output
    assert "These calls cost $0." in output
    assert first_turn["stream"] is True
