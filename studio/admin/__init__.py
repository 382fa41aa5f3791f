"""The admin: where the money goes (usage, with totals, a chart and CSV), jobs, images, budgets, and the
API's keys and webhooks; prompt rules, the fallback library and user policies."""

from studio.admin import api, budgets, images, jobs, safety, usage

__all__ = ["api", "budgets", "images", "jobs", "safety", "usage"]
