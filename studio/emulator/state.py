"""What the emulator remembers between requests: stored responses, generated images, and the request log.

Everything is in memory and bounded (least recently used out), like a server that forgets after a while.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from . import config


class LRU[K, V]:
    """A bounded mapping that forgets the least recently used entry first. Thread-safe."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class GeneratedImage:
    """An image_generation_call's result, kept so later turns can build on it."""

    call_id: str
    data: bytes
    output_format: str
    width: int
    height: int
    prompt: str
    revised_prompt: str
    made_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class StoredResponse:
    body: dict[str, Any]
    # The image the chain continues from (the last one this response made, or the one it inherited).
    image: GeneratedImage | None
    # Every user text of the chain so far, oldest first: what a follow-up's revised prompt builds on.
    prompts: tuple[str, ...]
    # What a follow-up's mainline model reads again of this chain: this turn's input, its visible output and
    # the image it made, in tokens.
    context_tokens: int = 0
    # This turn's input tokens: the prefix a follow-up finds in the prompt cache.
    input_tokens: int = 0
    stored_at: float = field(default_factory=time.time)


def expired(stamp: float) -> bool:
    return time.time() - stamp > config.response_ttl()


class EmulatorState:
    def __init__(self, *, responses: int = 256, images: int = 256, log: int = 500) -> None:
        self.responses: LRU[str, StoredResponse] = LRU(responses)
        self.images: LRU[str, GeneratedImage] = LRU(images)
        self.requests: deque[dict[str, Any]] = deque(maxlen=log)
        # Background responses at work; held here so that the event loop does not lose them.
        self.tasks: set[asyncio.Future] = set()

    def live_response(self, response_id: str) -> StoredResponse | None:
        """The stored response, unless it was never stored, was forgotten or has expired."""
        stored = self.responses.get(response_id)
        return None if stored is None or expired(stored.stored_at) else stored

    def live_image(self, call_id: str) -> GeneratedImage | None:
        image = self.images.get(call_id)
        return None if image is None or expired(image.made_at) else image

    def reset(self) -> None:
        self.responses.clear()
        self.images.clear()
        self.requests.clear()


STATE = EmulatorState()
