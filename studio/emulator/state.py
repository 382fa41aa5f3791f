"""What the emulator remembers between requests: stored responses, generated images, and the request log.

Everything is in memory and bounded (least recently used out), like a server that forgets after a while.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True)
class StoredResponse:
    body: dict[str, Any]
    # The image the chain continues from (the last one this response made, or the one it inherited).
    image: GeneratedImage | None
    # Every user text of the chain so far, oldest first: what a follow-up's revised prompt builds on.
    prompts: tuple[str, ...]


class EmulatorState:
    def __init__(self, *, responses: int = 256, images: int = 256, log: int = 500) -> None:
        self.responses: LRU[str, StoredResponse] = LRU(responses)
        self.images: LRU[str, GeneratedImage] = LRU(images)
        self.requests: deque[dict[str, Any]] = deque(maxlen=log)

    def reset(self) -> None:
        self.responses.clear()
        self.images.clear()
        self.requests.clear()


STATE = EmulatorState()
