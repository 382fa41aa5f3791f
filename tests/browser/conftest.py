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

from tests.support.daphne import AtelierServer, start_atelier

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
    yield from _watched_page(chromium_browser, csp_violations, viewport={"width": 1440, "height": 900})


@pytest.fixture
def phone_page(chromium_browser, csp_violations) -> Iterator:
    """A phone's page (390x844, touch), watched for CSP violations as `page` is."""
    yield from _watched_page(
        chromium_browser,
        csp_violations,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
    )


def _watched_page(chromium_browser, csp_violations: list[str], **context_options) -> Iterator:
    context = chromium_browser.new_context(**context_options)
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


DESIGNER_PASSWORD = "a-browser-test-password"


@pytest.fixture(scope="session")
def atelier_server(tmp_path_factory, emulator_for_browser) -> Iterator[AtelierServer]:
    """Atelier served by Daphne in a subprocess (tests.support.daphne), with its one login, the designer."""
    server = start_atelier(
        tmp_path_factory.mktemp("atelier-var"),
        env={
            "ATELIER_DEMO_PASSWORD": DESIGNER_PASSWORD,
            "ATELIER_JOB_RUNNER": "embedded",
            "OPENAI_BASE_URL": emulator_for_browser,
        },
    )
    server.manage("ensure_designer")
    yield server
    server.stop()


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
