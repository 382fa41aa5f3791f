"""What can go wrong with a job, in our words: a fault of the model service (from `openai_client`), or of the
job's own inputs. Each carries the message a designer can act on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ModelServiceError(Exception):
    """A fault of the model service, with what to tell the user."""

    message: str
    code: str = "service_error"
    request_id: str = ""
    detail: str = ""
    retryable: bool = True
    param: str = ""  # the request field the service refused
    blocked_stage: str = ""  # a moderation block: "input" or "output"
    blocked_categories: list[str] = field(default_factory=list)
    retry_after: float | None = None  # seconds the service asked us to wait (429)

    def __str__(self) -> str:
        return self.message
