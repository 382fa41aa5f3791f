"""The API's JSON parser: ninja's, refusing up front the text that no row could store."""

from __future__ import annotations

import re

from django.http import HttpRequest
from ninja.parser import Parser

from studio.api.errors import ApiError

# JSON may escape one half of a UTF-16 pair ("\ud800") and Python decodes it, but UTF-8 cannot encode it: the
# database refuses it when the row is written, halfway through the request. json.loads has already joined
# every whole pair into one character, so any code point left in this range is a lone half.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        refuse_lone_surrogates(data)
        return data


def refuse_lone_surrogates(value, field: str | None = None) -> None:
    """Raise a 400 ApiError naming the top-level field (None for a key) if any text in `value` has a lone
    surrogate."""
    if isinstance(value, str):
        if LONE_SURROGATE.search(value):
            where = field or "The body"
            message = (
                f"{where} has a lone UTF-16 surrogate (such as \\ud800 without its pair): send valid Unicode."
            )
            raise ApiError(400, "invalid_json", message, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_lone_surrogates(key, field)
            refuse_lone_surrogates(item, field or key)
    elif isinstance(value, list):
        for item in value:
            refuse_lone_surrogates(item, field)
