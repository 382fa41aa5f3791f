"""How long the mask editor takes to handle a pointer move while painting on a 3840x2160 image.

Serves Atelier with Daphne on a database of its own, opens the editor on a 4K upload in Debian's Chromium
(Playwright), paints strokes with the mouse (each move is a real input event, with coalesced samples), and reads
the editor's own timings of its pointermove handler (performance.now around the work). Prints p50 and p95.

    DEBUG=1 .venv/bin/python bench/mask_editor.py

The last line reads `pointermove_p95_ms=<number>`.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PASSWORD = "bench-password-1"
UPLOAD = f"""
PASSWORD = {PASSWORD!r}
import io
from PIL import Image, ImageDraw
from django.contrib.auth import get_user_model
from studio.core.storage import store_image
image = Image.linear_gradient("L").resize((3840, 2160)).convert("RGB")
ImageDraw.Draw(image).ellipse((1200, 400, 2600, 1800), fill=(220, 120, 60))
out = io.BytesIO(); image.save(out, "PNG")
user = get_user_model().objects.create_user("painter", password=PASSWORD)
print(store_image(user, out.getvalue(), kind="upload").pk)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return result.stdout


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "ATELIER_VAR_DIR": tempfile.mkdtemp(prefix="atelier-bench-"),
        "ATELIER_ENV_FILE": "/nonexistent",
        "ATELIER_JOB_RUNNER": "inline",
    }
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "--verbosity", "0")
    image_id = manage(env, "shell", "-c", UPLOAD).strip().splitlines()[-1]
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "studio.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill("painter")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/images/{image_id}/edit")
            page.wait_for_function("document.getElementById('mask-editor').maskEditor?.image.complete")
            page.get_by_label("Brush size").fill("180")
            box = page.locator(".editor-viewport").bounding_box()
            page.evaluate("document.getElementById('mask-editor').maskEditor.timings.length = 0")
            started = time.perf_counter()
            for row in range(12):
                y = box["y"] + 60 + row * (box["height"] - 120) / 11
                page.mouse.move(box["x"] + 40, y)
                page.mouse.down()
                page.mouse.move(box["x"] + box["width"] - 40, y, steps=120)
                page.mouse.up()
            seconds = time.perf_counter() - started
            timings = page.evaluate("document.getElementById('mask-editor').maskEditor.timings.slice()")
            working = page.evaluate(
                "[document.getElementById('mask-editor').maskEditor.mask.canvas.width, "
                "document.getElementById('mask-editor').maskEditor.mask.canvas.height]"
            )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"image 3840x2160, working mask {working[0]}x{working[1]}, brush 180 px, "
        f"{len(timings)} pointer moves in {seconds:.1f} s"
    )
    print(f"{'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    p95 = percentile(timings, 0.95)
    print(f"{statistics.median(timings):>8.3f} {p95:>8.3f} {max(timings):>8.3f}")
    print(f"pointermove_p95_ms={p95:.3f}")


if __name__ == "__main__":
    main()
