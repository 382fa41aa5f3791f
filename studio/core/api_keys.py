"""API keys: made once and shown once, kept as a SHA-256, looked up by it, revoked by a date."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from studio.models import ApiKey

PREFIX = "atl_"
SHOWN_PREFIX_LENGTH = len(PREFIX) + 8
# A key's last use is written at most this often: a busy script should not make every request a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(owner, name: str = "") -> tuple[ApiKey, str]:
    """A new key for `owner`: the row, and the key itself (never stored; show it once)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(owner=owner, name=name, prefix=raw[:SHOWN_PREFIX_LENGTH], hash=hash_key(raw))
    return key, raw


def find_key(raw: str) -> ApiKey | None:
    """The key `raw` is, revoked or not (None for no key at all). Notes its use."""
    if not raw.startswith(PREFIX):
        return None
    key = ApiKey.objects.select_related("owner").filter(hash=hash_key(raw)).first()
    if key is not None and not key.is_revoked:
        _note_use(key)
    return key


def _note_use(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        key.last_used_at = now
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def revoke(key: ApiKey) -> None:
    """From now on the key is refused (401). Revoking twice keeps the first date."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])
