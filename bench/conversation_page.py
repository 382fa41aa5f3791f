"""A long conversation's page: 200 finished turns (rows and small 1024 px images, seeded without a model),
served by Daphne. Prints the server's time to render the page, and in Chromium the time to
DOMContentLoaded and to load and the bytes the page loaded (HTML, CSS, JS and images), with the number of
images fetched. The last line has the figures.

    DEBUG=1 .venv/bin/python bench/conversation_page.py        (BENCH_TURNS=50 for a quicker run)
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402  (the openai SDK's HTTP client)
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support.daphne import start_atelier  # noqa: E402

TURNS = int(os.environ.get("BENCH_TURNS", "200"))
PASSWORD = "bench-password-123"
CHROMIUM = os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium")
RUNS = 5


def log_in(client: httpx2.Client) -> None:
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    client.post(
        "/accounts/login/",
        data={"username": "designer", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": str(client.base_url)},
    )


def server_times(base_url: str, path: str) -> tuple[float, int]:
    """Median seconds for the page's HTML (the first request warms up), and its size in bytes."""
    with httpx2.Client(base_url=base_url, timeout=60) as client:
        log_in(client)
        client.get(path)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return statistics.median(times), len(response.content)


def browser_figures(base_url: str, path: str) -> dict:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.get_by_label("Username").fill("designer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base_url}/")
        loaded: list[tuple[str, int]] = []
        page.on(
            "requestfinished",
            lambda request: loaded.append((request.url, request.sizes()["responseBodySize"])),
        )
        page.goto(f"{base_url}{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        timing = page.evaluate(
            """() => { const n = performance.getEntriesByType('navigation')[0];
                       return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"""
        )
        browser.close()
    images = [size for url, size in loaded if "/images/" in url]
    return {
        "dcl_ms": timing["dcl"],
        "load_ms": timing["load"],
        "bytes": sum(size for _, size in loaded),
        "image_bytes": sum(images),
        "images": len(images),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        server = start_atelier(Path(var_dir), env={"ATELIER_DEMO_PASSWORD": PASSWORD})
        try:
            server.manage("ensure_designer")
            started = time.perf_counter()
            conversation = int(
                server.manage("seed_conversation", "--turns", str(TURNS)).strip().splitlines()[-1]
            )
            print(f"seeded {TURNS} turns in {time.perf_counter() - started:.1f} s")
            path = f"/c/{conversation}/"
            seconds, html_bytes = server_times(server.base_url, path)
            print(
                f"server: {seconds * 1000:.0f} ms for the page's HTML ({html_bytes / 1024:.0f} KiB), median of {RUNS}"
            )
            figures = browser_figures(server.base_url, path)
            print(
                f"chromium: DOMContentLoaded {figures['dcl_ms']:.0f} ms, load {figures['load_ms']:.0f} ms, "
                f"{figures['images']} images ({figures['image_bytes'] / 1024:.0f} KiB)"
            )
        finally:
            server.stop()
    print(
        f"turns={TURNS} server_ms={seconds * 1000:.0f} html_kib={html_bytes / 1024:.0f} "
        f"dcl_ms={figures['dcl_ms']:.0f} load_ms={figures['load_ms']:.0f} images={figures['images']} "
        f"loaded_kib={figures['bytes'] / 1024:.0f}"
    )


if __name__ == "__main__":
    main()
