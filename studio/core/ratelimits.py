"""Upstream rate limits per model: requests and images per minute (from settings), tightened by what the
service says (`x-ratelimit-remaining-*`, `x-ratelimit-reset-*`, `retry-after`). The worker asks `admits()`
before it claims a job; jobs it does not admit wait in the queue, in their turn."""

from __future__ import annotations

import re
import threading
import time
from collections import deque

WINDOW = 60.0
DEFAULT_LIMITS = {"rpm": 250, "ipm": 250}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def parse_duration(value: str) -> float | None:
    """OpenAI's reset durations ("1s", "6m0s", "12ms", "1h2m3.5s") in seconds; None if unreadable."""
    match = _DURATION.match(value.strip()) if value else None
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds, millis = (float(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


class RateLimits:
    """Thread-safe: the worker's loop asks and counts; its database threads report headers."""

    def __init__(self, config: dict[str, dict[str, int]] | None = None, clock=time.monotonic) -> None:
        self.config = config or {}
        self.clock = clock
        self._lock = threading.Lock()
        self._requests: dict[str, deque[float]] = {}
        self._images: dict[str, deque[tuple[float, int]]] = {}
        self._paused_until: dict[str, float] = {}

    def limits_for(self, model: str) -> dict[str, int]:
        return {**DEFAULT_LIMITS, **self.config.get("*", {}), **self.config.get(model, {})}

    def _prune(self, model: str, now: float) -> None:
        requests = self._requests.setdefault(model, deque())
        while requests and now - requests[0] >= WINDOW:
            requests.popleft()
        images = self._images.setdefault(model, deque())
        while images and now - images[0][0] >= WINDOW:
            images.popleft()

    def _in_window(self, model: str, now: float) -> tuple[int, int, dict[str, int]] | None:
        """The model's requests in the window, its images in flight and its limits; None while it is paused.
        Called under the lock."""
        if self._paused_until.get(model, 0) > now:
            return None
        self._prune(model, now)
        in_flight_images = sum(count for _, count in self._images[model])
        return len(self._requests[model]), in_flight_images, self.limits_for(model)

    def admits(self, model: str, *, images: int = 1) -> bool:
        now = self.clock()
        with self._lock:
            window = self._in_window(model, now)
            if window is None:
                return False
            requests, in_flight_images, limits = window
            if requests >= limits["rpm"]:
                return False
            # A job larger than the whole budget still runs, alone, rather than never.
            return in_flight_images == 0 or in_flight_images + images <= limits["ipm"]

    def admits_all(self, wanted: dict[str, tuple[int, int]]) -> bool:
        """Whether jobs needing these (requests, images) per model would all be admitted now, one after
        another; nothing is counted."""
        now = self.clock()
        with self._lock:
            for model, (requests, images) in wanted.items():
                window = self._in_window(model, now)
                if window is None:
                    return False
                sent, in_flight_images, limits = window
                if sent + requests > limits["rpm"] or in_flight_images + images > limits["ipm"]:
                    return False
        return True

    def started(self, model: str, *, images: int = 1) -> None:
        now = self.clock()
        with self._lock:
            self._prune(model, now)
            self._requests[model].append(now)
            self._images[model].append((now, images))

    def pause(self, model: str, seconds: float) -> None:
        with self._lock:
            until = self.clock() + max(0.0, seconds)
            self._paused_until[model] = max(self._paused_until.get(model, 0), until)

    def observe(self, model: str, headers: dict[str, str]) -> None:
        """What the service said: nothing left until a reset, or a `retry-after`."""
        if "retry-after" in headers:
            seconds = parse_duration(headers["retry-after"]) or _float(headers["retry-after"])
            if seconds:
                self.pause(model, seconds)
        for kind in ("requests", "tokens"):
            if headers.get(f"remaining-{kind}") == "0":
                self.pause(model, parse_duration(headers.get(f"reset-{kind}", "")) or 1.0)

    def wait_seconds(self, model: str) -> float:
        """How long until `model` takes another job, for the page's estimate (0 when it would now)."""
        now = self.clock()
        with self._lock:
            paused = self._paused_until.get(model, 0) - now
            self._prune(model, now)
            requests = self._requests[model]
            full = len(requests) >= self.limits_for(model)["rpm"]
            window = WINDOW - (now - requests[0]) if full and requests else 0
        return max(0.0, paused, window)


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None
