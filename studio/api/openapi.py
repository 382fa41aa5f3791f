"""What the OpenAPI document says beyond what ninja reads from the code: each error status with its codes,
and the webhook events (OpenAPI 3.1's `webhooks`), with the Standard Webhooks headers that sign them."""

from __future__ import annotations

from studio.api.errors import STATUS_MEANINGS
from studio.api.schemas import ErrorOut
from studio.models.api import WEBHOOK_EVENTS


def errors(*statuses: int) -> dict:
    """The error answers an operation can give, for its `response=` (all of them `ErrorOut`)."""
    return dict.fromkeys(statuses, ErrorOut)


def describe_errors(document: dict) -> dict:
    """Give every error answer in the document the meaning of its status (ninja writes only its phrase)."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if int(status) in STATUS_MEANINGS:
                    answer["description"] = STATUS_MEANINGS[int(status)]
    return document


_HEADER = {"required": True, "schema": {"type": "string"}}
EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "object", "type", "created_at", "data"],
    "properties": {
        "id": {
            "type": "string",
            "description": "`evt_...`: also the `webhook-id` header, the same on every retry.",
        },
        "object": {"const": "event"},
        "type": {"type": "string", "enum": list(WEBHOOK_EVENTS)},
        "created_at": {"type": "integer", "description": "Unix time of the event."},
        "data": {
            "type": "object",
            "required": ["id", "status", "url"],
            "properties": {
                "id": {"type": "integer", "description": "The job's id."},
                "status": {"type": "string", "enum": ["succeeded", "failed", "cancelled"]},
                "url": {"type": "string", "description": "The job in the API: GET it for the details."},
            },
        },
    },
}


def _event(event_type: str) -> dict:
    return {
        "post": {
            "summary": f"{event_type}: a job of yours {event_type.split('.')[1]}",
            "description": "Signed as Standard Webhooks do: `webhook-signature` is `v1,` and the base64 HMAC-SHA256, "
            'with the base64-decoded part of your secret after `whsec_`, of "{webhook-id}.{webhook-timestamp}.{body}". '
            "Answer 2xx within 10 s; anything else is retried with exponential backoff for 24 hours.",
            "parameters": [
                {"name": "webhook-id", "in": "header", **_HEADER},
                {"name": "webhook-timestamp", "in": "header", **_HEADER},
                {"name": "webhook-signature", "in": "header", **_HEADER},
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": EVENT_SCHEMA}}},
            "responses": {"200": {"description": "Received (any 2xx)."}},
        }
    }


WEBHOOKS = {event_type: _event(event_type) for event_type in WEBHOOK_EVENTS}
