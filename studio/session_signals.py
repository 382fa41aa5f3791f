"""When a session ends, its websockets end too: the receivers that tell `studio.session_sockets`.

Connected in `StudioConfig.ready()`.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save

from studio.session_sockets import end_sockets

logger = logging.getLogger(__name__)
SIGN_IN_FIELDS = {"password", "is_active"}


def _end_sockets(user_id: int, session_key: str | None = None) -> None:
    # The session itself is already over (Django checks it on every request): a channel layer that is down
    # must not turn a logout or a password change into an error page.
    try:
        end_sockets(user_id, session_key=session_key)
    except Exception:
        logger.warning("could not close the websockets of user %s", user_id, exc_info=True)


def close_sockets_of_the_session(sender, request, user, **kwargs) -> None:
    """Logout: Django sends this before it flushes the session, so its key is still known."""
    if user is not None and request is not None and request.session.session_key:
        _end_sockets(user.pk, request.session.session_key)


def remember_what_signs_in(sender, instance, update_fields=None, **kwargs) -> None:
    """Before a user is saved: the password and active flag it had, to see after the save what changed."""
    instance._signed_in_by = None
    if instance.pk is None or (update_fields is not None and not SIGN_IN_FIELDS & set(update_fields)):
        return
    instance._signed_in_by = (
        sender.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


def close_sockets_when_sessions_end(sender, instance, created, **kwargs) -> None:
    """A new password or a user made inactive ends every session of the user (Django checks both on each
    request), so all their sockets close, once the change is committed."""
    before = getattr(instance, "_signed_in_by", None)
    if created or before is None:
        return
    password, was_active = before
    if instance.password != password or (was_active and not instance.is_active):
        user_id = instance.pk
        transaction.on_commit(lambda: _end_sockets(user_id))


def connect() -> None:
    user_model = get_user_model()
    user_logged_out.connect(close_sockets_of_the_session, dispatch_uid="atelier-sockets-logout")
    pre_save.connect(remember_what_signs_in, sender=user_model, dispatch_uid="atelier-sockets-pre-save")
    post_save.connect(
        close_sockets_when_sessions_end, sender=user_model, dispatch_uid="atelier-sockets-post-save"
    )
