"""Text layers drawn on images, checked pixel by pixel: black text on white, ink boxes against layer boxes."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.core.fonts import FONT_DIR, FONTS, WEIGHTS, font_path, load_font
from studio.core.text_layers import (
    Outline,
    Shadow,
    TextLayer,
    TextLayerError,
    layout,
    leave_room_for_text_prompt,
    render_layers,
)

WIDTH, HEIGHT = 640, 400


def blank(colour=(255, 255, 255), mode="RGB", fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (WIDTH, HEIGHT), colour).save(out, fmt)
    return out.getvalue()


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def ink_box(data: bytes, threshold: int = 128) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the dark pixels, right and bottom exclusive."""
    dark = pixels(data).min(axis=2) < threshold
    ys, xs = np.nonzero(dark)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def draw(layer: TextLayer, **options) -> bytes:
    return render_layers(blank(), [layer], **options)


def bearing(layer: TextLayer, character: str) -> tuple[int, int]:
    """The glyph's ink left and right edges relative to its pen position, drawn alone."""
    probe = Image.new("L", (4 * layer.size, 4 * layer.size), 0)
    font = load_font(layer.font, layer.weight, layer.size)
    ImageDraw.Draw(probe).text((layer.size, 2 * layer.size), character, font=font, fill=255, anchor="ls")
    left, _, right, _ = probe.getbbox()
    return left - layer.size, right - layer.size


def test_it_draws_left_aligned_text_from_the_left_edge_of_its_box():
    layer = TextLayer("Heading", x=50, y=40, width=500, height=120, size=48)
    left, top, right, bottom = ink_box(draw(layer))
    assert abs(left - (50 + bearing(layer, "H")[0])) <= 1
    assert left - 50 <= 0.1 * layer.size
    assert top >= 40 and bottom <= 40 + 120 and right <= 50 + 500


def test_it_puts_the_baseline_where_the_line_box_says():
    layer = TextLayer("HHH", x=50, y=40, width=500, height=200, size=60, line_spacing=1.5)
    ascent, descent = load_font("inter", "regular", 60).getmetrics()
    baseline = 40 + (1.5 * 60 - (ascent + descent)) / 2 + ascent
    _, _, _, bottom = ink_box(draw(layer))
    assert abs(bottom - baseline) <= 1


def test_it_centres_text_in_its_box():
    layer = TextLayer("HOH", x=100, y=40, width=400, height=100, size=64, align="center")
    left, _, right, _ = ink_box(draw(layer))
    assert abs((left + right) / 2 - 300) <= 2


def test_it_aligns_text_to_the_right_edge_of_its_box():
    layer = TextLayer("right", x=100, y=40, width=400, height=100, size=48, align="right")
    _, _, right, _ = ink_box(draw(layer))
    advance = load_font("inter", "regular", 48).getlength("t")
    assert abs(right - (500 - advance + bearing(layer, "t")[1])) <= 1


@pytest.mark.parametrize(
    ("valign", "expected_top"), [("top", 40), ("middle", 40 + (300 - 60) / 2), ("bottom", 340 - 60)]
)
def test_it_sets_the_lines_at_the_top_middle_or_bottom_of_the_box(valign, expected_top):
    layer = TextLayer("One line", x=20, y=40, width=600, height=300, size=50, line_spacing=1.2, valign=valign)
    (line,) = layout(layer)
    assert line.y == pytest.approx(expected_top)


def test_it_draws_exactly_the_string_it_is_given():
    one = TextLayer("I", x=50, y=40, width=500, height=100, size=80, font="jetbrains-mono")
    three = TextLayer("III", x=50, y=40, width=500, height=100, size=80, font="jetbrains-mono")
    advance = load_font("jetbrains-mono", "regular", 80).getlength("I")
    left_one, _, right_one, _ = ink_box(draw(one))
    left_three, _, right_three, _ = ink_box(draw(three))
    assert left_one == left_three
    assert abs((right_three - right_one) - 2 * advance) <= 1
    # Three separate strokes, no more: count the dark runs along the middle row.
    row = pixels(draw(three))[80, :, 0] < 128
    assert np.count_nonzero(row[1:] & ~row[:-1]) == 3


def test_it_wraps_at_spaces_within_the_box_width():
    layer = TextLayer("the quick brown fox jumps over the lazy dog", x=0, y=0, width=200, height=400, size=30)
    lines = [line.text for line in layout(layer)]
    assert " ".join(lines) == layer.text
    assert len(lines) > 1
    font = load_font("inter", "regular", 30)
    for line, following in zip(lines, lines[1:], strict=False):
        assert font.getlength(line) <= 200
        # Greedy: the next word would not have fitted.
        assert font.getlength(f"{line} {following.split()[0]}") > 200


def test_it_breaks_a_word_longer_than_the_box():
    layer = TextLayer("Supercalifragilistic", x=0, y=0, width=120, height=400, size=40)
    lines = [line.text for line in layout(layer)]
    assert "".join(lines) == "Supercalifragilistic"
    assert len(lines) >= 3
    font = load_font("inter", "regular", 40)
    assert all(font.getlength(line) <= 120 for line in lines)


def test_newlines_start_lines_and_runs_of_spaces_collapse():
    layer = TextLayer(
        "Top   line\n\nafter a gap", x=0, y=10, width=600, height=300, size=20, line_spacing=1.5
    )
    placed = layout(layer)
    assert [line.text for line in placed] == ["Top line", "", "after a gap"]
    assert [line.y for line in placed] == [10, 40, 70]


def test_letter_spacing_widens_the_ink_box():
    tight = TextLayer("SPACED", x=20, y=40, width=600, height=100, size=40)
    wide = TextLayer("SPACED", x=20, y=40, width=600, height=100, size=40, letter_spacing=0.25)
    tight_box, wide_box = ink_box(draw(tight)), ink_box(draw(wide))
    assert tight_box[0] == wide_box[0]
    assert abs((wide_box[2] - tight_box[2]) - 0.25 * 40 * 5) <= 1


def test_an_outline_paints_around_the_glyphs():
    plain = pixels(draw(TextLayer("O", x=100, y=40, width=300, height=200, size=120, colour="#ffffff")))
    outlined = pixels(
        draw(
            TextLayer(
                "O",
                x=100,
                y=40,
                width=300,
                height=200,
                size=120,
                colour="#ffffff",
                outline=Outline(4, "#ff0000"),
            )
        )
    )
    assert (plain == 255).all()  # white on white: nothing to see without the outline
    red = (outlined[..., 0] > 200) & (outlined[..., 1] < 60)
    assert red.sum() > 500
    reds = np.nonzero(red.any(axis=0))[0]
    assert reds.min() >= 100 - 4


def test_a_shadow_darkens_pixels_beside_the_glyphs():
    layer = TextLayer("I", x=100, y=40, width=300, height=200, size=120, colour="#ffffff")
    shadowed = pixels(
        draw(TextLayer(**{**layer.to_dict(), "shadow": Shadow(dx=12, dy=0, blur=0, colour="#000000")}))
    )
    assert (pixels(draw(layer)) == 255).all()
    left, top, right, bottom = ink_box(draw(TextLayer(**{**layer.to_dict(), "colour": "#000000"})))
    shadow_box = ink_box_of(shadowed)
    assert shadow_box[0] == left + 12 and shadow_box[2] == right + 12
    assert (shadow_box[1], shadow_box[3]) == (top, bottom)


def ink_box_of(image: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(image.min(axis=2) < 128)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def test_a_blurred_shadow_spreads_and_softens():
    layer = TextLayer("I", x=100, y=40, width=300, height=200, size=120, shadow=Shadow(dx=0, dy=0, blur=6))
    image = pixels(draw(layer))
    sharp = pixels(draw(TextLayer("I", x=100, y=40, width=300, height=200, size=120)))
    grey = (image.min(axis=2) > 30) & (image.min(axis=2) < 250)
    assert grey.sum() > grey.size * 0.001
    assert (image <= sharp).all()


def test_rerendering_from_its_dict_is_byte_identical():
    layer = TextLayer(
        "Summer sale — 50% off",
        x=30,
        y=20,
        width=400,
        height=200,
        font="noto-serif",
        size=44,
        weight="bold",
        colour="#1a237ecc",
        align="center",
        valign="middle",
        line_spacing=1.1,
        letter_spacing=0.05,
        outline=Outline(2, "#ffffff"),
        shadow=Shadow(3, 4, 5, "#00000080"),
    )
    stored = json.loads(json.dumps(layer.to_dict()))
    again = TextLayer.from_dict(stored)
    assert again == layer
    assert render_layers(blank(), [again]) == render_layers(blank(), [layer])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "   "}, "needs some text"),
        ({"text": "x" * 2001}, "at most 2000 characters"),
        ({"text": "bell\a"}, "control character"),
        ({"font": "comic-sans"}, "Unknown font 'comic-sans'"),
        ({"size": 5}, "size must be 6 to 512 pixels"),
        ({"size": 513}, "size must be 6 to 512 pixels"),
        ({"size": 20.5}, "size must be a whole number"),
        ({"size": True}, "size must be a whole number"),
        ({"weight": "black"}, "weight must be one of regular, bold"),
        ({"colour": "red"}, "colour must be #rrggbb or #rrggbbaa"),
        ({"colour": "#12345"}, "colour must be #rrggbb or #rrggbbaa"),
        ({"align": "justify"}, "align must be one of left, center, right"),
        ({"valign": "baseline"}, "valign must be one of top, middle, bottom"),
        ({"line_spacing": 0.5}, "line spacing must be 0.8 to 3.0"),
        ({"letter_spacing": 1.5}, "letter spacing must be -0.2 to 1.0 em"),
        ({"width": 0}, "width must be 1 to"),
        ({"x": 10**6}, "x must be -16384 to 16384"),
        ({"outline": {"width": 0}}, "outline width must be 1 to 64"),
        ({"shadow": {"blur": 500}}, "shadow blur must be 0 to 128"),
        ({"shadow": {"colour": "black"}}, "shadow colour must be"),
        ({"shadow": {"spread": 3}}, "Unknown shadow setting: spread"),
        ({"kerning": True}, "Unknown text layer setting: kerning"),
    ],
)
def test_it_refuses_invalid_layers_with_a_message(changes, message):
    data = {"text": "Hello", "x": 0, "y": 0, "width": 200, "height": 100, **changes}
    with pytest.raises(TextLayerError, match=message):
        TextLayer.from_dict(data)


def test_it_needs_the_box():
    with pytest.raises(TextLayerError, match="needs width, height"):
        TextLayer.from_dict({"text": "Hello", "x": 0, "y": 0})
    with pytest.raises(TextLayerError, match="object of named settings"):
        TextLayer.from_dict(["Hello"])


def test_it_keeps_the_transparency_of_an_rgba_image():
    data = render_layers(
        blank((0, 0, 0, 0), mode="RGBA"), [TextLayer("Hi", x=10, y=10, width=300, height=100)]
    )
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA" and image.size == (WIDTH, HEIGHT)
    alpha = np.asarray(image)[..., 3]
    assert alpha[300, 300] == 0
    assert alpha.max() == 255


@pytest.mark.parametrize(
    ("out_format", "quality"), [("png", None), ("jpeg", None), ("jpeg", 60), ("webp", None), ("webp", 80)]
)
def test_it_writes_png_jpeg_and_webp_of_the_same_size(out_format, quality):
    data = render_layers(blank(), [TextLayer("Hi", x=10, y=10, width=300, height=100)], out_format, quality)
    image = Image.open(io.BytesIO(data))
    assert image.format == out_format.upper()
    assert image.size == (WIDTH, HEIGHT)
    assert ink_box(data)[0] < 30


def test_a_transparent_image_is_laid_on_white_for_jpeg():
    data = render_layers(
        blank((0, 0, 0, 0), mode="RGBA"), [TextLayer("Hi", x=10, y=10, width=300, height=100)], "jpeg"
    )
    assert (pixels(data)[300, 300] > 250).all()


def test_it_refuses_what_it_cannot_read_or_write():
    layer = TextLayer("Hi", x=0, y=0, width=100, height=50)
    with pytest.raises(TextLayerError, match="not an image"):
        render_layers(b"not an image", [layer])
    with pytest.raises(TextLayerError, match="choose png, jpeg or webp"):
        render_layers(blank(), [layer], "tiff")
    with pytest.raises(TextLayerError, match="quality must be 1 to 100"):
        render_layers(blank(), [layer], "jpeg", 0)
    with pytest.raises(TextLayerError, match="Only text layers"):
        render_layers(blank(), [{"text": "Hi"}])


def test_an_image_without_layers_comes_back_unchanged_in_pixels():
    assert (pixels(render_layers(blank((10, 20, 30)), [])) == [10, 20, 30]).all()


def test_the_prompt_asks_for_room_where_the_boxes_are():
    headline = TextLayer("Big Summer Sale", x=0, y=0, width=1024, height=340, size=96)
    caption = TextLayer(
        "Terms apply to every offer in this leaflet", x=40, y=900, width=400, height=100, size=20
    )
    prompt = leave_room_for_text_prompt([headline, caption], (1024, 1024))
    assert "the top third of the image, across the full width, empty for a headline" in prompt
    assert "the bottom eighth of the image, on the left side, empty for a line of text" in prompt
    assert "do not write any text" in prompt
    assert "Summer" not in prompt and "Terms" not in prompt
    assert leave_room_for_text_prompt([], (1024, 1024)) == ""


def test_every_font_is_vendored_with_its_licence_and_listed():
    readme = (FONT_DIR / "README.md").read_text()
    total = 0
    for key, family in FONTS.items():
        assert set(family.files) == set(WEIGHTS)
        for weight in WEIGHTS:
            total += font_path(key, weight).stat().st_size
        assert "SIL Open Font License" in (FONT_DIR / family.licence_file).read_text()
        assert f"`{key}`" in readme and family.name in readme
    assert total < 5 * 1024 * 1024


@pytest.mark.parametrize("font", list(FONTS))
def test_every_font_draws_and_bold_is_heavier(font):
    def ink(weight: str) -> int:
        layer = TextLayer("Atelier", x=20, y=20, width=600, height=150, size=64, font=font, weight=weight)
        return int((pixels(draw(layer)).min(axis=2) < 128).sum())

    assert ink("bold") > ink("regular") * 1.2 > 0
