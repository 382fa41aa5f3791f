"""How well `studio.core.matte.cut_out` keys out a background, on subjects whose alpha is known.

Builds synthetic subjects with exact coverage alpha (drawn at 4x and box-reduced): hair-like strands, a
soft shadow, glass (uniform partial alpha with a tint), hard-edged opaque shapes, colours near the key,
a plant on magenta and a portrait on the key the app would choose. Each is composited at 1024x1024 onto
its key painted the way a model paints it (off the exact colour, unevenly lit, with noise), saved as JPEG
at quality 90 with full-resolution colour (4:4:4: compression artefacts as in a PNG the model decoded from
its own compressed form), then cut out as PNG at the default tightness. Prints per image and overall:

- alpha MAE: mean absolute alpha error over all pixels, in % of the 0-255 range, and over the soft pixels
  alone (0 < true alpha < 1), where all the difficulty is;
- spill: the key signature (for green, green minus the larger of red and blue, 0-255 units) the recovered
  colour of soft pixels carries beyond the true colour's own, weighted by recovered alpha;
- edge colour error: the mean absolute difference (0-255) between recovered and true colour on those
  pixels, weighted the same way: no spill says no fringe, this says whether the edge colour is right;
- time per image for `cut_out` (decode, matte, PNG encode) and the matte alone, after one warm-up run;
- the same times at 2048x2048;
- the overall figures again for JPEG with colour at half resolution (4:2:0, what `output_format="jpeg"`
  and lossy WebP give): fine strands lose their colour there, so cut-outs should be asked for as PNG.

    .venv/bin/python bench/transparency.py

The last line reads `alpha_mae_pct=<n> spill=<n> ms_per_mpix=<n>`.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.core import matte  # noqa: E402

SIZE = 1024
SUPER = 4
JPEG_QUALITY = 90
SEED = 20260501


class Scene:
    """Layers drawn back to front into a known foreground colour and alpha."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.premultiplied = np.zeros((size, size, 3), np.float32)
        self.alpha = np.zeros((size, size), np.float32)

    def canvas(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        """An L image at 4x on which shapes are drawn in white; `coverage` turns it into alpha."""
        image = Image.new("L", (self.size * SUPER, self.size * SUPER), 0)
        return image, ImageDraw.Draw(image)

    @staticmethod
    def coverage(image: Image.Image) -> np.ndarray:
        return np.asarray(image.reduce(SUPER), np.float32) / 255

    def add(self, alpha: np.ndarray, colour) -> None:
        """Composite a layer over what is there: `colour` an RGB 0-255 triple or an (h, w, 3) 0..1 array."""
        colour = np.broadcast_to(
            np.asarray(colour, np.float32) / (255 if np.ndim(colour) == 1 else 1), (self.size, self.size, 3)
        )
        self.premultiplied = alpha[..., None] * colour + (1 - alpha[..., None]) * self.premultiplied
        self.alpha = alpha + (1 - alpha) * self.alpha

    def foreground(self) -> np.ndarray:
        return np.clip(self.premultiplied / np.maximum(self.alpha, 1e-6)[..., None], 0, 1)


def shaded(size: int, colour, rng: np.random.Generator, strength: float = 0.12) -> np.ndarray:
    """A colour with gentle light falloff and grain, as a subject in a rendered image has."""
    ys, xs = np.mgrid[0:size, 0:size] / size
    light = 1 + strength * (0.5 - ys) + strength * 0.5 * np.sin(6 * xs + 2 * rng.random())
    grain = rng.normal(0, 0.015, (size, size, 1))
    return np.clip(np.asarray(colour, np.float32)[None, None] / 255 * light[..., None] + grain, 0, 1).astype(
        np.float32
    )


def bezier(points, steps: int = 40) -> list[tuple[float, float]]:
    p0, p1, p2 = (np.asarray(p, float) for p in points)
    t = np.linspace(0, 1, steps)[:, None]
    curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
    return [tuple(p) for p in curve * SUPER]


def strands(scene: Scene, rng, centre, radius, count, colours, reach=(120, 260), widths=(2, 7)) -> None:
    """Hair-like curves leaving a head outline, each 0.5-2 px wide, anti-aliased by the 4x drawing."""
    for colour in colours:
        image, draw = scene.canvas()
        for _ in range(count // len(colours)):
            angle = rng.uniform(-np.pi, 0.1)
            start = np.array(centre) + radius * 0.9 * np.array([np.cos(angle), np.sin(angle)])
            length = rng.uniform(*reach)
            bend = rng.normal(0, 0.5)
            end = start + length * np.array([np.cos(angle + bend), np.sin(angle + bend)])
            middle = (start + end) / 2 + rng.normal(0, 30, 2)
            draw.line(bezier((start, middle, end)), fill=255, width=int(rng.integers(*widths)), joint="curve")
        scene.add(scene.coverage(image), colour)


def ellipse(scene: Scene, box) -> np.ndarray:
    image, draw = scene.canvas()
    draw.ellipse([v * SUPER for v in box], fill=255)
    return scene.coverage(image)


def polygon(scene: Scene, points) -> np.ndarray:
    image, draw = scene.canvas()
    draw.polygon([(x * SUPER, y * SUPER) for x, y in points], fill=255)
    return scene.coverage(image)


def rounded(scene: Scene, box, radius) -> np.ndarray:
    image, draw = scene.canvas()
    draw.rounded_rectangle([v * SUPER for v in box], radius * SUPER, fill=255)
    return scene.coverage(image)


def blurred(alpha: np.ndarray, radius: float) -> np.ndarray:
    image = Image.fromarray(np.round(alpha * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(image, np.float32) / 255


def scene_hair(rng, size=SIZE):
    scene = Scene(size)
    k = size / SIZE
    head = ellipse(scene, (312 * k, 330 * k, 712 * k, 800 * k))
    scene.add(head, shaded(size, (96, 62, 38), rng))
    strands(
        scene,
        rng,
        (512 * k, 560 * k),
        210 * k,
        240,
        [(96, 62, 38), (140, 98, 60), (196, 160, 96)],
        (130 * k, 300 * k),
    )
    return scene, [(96, 62, 38), (140, 98, 60), (196, 160, 96)], None


def scene_shadow(rng, size=SIZE):
    scene = Scene(size)
    contact = ellipse(scene, (250, 700, 800, 820))
    scene.add(blurred(contact, 28) * 0.65, (14, 14, 18))
    ramp = np.zeros((size, size), np.float32)
    ramp[80:260, 120:900] = np.linspace(0, 0.5, 780)[None, :]
    scene.add(blurred(ramp, 6), (10, 10, 10))
    box = rounded(scene, (330, 330, 700, 760), 40)
    scene.add(box, shaded(size, (92, 112, 142), rng))
    return scene, [(92, 112, 142), (14, 14, 18)], None


def scene_glass(rng, size=SIZE):
    scene = Scene(size)
    body = rounded(scene, (340, 300, 680, 900), 90)
    scene.add(body * 0.35, (160, 205, 232))
    rim = np.clip(body - rounded(scene, (352, 312, 668, 888), 80), 0, 1)
    scene.add(rim * 0.6, (120, 170, 205))
    scene.add(rounded(scene, (400, 360, 420, 820), 10), (250, 252, 255))
    scene.add(rounded(scene, (450, 200, 570, 305), 12), (40, 44, 52))
    bowl = ellipse(scene, (90, 120, 300, 330))
    scene.add(bowl * 0.45, (232, 160, 60))
    scene.add(ellipse(scene, (740, 180, 960, 400)) * 0.5, (240, 190, 200))
    return scene, [(160, 205, 232), (232, 160, 60), (240, 190, 200), (40, 44, 52)], None


def scene_hard(rng, size=SIZE):
    scene = Scene(size)
    scene.add(polygon(scene, [(120, 820), (300, 140), (480, 820)]), (210, 40, 40))
    star = [
        (
            720 + (190 if i % 2 == 0 else 80) * np.cos(i * np.pi / 5 - np.pi / 2),
            330 + (190 if i % 2 == 0 else 80) * np.sin(i * np.pi / 5 - np.pi / 2),
        )
        for i in range(10)
    ]
    scene.add(polygon(scene, star), (250, 210, 40))
    scene.add(rounded(scene, (560, 600, 900, 900), 24), (30, 60, 190))
    scene.add(ellipse(scene, (380, 560, 560, 740)), (245, 245, 245))
    scene.add(rounded(scene, (200, 880, 500, 960), 6), (20, 20, 24))
    return scene, [(210, 40, 40), (250, 210, 40), (30, 60, 190), (245, 245, 245), (20, 20, 24)], None


def scene_near_key(rng, size=SIZE):
    """Yellow-green and olive leaves on green: what happens when the key was not chosen away from them."""
    scene = Scene(size)
    image, draw = scene.canvas()
    for _ in range(40):
        draw.line(
            bezier(
                [
                    (512, 960),
                    (512 + rng.normal(0, 200), 600),
                    (512 + rng.normal(0, 350), 200 + rng.normal(0, 80)),
                ]
            ),
            fill=255,
            width=int(rng.integers(4, 10)),
        )
    scene.add(scene.coverage(image), (120, 150, 50))
    for colour in [(165, 215, 50), (120, 160, 40)]:
        image, draw = scene.canvas()
        for _ in range(9):
            x, y = rng.uniform(200, 820), rng.uniform(180, 760)
            draw.ellipse([v * SUPER for v in (x - 70, y - 35, x + 70, y + 35)], fill=255)
        scene.add(scene.coverage(image), shaded(size, colour, rng))
    return scene, [(165, 215, 50), (120, 160, 40)], matte.GREEN


def scene_plant(rng, size=SIZE):
    scene = Scene(size)
    scene.add(rounded(scene, (380, 700, 640, 940), 30), shaded(size, (180, 110, 70), rng))
    strands(scene, rng, (512, 760), 60, 90, [(40, 120, 50), (70, 150, 60)], (250, 520), (3, 9))
    for _ in range(12):
        x, y = rng.uniform(250, 780), rng.uniform(200, 600)
        scene.add(ellipse(scene, (x - 55, y - 28, x + 55, y + 28)), shaded(size, (50, 140, 60), rng))
    return scene, [(40, 120, 50), (70, 150, 60), (180, 110, 70)], None


def scene_portrait(rng, size=SIZE):
    scene = Scene(size)
    scene.add(rounded(scene, (250, 760, 780, 1100), 120), shaded(size, (230, 230, 225), rng))
    scene.add(ellipse(scene, (370, 300, 660, 700)), shaded(size, (226, 182, 150), rng))
    hair = ellipse(scene, (340, 250, 690, 560)) * (1 - ellipse(scene, (390, 380, 640, 720)))
    scene.add(hair, shaded(size, (52, 36, 28), rng))
    strands(scene, rng, (515, 420), 170, 180, [(52, 36, 28), (90, 64, 44)], (60, 220))
    return scene, [(226, 182, 150), (52, 36, 28), (230, 230, 225)], None


SCENES = {
    "hair": scene_hair,
    "shadow": scene_shadow,
    "glass": scene_glass,
    "hard": scene_hard,
    "near-key": scene_near_key,
    "plant": scene_plant,
    "portrait": scene_portrait,
}


def painted_background(size: int, key, rng) -> np.ndarray:
    """The key as a model paints it: a little off the colour asked for, lit unevenly and not flat."""
    key = np.asarray(key, np.float32) / 255
    off = np.where(key > 0.5, -rng.uniform(0.03, 0.09, 3), rng.uniform(0.02, 0.08, 3))
    ys, xs = np.mgrid[0:size, 0:size] / size
    light = 1 + 0.06 * (xs - 0.5) - 0.14 * ((xs - 0.5) ** 2 + (ys - 0.45) ** 2)
    light += 0.03 * np.exp(-((xs - 0.7) ** 2 + (ys - 0.3) ** 2) / 0.05)
    drift = 0.02 * (ys - 0.5)[..., None] * np.array([1, -0.5, 0.8])
    return np.clip((key + off)[None, None] * light[..., None] + drift, 0, 1).astype(np.float32)


def photograph(foreground, alpha, background, rng, subsampling: int = 0) -> bytes:
    """The composite as the model would hand it over: with noise, as JPEG (`subsampling` 0 is 4:4:4, 2 is
    4:2:0)."""
    composite = alpha[..., None] * foreground + (1 - alpha[..., None]) * background
    composite += rng.normal(0, 1.5 / 255, composite.shape)
    pixels = np.round(np.clip(composite, 0, 1) * 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=JPEG_QUALITY, subsampling=subsampling)
    return out.getvalue()


def signature(colour: np.ndarray, key) -> np.ndarray:
    """The key's signature of colours, as the benchmark measures spill (0..1 floats in, 0..1 out)."""
    key = np.asarray(key, np.float32)
    middle = (key.max() + key.min()) / 2
    strong = [c for c in range(3) if key[c] > middle]
    weak = [c for c in range(3) if key[c] <= middle]
    return colour[..., strong].min(axis=-1) - colour[..., weak].max(axis=-1)


def measure(name, build, rng, subsampling: int = 0) -> dict:
    scene, palette, forced_key = build(rng)
    key = forced_key or matte.choose_key_colour(palette)
    true_alpha, true_colour = scene.alpha, scene.foreground()
    data = photograph(true_colour, true_alpha, painted_background(scene.size, key, rng), rng, subsampling)
    matte.cut_out(data, key=key)  # warm-up: the first run pays for fresh memory pages
    started = time.perf_counter()
    result = matte.cut_out(data, key=key)
    total_ms = (time.perf_counter() - started) * 1000
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    started = time.perf_counter()
    matte.key_out(pixels, key=key, chroma_subsampled=subsampling == 2)
    matte_ms = (time.perf_counter() - started) * 1000

    rgba = np.asarray(Image.open(io.BytesIO(result)), np.float32) / 255
    alpha, colour = rgba[..., 3], rgba[..., :3]
    error = np.abs(alpha - true_alpha)
    soft = (true_alpha > 0.5 / 255) & (true_alpha < 254.5 / 255)
    recovered_soft = (alpha > 0) & (alpha < 1)
    own = np.where(true_alpha > 0, np.maximum(signature(true_colour, key), 0), 0)
    excess = np.maximum(signature(colour, key) - own, 0)[recovered_soft]
    weight = alpha[recovered_soft]
    # De-spill is measured against the key's signature only; the colour error says whether the edge colour
    # is also right (the true colour is known wherever the subject covers anything).
    covered = recovered_soft & (true_alpha > 0)
    colour_error = np.abs(colour - true_colour).mean(axis=-1)[covered]
    return {
        "name": name,
        "key": key,
        "mae": error.mean() * 100,
        "soft_mae": error[soft].mean() * 100,
        "spill": float((excess * weight).sum() / max(weight.sum(), 1e-9) * 255),
        "colour_error": float((colour_error * alpha[covered]).sum() / max(alpha[covered].sum(), 1e-9) * 255),
        "total_ms": total_ms,
        "matte_ms": matte_ms,
        "mpix": alpha.size / 1e6,
    }


def summary(rows: list[dict]) -> dict:
    mpix = sum(row["mpix"] for row in rows)
    return {
        "mae": np.mean([row["mae"] for row in rows]),
        "soft_mae": np.mean([row["soft_mae"] for row in rows]),
        "spill": np.mean([row["spill"] for row in rows]),
        "colour_error": np.mean([row["colour_error"] for row in rows]),
        "ms_per_mpix": sum(row["total_ms"] for row in rows) / mpix,
        "matte_ms_per_mpix": sum(row["matte_ms"] for row in rows) / mpix,
    }


def print_row(label: str, row: dict) -> None:
    print(
        f"{label:<10} {str(row['key']):<15} {row['mae']:>11.2f} {row['soft_mae']:>10.2f} {row['spill']:>6.2f} "
        f"{row['colour_error']:>9.1f} {row['total_ms']:>10.0f} {row['matte_ms']:>9.0f}"
    )


def main() -> None:
    print(
        f"{'image':<10} {'key':<15} {'alpha MAE %':>11} {'soft MAE %':>10} {'spill':>6} {'edge err':>9} "
        f"{'cut_out ms':>10} {'matte ms':>9}"
    )
    rng = np.random.default_rng(SEED)
    rows = [measure(name, build, rng) for name, build in SCENES.items()]
    for row in rows:
        print_row(row["name"], row)
    print_row("hair@2048", measure("hair@2048", lambda r: scene_hair(r, 2048), rng))
    rng = np.random.default_rng(SEED)
    halved = summary([measure(name, build, rng, subsampling=2) for name, build in SCENES.items()])
    print(
        f"JPEG 4:2:0: alpha_mae_pct={halved['mae']:.2f} soft_mae_pct={halved['soft_mae']:.2f} "
        f"spill={halved['spill']:.2f} edge_colour_error={halved['colour_error']:.1f}"
    )
    overall = summary(rows)
    print(
        f"4:4:4: soft_mae_pct={overall['soft_mae']:.2f} edge_colour_error={overall['colour_error']:.1f} "
        f"matte_ms_per_mpix={overall['matte_ms_per_mpix']:.0f}"
    )
    print(
        f"alpha_mae_pct={overall['mae']:.2f} spill={overall['spill']:.2f} "
        f"ms_per_mpix={overall['ms_per_mpix']:.0f}"
    )


if __name__ == "__main__":
    main()
