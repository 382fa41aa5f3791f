"""The fonts text layers are set in: vendored under static/fonts/ with their licences (see its README.md),
so that the server draws with exactly the files the browser preview loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
WEIGHTS = ("regular", "bold")


@dataclass(frozen=True)
class FontFamily:
    name: str
    category: str  # sans, serif, display or mono
    files: dict[str, str]  # weight -> path under FONT_DIR
    licence: str  # SPDX identifier
    licence_file: str  # path under FONT_DIR


FONTS: dict[str, FontFamily] = {
    "inter": FontFamily(
        "Inter",
        "sans",
        {"regular": "inter/Inter-Regular.otf", "bold": "inter/Inter-Bold.otf"},
        "OFL-1.1",
        "inter/OFL.txt",
    ),
    "noto-serif": FontFamily(
        "Noto Serif",
        "serif",
        {"regular": "noto-serif/NotoSerif-Regular.ttf", "bold": "noto-serif/NotoSerif-Bold.ttf"},
        "OFL-1.1",
        "noto-serif/OFL.txt",
    ),
    "noto-sans-display": FontFamily(
        "Noto Sans Display",
        "display",
        {
            "regular": "noto-sans-display/NotoSansDisplay-Regular.ttf",
            "bold": "noto-sans-display/NotoSansDisplay-Bold.ttf",
        },
        "OFL-1.1",
        "noto-sans-display/OFL.txt",
    ),
    "jetbrains-mono": FontFamily(
        "JetBrains Mono",
        "mono",
        {
            "regular": "jetbrains-mono/JetBrainsMono-Regular.ttf",
            "bold": "jetbrains-mono/JetBrainsMono-Bold.ttf",
        },
        "OFL-1.1",
        "jetbrains-mono/OFL.txt",
    ),
}


def font_path(font: str, weight: str) -> Path:
    """The file of a registered font at a weight; KeyError for one not in FONTS or WEIGHTS."""
    return FONT_DIR / FONTS[font].files[weight]


def load_font(font: str, weight: str, size: int) -> ImageFont.FreeTypeFont:
    """A new font object at `size` pixels per em (a tenth of a millisecond: not cached, so no FreeType
    face is shared between job threads). Pillow's basic layout: no shaping library, so the same text
    measures and draws the same on every machine, with or without libraqm."""
    return ImageFont.truetype(str(font_path(font, weight)), size, layout_engine=ImageFont.Layout.BASIC)
