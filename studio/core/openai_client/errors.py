"""The SDK's exceptions as our `ModelServiceError`, with a message a designer can act on."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import openai
from django.utils import timezone

from studio.core.errors import ModelServiceError


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers if getattr(exc, "response", None) is not None else {}
    if "retry-after-ms" in headers:
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            return None
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
        except (TypeError, ValueError):
            return None


def _error_fields(exc: openai.APIError) -> dict:
    body = exc.body if isinstance(exc.body, dict) else {}
    return {
        "code": str(getattr(exc, "code", None) or body.get("code") or ""),
        "param": getattr(exc, "param", None) or body.get("param") or "",
        "message": body.get("message") or getattr(exc, "message", "") or str(exc),
        "moderation": body.get("moderation_details") or {},
        "request_id": getattr(exc, "request_id", None) or "",
    }


def translate_error(exc: openai.OpenAIError) -> ModelServiceError:
    """Our exception, with a message a designer can act on, for any SDK exception."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelServiceError(
            "The model took too long to answer and the request timed out. Try again, perhaps at a lower "
            "quality or a smaller size.",
            code="timeout",
        )
    if isinstance(exc, openai.APIConnectionError):
        return ModelServiceError(
            "Could not reach the model service, or the connection dropped before the image was finished. "
            "Try again; if it keeps happening, an admin should check OPENAI_BASE_URL and the network.",
            code="connection_error",
            detail=str(exc),
        )
    if not isinstance(exc, openai.APIError):
        return ModelServiceError(f"The model service client failed: {exc}", code="client_error")
    fields = _error_fields(exc)
    request_id, code, upstream = fields["request_id"], fields["code"], fields["message"]
    if code == "moderation_blocked" or "safety system" in upstream:
        stage = fields["moderation"].get("moderation_stage") or "unknown"
        categories = fields["moderation"].get("categories") or []
        where = {"input": "your prompt", "output": "the generated image"}.get(stage, "the request")
        return ModelServiceError(
            f"The safety system blocked {where}. Rephrase the prompt (describe the scene without the "
            "flagged content) and try again; blocked requests are not charged.",
            code="moderation_blocked",
            request_id=request_id,
            detail=upstream,
            retryable=False,
            blocked_stage=stage,
            blocked_categories=list(categories),
        )
    if isinstance(exc, openai.RateLimitError) or code in ("rate_limit_exceeded", "insufficient_quota"):
        if code == "insufficient_quota":
            text = "The OpenAI account has run out of quota. An admin needs to check its billing."
        else:
            text = "The model service is rate limiting this account. Wait a minute, then retry."
        return ModelServiceError(
            text,
            code=code or "rate_limited",
            request_id=request_id,
            detail=upstream,
            retry_after=_retry_after(exc),
        )
    if isinstance(exc, openai.AuthenticationError):
        return ModelServiceError(
            "The OpenAI API key was refused. An admin needs to check OPENAI_API_KEY.",
            code="authentication_failed",
            request_id=request_id,
            detail=upstream,
            retryable=False,
        )
    if isinstance(exc, openai.PermissionDeniedError):
        if "verified" in upstream:
            return ModelServiceError(
                "This OpenAI organization must be verified before it can use this model. An admin can do "
                "this in the OpenAI platform settings (Organization > General), then retry.",
                code="organization_not_verified",
                request_id=request_id,
                detail=upstream,
                retryable=False,
            )
        return ModelServiceError(
            f"The model service refused access: {upstream}", code="permission_denied", request_id=request_id
        )
    if code == "previous_response_not_found":
        return ModelServiceError(
            # Reached only when there is no image to start a new chain from (it was deleted): say what to do.
            "The model service no longer keeps the earlier turns of this conversation, and the image to go on "
            "from is gone. Branch from a turn whose image is still here, or start a new conversation.",
            code=code,
            request_id=request_id,
            detail=upstream,
            retryable=False,
            param=fields["param"],
        )
    if isinstance(exc, openai.BadRequestError | openai.NotFoundError | openai.UnprocessableEntityError):
        param = f" ({fields['param']})" if fields["param"] else ""
        return ModelServiceError(
            f"The model service rejected the request{param}: {upstream}",
            code=code or "invalid_request",
            request_id=request_id,
            detail=upstream,
            retryable=False,
            param=fields["param"],
        )
    if isinstance(exc, openai.InternalServerError):
        return ModelServiceError(
            "The model service had an internal error and did not finish the image. Try again in a moment.",
            code="server_error",
            request_id=request_id,
            detail=upstream,
        )
    # An `error` event inside a stream: the HTTP status was 200, so the SDK raises a bare APIError.
    return ModelServiceError(
        f"The model service stopped with an error while streaming: {upstream}",
        code=code or "stream_error",
        request_id=request_id,
        detail=upstream,
    )
