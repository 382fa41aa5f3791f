from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_it_logs_in_and_sees_the_home_page(page, atelier_server, artifacts_dir):
    page.goto(atelier_server.base_url + "/")
    expect(page).to_have_url(f"{atelier_server.base_url}/accounts/login/?next=/")
    page.screenshot(path=artifacts_dir / "login.png")
    log_in(page, atelier_server)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_text("designer").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "home.png", full_page=True)


def test_it_refuses_a_wrong_password(page, atelier_server):
    page.goto(atelier_server.base_url + "/accounts/login/")
    page.get_by_label("Username").fill("designer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
