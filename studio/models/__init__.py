"""Studio's models: the jobs sent to the model service, the images they made, and what they cost."""

from studio.models.budgets import Budget, BudgetReservation
from studio.models.images import ImageAsset
from studio.models.jobs import GenerationJob
from studio.models.usage import UsageRecord

__all__ = ["Budget", "BudgetReservation", "GenerationJob", "ImageAsset", "UsageRecord"]
