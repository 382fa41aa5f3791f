"""Monthly budgets, and the reservations held against them."""

from __future__ import annotations

from django.contrib import admin

from studio.admin.base import ReadOnlyAdmin
from studio.models import Budget, BudgetReservation


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "monthly_usd")
    autocomplete_fields = ("user",)


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyAdmin):
    list_display = ("job", "owner", "amount_usd", "status", "created_at")
    list_filter = ("status", "created_at")
    list_select_related = ("owner", "job")
