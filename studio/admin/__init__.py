"""The admin: where the money goes (usage, with totals, a chart and CSV), jobs, images, budgets, and the
API's keys and webhooks."""

from studio.admin import api, budgets, images, jobs, usage

__all__ = ["api", "budgets", "images", "jobs", "usage"]
