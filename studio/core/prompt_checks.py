"""Checks of a prompt before it is paid for: local rules (empty, too long, terms admins blocked) and, when
ATELIER_PROMPT_MODERATION is on, OpenAI's moderation endpoint (free). They advise; they never stop a send:
the model's own moderation decides."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache

from studio.core import openai_client
from studio.core.errors import ModelServiceError
from studio.core.requests import PROMPT_MAX
from studio.models import BlockedTerm

MODERATION_CACHE_SECONDS = 600  # the same words typed again are not sent again for a while

# OpenAI's moderation categories: what each means to a designer, and what to change.
CATEGORY_ADVICE: dict[str, tuple[str, str]] = {
    "harassment": ("Harassment", "Describe the scene without insults or demeaning words about anyone."),
    "harassment/threatening": ("Threats", "Leave out threats; show the tension through setting or mood."),
    "hate": ("Hate", "Remove slurs and words that target a group; describe people neutrally."),
    "hate/threatening": ("Hateful threats", "Remove threats against any group."),
    "illicit": ("Illicit activity", "Leave out instructions or depictions of crimes; suggest, don't show."),
    "illicit/violent": (
        "Weapons or violent crime",
        "Replace weapons and violent crime with props or aftermath.",
    ),
    "self-harm": ("Self-harm", "Leave out self-harm; show emotion through expression, light and colour."),
    "self-harm/intent": ("Self-harm intent", "Remove any intent to self-harm from the prompt."),
    "self-harm/instructions": ("Self-harm instructions", "Remove any how-to about self-harm."),
    "sexual": (
        "Sexual content",
        "Describe clothing and pose explicitly; keep it suitable for all audiences.",
    ),
    "sexual/minors": ("Minors", "Never combine minors with sexual content; remove it entirely."),
    "violence": ("Violence", "Show tension without injury: replace fighting, blood and gore with mood."),
    "violence/graphic": ("Graphic violence", "Remove gore and wounds; imply events instead of showing them."),
}


@dataclass(frozen=True)
class Finding:
    """One thing the check found: `kind` is empty, too_long, blocked_term, moderation or unavailable
    (the moderation endpoint could not be asked: a note, not a flag)."""

    kind: str
    title: str
    advice: str

    @property
    def is_flag(self) -> bool:
        return self.kind != "unavailable"


@dataclass(frozen=True)
class PromptCheck:
    prompt: str
    findings: tuple[Finding, ...] = ()
    moderated: bool = False  # the moderation endpoint was asked and answered

    @property
    def flags(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.is_flag)

    @property
    def notes(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if not finding.is_flag)


def moderation_enabled() -> bool:
    return bool(getattr(settings, "ATELIER_PROMPT_MODERATION", True))


def check_prompt(prompt: str, *, moderate: bool | None = None) -> PromptCheck:
    """Every check of `prompt`; `moderate` overrides the setting. Never raises for the service's errors."""
    local = local_findings(prompt)
    if any(finding.kind in ("empty", "too_long") for finding in local):
        return PromptCheck(prompt, tuple(local))  # nothing worth sending to the moderation endpoint
    if not (moderation_enabled() if moderate is None else moderate):
        return PromptCheck(prompt, tuple(local))
    try:
        categories = moderated_categories(prompt)
    except ModelServiceError as exc:
        note = Finding("unavailable", "Moderation check unavailable", f"{exc.message} You can still send.")
        return PromptCheck(prompt, (*local, note))
    found = [moderation_finding(category) for category in categories]
    return PromptCheck(prompt, (*local, *found), moderated=True)


def local_findings(prompt: str) -> list[Finding]:
    if not prompt.strip():
        return [Finding("empty", "Empty prompt", "Write what the image should show.")]
    if len(prompt) > PROMPT_MAX:
        return [
            Finding(
                "too_long",
                "Too long",
                f"Prompts can be at most {PROMPT_MAX:,} characters; this one has {len(prompt):,}. "
                "Cut it down to the essentials.",
            )
        ]
    return [Finding("blocked_term", f"“{term.term}”", term.message) for term in blocked_terms_in(prompt)]


def blocked_terms_in(prompt: str) -> list[BlockedTerm]:
    """The active blocked terms the prompt holds, as whole words, in any case."""
    return [
        term
        for term in BlockedTerm.objects.filter(active=True)
        if re.search(rf"(?<!\w){re.escape(term.term)}(?!\w)", prompt, flags=re.IGNORECASE)
    ]


def moderated_categories(prompt: str) -> tuple[str, ...]:
    """The categories OpenAI's moderation flags in `prompt` (cached a while per prompt)."""
    key = "prompt-moderation:" + hashlib.sha256(prompt.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return tuple(cached)
    result = async_to_sync(openai_client.moderate)(prompt)
    categories = result.categories if result.flagged else ()
    cache.set(key, list(categories), MODERATION_CACHE_SECONDS)
    return categories


def moderation_finding(category: str) -> Finding:
    title, advice = CATEGORY_ADVICE.get(
        category, (category.replace("/", ": ").capitalize(), "Describe the scene without this content.")
    )
    return Finding("moderation", title, advice)
