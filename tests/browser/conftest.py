"""Browser tests: Playwright driving Debian's Chromium, against Atelier served by Daphne in a subprocess.

They run in their own pytest process (`make test` does this): Playwright's sync API and the async tests
of the main suite must not share an event loop.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = (
            f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package to run browser tests"
        )
        if os.environ.get("ATELIER_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page the browser tests open is watched for Content-Security-Policy violations: the page records
# them (the securitypolicyviolation event) and Chromium logs them to the console; any one fails the test.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the pages of this test broke of the Content-Security-Policy (the page fixture fills it)."""
    return []


@pytest.fixture
def page(chromium_browser, csp_violations) -> Iterator:
    context = chromium_browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            csp_violations.append(message.text)

    page.on("console", on_console)
    yield page
    try:
        if not page.is_closed():
            csp_violations.extend(page.evaluate("window.__cspViolations || []"))
    finally:
        context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser tests leave screenshots for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AtelierServer:
    """Atelier served by Daphne in a subprocess, on its own database and media folder."""

    def __init__(self, base_url: str, env: dict[str, str]):
        self.base_url = base_url
        self.env = env

    def manage(self, *args: str) -> str:
        import subprocess
        import sys

        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


ROOT = Path(__file__).resolve().parents[2]
DESIGNER_PASSWORD = "a-browser-test-password"


@pytest.fixture(scope="session")
def atelier_server(tmp_path_factory, emulator_for_browser) -> Iterator[AtelierServer]:
    import subprocess
    import sys
    import time
    import urllib.request

    var_dir = tmp_path_factory.mktemp("atelier-var")
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "ATELIER_ENV_FILE": "/nonexistent",
        "ATELIER_VAR_DIR": str(var_dir),
        "ATELIER_DEMO_PASSWORD": DESIGNER_PASSWORD,
        "ATELIER_EMBEDDED_RUNNER": "1",
        "OPENAI_BASE_URL": emulator_for_browser,
    }
    env.pop("DATABASE_URL", None)
    env.pop("OPENAI_API_KEY", None)
    server = AtelierServer(f"http://127.0.0.1:{port}", env)
    server.manage("migrate", "--verbosity", "0")
    server.manage("ensure_designer")
    log = open(var_dir / "daphne.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "studio.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{server.base_url}/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"Daphne did not start: {(var_dir / 'daphne.log').read_text()}") from None
            time.sleep(0.2)
    yield server
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def emulator_for_browser() -> Iterator[str]:
    """The OpenAI emulator with enough latency that partial images are seen arriving."""
    from tests.support.emulator import start_emulator

    emulator = start_emulator(latency=0.4)
    yield emulator.base_url
    emulator.stop()


def log_in(
    page, server: AtelierServer, username: str = "designer", password: str = DESIGNER_PASSWORD
) -> None:
    page.goto(f"{server.base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.base_url}/")
