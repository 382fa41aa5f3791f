"""The admin: where the money goes (usage, with totals, a chart and CSV), jobs, images and budgets."""

from studio.admin import budgets, images, jobs, usage

__all__ = ["budgets", "images", "jobs", "usage"]
