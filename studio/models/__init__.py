"""Studio's models: the jobs sent to the model service, the images they made, and what they cost; the API's
keys, idempotency records and webhooks."""

from studio.models.api import ApiKey, IdempotencyRecord, WebhookDelivery, WebhookEndpoint
from studio.models.budgets import Budget, BudgetReservation
from studio.models.images import ImageAsset
from studio.models.jobs import GenerationJob
from studio.models.safety import BlockedTerm, FallbackImage, ImageTextCheck, Rephrasing, UserPolicy
from studio.models.usage import UsageRecord

__all__ = [
    "ApiKey",
    "BlockedTerm",
    "Budget",
    "BudgetReservation",
    "FallbackImage",
    "GenerationJob",
    "IdempotencyRecord",
    "ImageAsset",
    "ImageTextCheck",
    "Rephrasing",
    "UsageRecord",
    "UserPolicy",
    "WebhookDelivery",
    "WebhookEndpoint",
]
