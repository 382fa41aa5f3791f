"""Jobs stored before our own request types (the SDK's arguments, turn results on the Turn) are migrated to
them: the same job reads back typed, with its results and errors in their own fields."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studio.core.requests import ImageOptions, ImageRequest, TurnRequest, from_json

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("studio", "0002_image_last_mask"), ("conversations", "0001_initial")]
AFTER = [("studio", "0003_job_request_in_our_words"), ("conversations", "0002_turn_results_on_the_job")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_jobs_and_turns_read_back_in_our_words(django_user_model):
    old = migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="old-timer")
    Job = old.get_model("studio", "GenerationJob")
    studio_job = Job.objects.create(
        owner_id=user.pk,
        kind="image_edit",
        request={
            "params": {
                "prompt": "a kite",
                "model": "gpt-image-2",
                "size": "1536x1024",
                "quality": "high",
                "output_format": "webp",
                "output_compression": 70,
                "moderation": "auto",
                "partial_images": 1,
                "n": 2,
            },
            "input_image_ids": [5],
            "mask_id": 6,
            "paste_back_feather": 8,
            "partial_images_total": 1,
            "error_extra": {"stage": "output", "categories": ["violence"]},
        },
    )
    turn_job = Job.objects.create(
        owner_id=user.pk,
        kind="response",
        request={
            "params": {
                "model": "gpt-5.4",
                "prompt": "make it dusk",
                "previous_response_id": "resp_1",
                "tool": {
                    "model": "gpt-image-2",
                    "size": "auto",
                    "quality": "low",
                    "output_format": "png",
                    "moderation": "auto",
                    "partial_images": 2,
                },
            },
            "input_image_ids": [],
            "mask_id": None,
            "paste_back_feather": None,
            "partial_images_total": 2,
        },
    )
    conversation = old.get_model("conversations", "Conversation").objects.create(owner_id=user.pk)
    old.get_model("conversations", "Turn").objects.create(
        conversation=conversation,
        job=turn_job,
        prompt="make it dusk",
        previous_response_id="resp_1",
        response_id="resp_2",
        image_call_id="ig_2",
        revised_prompt="dusk",
        assistant_text="Here it is.",
    )

    new = migrate(AFTER)
    Job = new.get_model("studio", "GenerationJob")
    edited = Job.objects.get(pk=studio_job.pk)
    assert from_json(edited.request) == ImageRequest(
        prompt="a kite",
        options=ImageOptions(
            size="1536x1024", quality="high", output_format="webp", output_compression=70, partial_images=1
        ),
        n=2,
        input_image_ids=(5,),
        mask_id=6,
        paste_back_feather=8,
    )
    assert (edited.prompt, edited.quality, edited.size) == ("a kite", "high", "1536x1024")
    assert (edited.blocked_stage, edited.blocked_categories) == ("output", ["violence"])
    turned = Job.objects.get(pk=turn_job.pk)
    assert from_json(turned.request) == TurnRequest(
        prompt="make it dusk",
        options=ImageOptions(size="auto", quality="low", partial_images=2),
        mainline_model="gpt-5.4",
        conversation_id=conversation.pk,
        previous_response_id="resp_1",
    )
    assert (turned.response_id, turned.image_call_id, turned.assistant_text) == (
        "resp_2",
        "ig_2",
        "Here it is.",
    )
    assert turned.previous_response_id == "resp_1"
    migrate(new_leaf())


def new_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
