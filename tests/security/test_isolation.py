"""charlie tries every route that takes an object's id with alice's ids: every one answers 404.

The table below names the kind of object each route's <int:pk> is; a route added without an entry fails
`test_every_route_with_an_id_is_in_the_table`, so none is forgotten.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conversations.models import Conversation, Turn
from studio.core.api_keys import create_api_key
from studio.models import ApiKey, FallbackImage, GenerationJob, ImageAsset, WebhookEndpoint
from tests.support.factories import make_conversation, send_turn

pytestmark = pytest.mark.django_db

# route name -> (the kind of object its pk is, the method that reaches the view)
ROUTES = {
    "studio_job": ("studio_job", "get"),
    "studio_finalize": ("studio_job", "post"),
    "studio_finalize_estimate": ("studio_job", "get"),
    "image_finalize": ("image", "post"),
    "image_finalize_estimate": ("image", "get"),
    "studio_stop": ("studio_job", "post"),
    "studio_retry": ("studio_job", "post"),
    "image_favourite": ("image", "post"),
    "image_delete": ("image", "post"),
    "image_editor": ("image", "get"),
    "image_cutout": ("image", "get"),
    "image_cutout_preview": ("image", "post"),
    "image_cutout_save": ("image", "post"),
    "image_text": ("image", "get"),
    "image_text_preview": ("image", "post"),
    "image_text_room": ("image", "post"),
    "image_text_export": ("image", "post"),
    "image_text_check": ("image", "get"),
    "fallbacks": ("blocked_job", "get"),
    "fallback_rephrase": ("blocked_job", "post"),
    "fallback_send": ("blocked_job", "post"),
    "fallback_retry_low": ("blocked_job", "post"),
    "fallback_gallery": ("blocked_job+image", "post"),
    "fallback_library": ("blocked_job+library_image", "post"),
    "conversations:fallback_send": ("blocked_turn_job", "post"),
    "conversations:fallback_retry_low": ("blocked_turn_job", "post"),
    "image": ("image", "get"),
    "image_thumbnail": ("image", "get"),
    "image_download": ("image", "get"),
    "conversations:detail": ("conversation", "get"),
    "conversations:add_turn": ("conversation", "post"),
    "conversations:rename": ("conversation", "post"),
    "conversations:delete": ("conversation", "post"),
    "conversations:turn": ("turn", "get"),
    "conversations:stop": ("turn", "post"),
    "conversations:retry": ("turn", "post"),
    "conversations:send_now": ("turn", "post"),
    "conversations:keep_draft": ("turn", "post"),
    "conversations:discard_draft": ("turn", "post"),
    "conversations:edit_image": ("turn+turn_image", "post"),
    "api_key_revoke": ("api_key", "post"),
    "api_webhook_delete": ("webhook", "post"),
}


# Routes whose id is of something every signed-in user may see: approved stock of the fallback library.
SHARED = {"fallback_image"}


def ids(things: dict[str, int], kind: str) -> list[int]:
    """The route's arguments: one id, or several joined by "+"."""
    return [things[part] for part in kind.split("+")]


def routes_with_an_id() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str = "", prefix: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and "<int:" in prefix + str(pattern.pattern):
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    return names


@pytest.fixture
def alices_things(alice, alice_client, emulator, django_capture_on_commit_callbacks) -> dict[str, int]:
    turn = send_turn(make_conversation(alice), "alice's lighthouse", django_capture_on_commit_callbacks)
    blocked_turn = send_turn(
        make_conversation(alice), "alice's [block] tower", django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            "/studio/submit",
            {
                "prompt": "alice's poster",
                "quality": "low",
                "size": "1024x1024",
                "model": "gpt-image-2",
                "output_format": "png",
                "moderation": "auto",
                "partial_images": "0",
                "n": "1",
            },
        )
        # The emulator blocks a prompt with the [block] marker, as moderation would.
        alice_client.post(
            "/studio/submit",
            {
                "prompt": "alice's banned poster [block]",
                "quality": "low",
                "size": "1024x1024",
                "model": "gpt-image-2",
                "output_format": "png",
                "moderation": "auto",
                "partial_images": "0",
                "n": "1",
            },
        )
    generations = GenerationJob.objects.filter(owner=alice, kind=GenerationJob.Kind.IMAGE_GENERATE)
    studio_job = generations.get(status=GenerationJob.Status.SUCCEEDED)
    blocked_job = generations.get(error_code="moderation_blocked")
    return {
        "conversation": turn.conversation_id,
        "turn": turn.pk,
        "image": ImageAsset.objects.filter(owner=alice, kind=ImageAsset.Kind.FINAL).first().pk,
        "studio_job": studio_job.pk,
        "blocked_job": blocked_job.pk,
        "blocked_turn_job": blocked_turn.job_id,
        "library_image": FallbackImage.objects.create(title="Lighthouse", tags="sea", approved=True).pk,
        "turn_image": turn.job.images.get(kind=ImageAsset.Kind.FINAL).pk,
        "api_key": create_api_key(alice, "alice's script")[0].pk,
        "webhook": WebhookEndpoint.objects.create(
            owner=alice, url="https://hooks.example.com/alice", events=["job.succeeded"], secret="whsec_x"
        ).pk,
    }


def test_every_route_with_an_id_is_in_the_table():
    assert routes_with_an_id() == set(ROUTES) | SHARED


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_another_user_gets_404_with_alices_ids(client, charlie, alices_things, name):
    kind, method = ROUTES[name]
    client.force_login(charlie)
    response = getattr(client, method)(reverse(name, args=ids(alices_things, kind)))
    assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(name for name, (_, method) in ROUTES.items() if method == "get"))
def test_the_owner_reaches_the_same_urls(alice_client, alices_things, name):
    kind, _ = ROUTES[name]
    assert alice_client.get(reverse(name, args=ids(alices_things, kind))).status_code == 200


def test_nothing_of_alices_changed_after_charlies_attempts(client, charlie, alices_things):
    client.force_login(charlie)
    for name, (kind, method) in ROUTES.items():
        if method == "post":
            client.post(
                reverse(name, args=ids(alices_things, kind)), {"title": "charlie was here", "prompt": "x"}
            )
    assert (
        Conversation.objects.filter(pk=alices_things["conversation"])
        .exclude(title="charlie was here")
        .exists()
    )
    assert ImageAsset.objects.filter(pk=alices_things["image"], favourite=False).exists()
    assert Turn.objects.filter(conversation_id=alices_things["conversation"]).count() == 1
    blocked_turn = Turn.objects.get(job_id=alices_things["blocked_turn_job"])
    assert Turn.objects.filter(conversation_id=blocked_turn.conversation_id).count() == 1
    assert GenerationJob.objects.filter(draft_of_id=alices_things["studio_job"]).count() == 0
    assert ApiKey.objects.filter(pk=alices_things["api_key"], revoked_at__isnull=True).exists()
    assert WebhookEndpoint.objects.filter(pk=alices_things["webhook"]).exists()
