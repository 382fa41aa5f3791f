"""Who is calling: `Authorization: Bearer atl_...` (an API key, acting as its user), and how often
(requests per minute per key, from `ATELIER_API_RATE_LIMIT`)."""

from __future__ import annotations

import contextvars
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from studio.api.errors import ApiError
from studio.core.api_keys import find_key
from studio.models import ApiKey


class ApiKeyAuth(HttpBearer):
    """The key's row (its `owner` loaded) becomes `request.auth`; unknown and revoked keys get a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = find_key(token.strip())
        if key is None:
            raise ApiError(401, "invalid_api_key", "That API key is not one of Atelier's.")
        if key.is_revoked:
            raise ApiError(401, "invalid_api_key", "That API key was revoked.")
        if not key.owner.is_active:
            raise ApiError(403, "account_disabled", "The account this key belongs to is disabled.")
        return key


_wait = contextvars.ContextVar("rate_limit_wait", default=None)


class PerKeyRateLimit(BaseThrottle):
    """A fixed window per key and minute, counted in Django's cache with an atomic increment.

    The default cache (local memory) counts per process: with several server processes, configure a
    shared cache (Redis, Memcached) so they count together.
    """

    WINDOW = 60

    def allow_request(self, request: HttpRequest) -> bool:
        key = getattr(request, "auth", None)
        if not isinstance(key, ApiKey):
            return True
        now = time.time()
        window = int(now // self.WINDOW)
        name = f"atelier:api-rate:{key.pk}:{window}"
        cache.add(name, 0, timeout=self.WINDOW + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # the window's counter expired between the two calls
            cache.set(name, count := 1, timeout=self.WINDOW + 5)
        if count <= settings.ATELIER_API_RATE_LIMIT:
            return True
        _wait.set((window + 1) * self.WINDOW - now)
        return False

    def wait(self) -> float | None:
        return _wait.get()
