"""Measuring and wrapping lines of text the way text layers draw them: glyph by glyph, each advancing by
its own width (no kerning) plus the letter spacing between glyphs."""

from __future__ import annotations

from PIL import ImageFont


class Measure:
    """Line widths as drawn: glyph advances (no kerning) plus letter spacing between glyphs."""

    def __init__(self, font: ImageFont.FreeTypeFont, spacing: float) -> None:
        self.font = font
        self.spacing = spacing
        self.advances: dict[str, float] = {}

    def advance(self, character: str) -> float:
        if character not in self.advances:
            self.advances[character] = self.font.getlength(character)
        return self.advances[character]

    def __call__(self, line: str) -> float:
        if not line:
            return 0.0
        return sum(self.advance(c) for c in line) + self.spacing * (len(line) - 1)


def wrap(text: str, measure: Measure, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the box is broken where it stops fitting."""
    lines = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while measure(word) > width:
                fits = _fitting_prefix(word, measure, width)
                lines.append(word[:fits])
                word = word[fits:]
            current = word
        lines.append(current)
    return lines


def _fitting_prefix(word: str, measure: Measure, width: int) -> int:
    """How many leading characters of `word` fit in `width`: at least one, or a narrow box never ends."""
    used = measure.advance(word[0])
    for count in range(1, len(word)):
        used += measure.spacing + measure.advance(word[count])
        if used > width:
            return count
    return len(word)
