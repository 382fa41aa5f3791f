"""The API's errors: one shape, `{"error": {"code", "message", "param"}}`, with the status that says what
went wrong. Every exception an endpoint can meet is turned into it here."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from studio.core.budgets import BudgetExceeded
from studio.core.requests import InvalidRequest

logger = logging.getLogger(__name__)

# What each status means in this API (also the OpenAPI document's descriptions).
STATUS_MEANINGS = {
    400: "The body could not be read: empty, not JSON, or text with a lone UTF-16 surrogate (or not multipart, "
    "for an upload). Code `invalid_json`.",
    401: "No API key, or one that is unknown or revoked. Codes `missing_api_key`, `invalid_api_key`.",
    403: "The key's user may not do this: over their monthly budget (`budget_exceeded`), or a disabled "
    "account (`account_disabled`).",
    404: "Nothing of yours has that id (another user's ids are not found either). Code `not_found`.",
    409: "The request conflicts with the state of things: an `Idempotency-Key` sent before with another "
    "request (`idempotency_key_reused`), or a job that has already finished (`job_finished`).",
    413: "The body or the file is too large. Codes `request_too_large`, `file_too_large`.",
    422: "The body was read, but a field is missing, of the wrong type or refused; `param` names it. Code "
    "`invalid_request`, with the same messages as Atelier's forms.",
    429: "Too many requests for this key this minute; the `Retry-After` header says when to try again. Code "
    "`rate_limited`.",
}
HTTP_ERROR_CODES = {400: "invalid_json", 401: "missing_api_key", 404: "not_found", 405: "method_not_allowed"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param


def not_found(what: str, pk) -> ApiError:
    return ApiError(404, "not_found", f"No {what} #{pk} of yours.")


@contextmanager
def core_refusals() -> Iterator[None]:
    """The image core's refusals of a job, as API errors: a refused request (422), no budget left (403)."""
    try:
        yield
    except InvalidRequest as exc:
        raise ApiError(422, "invalid_request", exc.message, exc.field or None) from None
    except BudgetExceeded as exc:
        raise ApiError(403, "budget_exceeded", exc.message) from None


def error_response(api: NinjaAPI, request: HttpRequest, exc: ApiError) -> HttpResponse:
    body = {"error": {"code": exc.code, "message": exc.message, "param": exc.param}}
    return api.create_response(request, body, status=exc.status)


def _validation_error(errors: list[dict]) -> ApiError:
    first = errors[0]
    names = [str(part) for part in first.get("loc", ()) if part not in ("body", "payload", "query", "form")]
    param = names[-1] if names else None
    if not names:
        # The body as a whole. ninja does not parse an empty body but validates it as missing: like any body
        # that is not JSON, that is a 400; JSON that is no object (`null`, `[]`) was read, so a 422.
        if first.get("type") == "missing":
            return ApiError(400, "invalid_json", "The request body is empty: send a JSON object.")
        return ApiError(422, "invalid_request", "The request body must be a JSON object.")
    if first.get("type") == "missing":
        message = f"{param} is required."
    elif first.get("type") == "extra_forbidden":
        message = f"{param} is not a field of this request."
    else:
        message = f"{param}: {first.get('msg', 'invalid value')}." if param else first.get("msg", "Invalid.")
    return ApiError(422, "invalid_request", message, param)


def to_api_error(exc: Exception) -> ApiError:
    """The ApiError an exception means (500 `internal_error` for one we did not expect)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        return _validation_error(exc.errors)
    if isinstance(exc, RequestDataTooBig):
        return ApiError(413, "request_too_large", "The request body is too large.")
    if isinstance(exc, TooManyFilesSent | TooManyFieldsSent):
        what = "files" if isinstance(exc, TooManyFilesSent) else "fields"
        return ApiError(
            400,
            "invalid_json",
            f"The upload has too many {what}: send one image in `file`, one upload a request.",
        )
    if isinstance(exc, MultiPartParserError):
        reason = str(exc).rstrip(".")
        return ApiError(
            400,
            "invalid_json",
            f"The upload could not be read ({reason}): send multipart/form-data with the image in `file`.",
        )
    if isinstance(exc, Throttled):
        return ApiError(429, "rate_limited", "Too many requests for this API key; slow down and try again.")
    if isinstance(exc, AuthenticationError):
        return ApiError(
            401, "missing_api_key", "Send your API key as the header `Authorization: Bearer atl_...`."
        )
    if isinstance(exc, HttpError) and isinstance(exc.__cause__, ApiError):
        # ninja raises whatever the parser raised as a 400 of its own, `from` it: our parser's refusal
        # keeps its own words.
        return exc.__cause__
    if isinstance(exc, HttpError) and exc.status_code == 400:
        return ApiError(
            400, "invalid_json", "The body could not be read: send JSON (Content-Type: application/json)."
        )
    if isinstance(exc, HttpError):
        return ApiError(exc.status_code, HTTP_ERROR_CODES.get(exc.status_code, "invalid_request"), str(exc))
    if isinstance(exc, Http404):
        return ApiError(404, "not_found", "Not found.")
    logger.exception("the API failed inside Atelier", exc_info=exc)
    return ApiError(500, "internal_error", "Atelier failed while handling this request. Try again.")


def install(api: NinjaAPI) -> None:
    """Every exception an operation raises (auth, throttling and parsing included) answers in our shape."""

    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, to_api_error(exc))

    # ninja picks the handler of the nearest class: replace its own for its exceptions too.
    for exception_class in (Exception, Http404, HttpError, ValidationError, ApiError):
        api.add_exception_handler(exception_class, handle)


def form_error(form: forms.Form, renamed: dict[str, str] | None = None) -> ApiError:
    """The form's first error as an ApiError: 413 for a file too large, else 422 naming the field."""
    field, errors = next(iter(form.errors.as_data().items()))
    error = errors[0]
    message = " ".join(error.messages)
    param = None if field == "__all__" else (renamed or {}).get(field, field)
    if error.code == "too_large":
        return ApiError(413, "file_too_large", message, param)
    return ApiError(422, "invalid_request", message, param)


def unknown_path(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any path under /api/v1/ that is no endpoint: a 404 in the API's shape (not the site's HTML page)."""
    message = f"No API endpoint at {request.path}."
    return JsonResponse({"error": {"code": "not_found", "message": message, "param": None}}, status=404)
