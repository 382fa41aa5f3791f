"""The Content-Security-Policy in a real browser, and what a page says when its live updates are refused."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_the_policy_blocks_inline_script_and_style_and_the_watch_sees_it(
    page, atelier_server, csp_violations
):
    page.goto(f"{atelier_server.base_url}/accounts/login/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__injected = true";
          document.body.append(script);
          document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
        }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    assert page.evaluate("window.__injected") is None
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    directives = " ".join(page.evaluate("window.__cspViolations"))
    assert "script-src" in directives and "style-src" in directives
    # Seen, as it must be: clear it so that this test itself passes the watch.
    page.wait_for_timeout(300)
    page.evaluate("window.__cspViolations.length = 0")
    csp_violations.clear()


def test_the_admin_pages_keep_the_policy(page, atelier_server):
    response = page.goto(f"{atelier_server.base_url}/admin/login/")
    assert response.status == 200
    log_in(page, atelier_server)
    for path in (
        "/admin/",
        "/admin/studio/usagerecord/",
        "/admin/studio/imageasset/",
        "/admin/studio/generationjob/",
        "/admin/auth/user/",
        "/admin/auth/user/1/change/",
        "/admin/axes/accessattempt/",
    ):
        response = page.goto(f"{atelier_server.base_url}{path}")
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_logging_out_elsewhere_stops_live_updates_and_says_why(page, atelier_server):
    log_in(page, atelier_server)
    page.get_by_label("Prompt", exact=True).fill("A lighthouse at dusk, risograph")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    expect(page.locator("#turns > .turn")).to_have_count(1)
    banner = page.locator("#live-status")
    expect(banner).to_be_hidden()

    other_tab = page.context.new_page()
    other_tab.goto(f"{atelier_server.base_url}/")
    other_tab.get_by_role("button", name="Log out").click()
    other_tab.wait_for_url(re.compile(r"/accounts/login/"))

    expect(banner).to_be_visible(timeout=2_000)
    expect(banner).to_contain_text("You are logged out, so live updates have stopped.")
    expect(banner.get_by_role("link", name="Log in")).to_be_visible()
    assert banner.get_attribute("data-code") == "4401"
