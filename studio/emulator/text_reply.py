"""The mainline model's answer to a text-only Responses call (no image tool).

The emulator plays one text task, the one Atelier asks for: instructions that ask to rewrite (or rephrase) a
prompt get the prompt back with the emulator's markers taken out and graphic words softened, in the same
words otherwise. Any other text-only call gets the old answer, that images need the image tool.
"""

from __future__ import annotations

import re

NO_TOOL_ANSWER = "I can only make images when the image_generation tool is enabled."
REWRITE_ASKED = re.compile(r"\b(rewrite|rephrase)\b", re.IGNORECASE)
MARKER = re.compile(r"\[(?:flag|block)(?::[a-z/-]+)?\]")
SOFTER = {
    "blood": "red paint",
    "bloody": "dramatic",
    "gore": "drama",
    "gory": "dramatic",
    "gun": "prop",
    "guns": "props",
    "weapon": "prop",
    "weapons": "props",
    "knife": "tool",
    "kill": "defeat",
    "killing": "defeating",
    "dead": "sleeping",
    "corpse": "statue",
    "violent": "dramatic",
    "violence": "drama",
    "battle": "contest",
    "war": "historic",
    "explosion": "burst of colour",
    "naked": "clothed",
    "nude": "clothed",
}


def reply_text(instructions: str, text: str) -> str:
    if not REWRITE_ASKED.search(instructions or ""):
        return NO_TOOL_ANSWER
    return rewritten(text)


def rewritten(prompt: str) -> str:
    """The prompt without markers, its graphic words softened, and a note to keep it non-graphic."""
    cleaned = MARKER.sub(" ", prompt)

    def soften(match: re.Match) -> str:
        word = match[0]
        softer = SOFTER[word.lower()]
        return softer.capitalize() if word[0].isupper() else softer

    pattern = r"\b(" + "|".join(SOFTER) + r")\b"
    cleaned = re.sub(pattern, soften, cleaned, flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.split()).strip(" .,;") or "A calm, friendly scene"
    return f"{cleaned}, shown in a calm, non-graphic way suitable for all audiences."
