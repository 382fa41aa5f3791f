"""POST /v1/moderations through the SDK's `client.moderations.create`: OpenAI's shapes, unflagged by default,
flagged by the `moderation-flag` fault or a `[flag]` marker."""

from __future__ import annotations

import openai
import pytest

from .conftest import data_url, png_bytes

CATEGORIES = {
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
}


def by_alias(model) -> dict:
    return model.model_dump(by_alias=True)


def test_it_answers_an_unflagged_result_in_openais_shape(client):
    moderation = client.moderations.create(input="A poster for a jazz night")

    assert moderation.id.startswith("modr-")
    assert moderation.model == "omni-moderation-latest"
    [result] = moderation.results
    assert result.flagged is False
    assert set(by_alias(result.categories)) == CATEGORIES
    assert not any(by_alias(result.categories).values())
    assert all(0 <= score < 0.01 for score in by_alias(result.category_scores).values())
    assert all(kinds == ["text"] for kinds in by_alias(result.category_applied_input_types).values())


def test_it_answers_one_result_per_string_of_an_array(client):
    moderation = client.moderations.create(
        input=["A kite", "A lighthouse", "A cat"], model="omni-moderation-2024-09-26"
    )

    assert len(moderation.results) == 3
    assert moderation.model == "omni-moderation-2024-09-26"


def test_it_reads_text_and_images_as_one_input(client):
    moderation = client.moderations.create(
        input=[
            {"type": "text", "text": "Is this fine?"},
            {"type": "image_url", "image_url": {"url": data_url(png_bytes((64, 64)))}},
        ]
    )

    [result] = moderation.results
    applied = by_alias(result.category_applied_input_types)
    assert applied["violence"] == ["text", "image"]
    assert applied["hate"] == ["text"]


def test_the_fault_flags_every_result(client):
    moderation = client.moderations.create(
        input=["A kite", "A cat"], extra_headers={"X-Emulator-Fault": "moderation-flag"}
    )

    assert all(result.flagged for result in moderation.results)
    assert all(result.categories.violence for result in moderation.results)
    assert all(result.category_scores.violence > 0.9 for result in moderation.results)


def test_the_fault_flags_the_category_asked_for(client):
    moderation = client.moderations.create(
        input="A kite", extra_headers={"X-Emulator-Fault": "moderation-flag;category=self-harm/intent"}
    )

    categories = by_alias(moderation.results[0].categories)
    assert [name for name, flagged in categories.items() if flagged] == ["self-harm/intent"]


def test_a_marker_flags_only_the_input_that_holds_it(client):
    moderation = client.moderations.create(
        input=["A kite", "A knight [flag:violence/graphic] in battle", "[flag]"]
    )

    assert [result.flagged for result in moderation.results] == [False, True, True]
    assert moderation.results[1].categories.violence_graphic is True
    assert moderation.results[2].categories.violence is True


def test_the_same_input_gets_the_same_scores(client):
    first = client.moderations.create(input="A kite")
    second = client.moderations.create(input="A kite")

    assert first.results[0].category_scores == second.results[0].category_scores
    assert first.id != second.id


@pytest.mark.parametrize(
    "params, code, param",
    [
        ({"input": "x", "model": "moderation-9"}, "model_not_found", "model"),
        (
            {"input": "x", "model": "omni-moderation-latest", "extra_body": {"threshold": 1}},
            "unknown_parameter",
            "threshold",
        ),
        (
            {
                "input": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
                "model": "text-moderation-latest",
            },
            "invalid_value",
            "input[0].type",
        ),
    ],
    ids=["an unknown model", "an unknown parameter", "an image for a text model"],
)
def test_it_rejects_what_openai_rejects(client, params, code, param):
    with pytest.raises(openai.BadRequestError) as caught:
        client.moderations.create(**params)

    assert (caught.value.code, caught.value.param) == (code, param)


def test_it_rejects_an_unknown_category_to_flag(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.moderations.create(
            input="A kite", extra_headers={"X-Emulator-Fault": "moderation-flag;category=rudeness"}
        )

    assert caught.value.code == "unknown_emulator_fault"


def test_it_rejects_a_text_part_without_its_text(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.moderations.create(input=[{"type": "text"}])  # type: ignore[list-item]

    assert (caught.value.code, caught.value.param) == ("missing_required_parameter", "input[0].text")


def test_a_block_marker_is_flagged_too(client):
    moderation = client.moderations.create(input="a poster [block]")

    assert moderation.results[0].flagged is True
