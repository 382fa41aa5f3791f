"""OpenAI's error envelope, and the exact bodies the real server sends for the errors we emulate.

Every body is `{"error": {"message", "type", "param", "code", ...extra}}`; messages copy the wording captured from
the real API (see shared/reference/openai-image-protocol.md §5) so that code matching on them keeps working.
"""

from __future__ import annotations

from typing import Any

USER_ERROR = "image_generation_user_error"
REQUEST_ERROR = "invalid_request_error"
SERVER_ERROR = "server_error"


class APIError(Exception):
    """An error answer: raised anywhere in a handler, turned into the envelope by the app."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = REQUEST_ERROR,
        param: str | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.extra = extra or {}
        self.headers = headers or {}

    def error_object(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
            **self.extra,
        }

    def body(self) -> dict[str, Any]:
        return {"error": self.error_object()}


def bad_request(message: str, *, param: str | None, code: str | None, type: str = REQUEST_ERROR) -> APIError:
    return APIError(400, message, type=type, param=param, code=code)


def unknown_parameter(param: str) -> APIError:
    return bad_request(f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")


def missing_parameter(param: str) -> APIError:
    return bad_request(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def invalid_type(param: str, expected: str, got: Any) -> APIError:
    return bad_request(
        f"Invalid type for '{param}': expected {expected}, but got {json_type_name(got)} instead.",
        param=param,
        code="invalid_type",
    )


def invalid_enum(param: str, value: Any, allowed: tuple[str, ...]) -> APIError:
    quoted = [f"'{choice}'" for choice in allowed]
    listing = ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    return bad_request(
        f"Invalid value: '{value}'. Supported values are: {listing}.", param=param, code="invalid_value"
    )


def integer_out_of_range(param: str, value: int, minimum: int, maximum: int) -> APIError:
    if value < minimum:
        return bad_request(
            f"Invalid '{param}': integer below minimum value. Expected a value >= {minimum}, "
            f"but got {value} instead.",
            param=param,
            code="integer_below_min_value",
        )
    return bad_request(
        f"Invalid '{param}': integer above maximum value. Expected a value <= {maximum}, but got {value} instead.",
        param=param,
        code="integer_above_max_value",
    )


def string_too_long(param: str, length: int, maximum: int) -> APIError:
    return bad_request(
        f"Invalid '{param}': string too long. Expected a string with maximum length {maximum}, "
        f"but got a string with length {length} instead.",
        param=param,
        code="string_above_max_length",
    )


def model_not_found(model: str, *, param: str = "model") -> APIError:
    return bad_request(
        f"The model '{model}' does not exist.", param=param, code="invalid_value", type=USER_ERROR
    )


def invalid_size(size: str, reason: str, *, param: str) -> APIError:
    return bad_request(f"Invalid size '{size}'. {reason}", param=param, code="invalid_value", type=USER_ERROR)


def moderation_blocked(stage: str, request_id: str) -> APIError:
    return APIError(
        400,
        "Your request was rejected by the safety system. If you believe this is an error, contact us at "
        f"help.openai.com and include the request ID {request_id}.",
        type=USER_ERROR,
        code="moderation_blocked",
        extra={"moderation_details": {"moderation_stage": stage, "categories": ["other"]}},
    )


def not_found_route(method: str, path: str) -> APIError:
    return APIError(404, f"Invalid URL ({method} {path})")


def unparseable_json() -> APIError:
    return bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
        "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
        "have trouble figuring out how to fix this, please contact us through our help center at "
        "help.openai.com.)",
        param=None,
        code=None,
    )


def missing_api_key() -> APIError:
    return APIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
        "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
        "accessing the API from your browser and are prompted for a username and password. You can obtain an "
        "API key from https://platform.openai.com/account/api-keys.",
    )


def invalid_api_key() -> APIError:
    return APIError(
        401,
        "Incorrect API key provided: sk-emul*****ator. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    )


def json_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"
