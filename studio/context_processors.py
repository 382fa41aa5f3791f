from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from studio.core import budgets


def budget(request: HttpRequest) -> dict:
    """The signed-in user's month of spending, computed only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"budget_summary": SimpleLazyObject(lambda: budgets.month_summary(user))}
