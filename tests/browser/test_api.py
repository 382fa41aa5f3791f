"""The API's pages in Chromium: the docs (Swagger UI from our own static files) work under the strict
Content-Security-Policy the site uses, and the API page makes a key and shows it once."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in

# The site's policy (see the security work): nothing inline, everything from our own origin.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def under_strict_csp(page, url: str) -> None:
    def add_policy(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route(url, add_policy)


def test_the_docs_render_every_endpoint_under_a_strict_policy(page, atelier_server, artifacts_dir):
    docs = f"{atelier_server.base_url}/api/v1/docs"
    under_strict_csp(page, docs)
    page.goto(docs)
    expect(page.get_by_text("Atelier API").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/jobs/{job_id}").first).to_be_visible()
    expect(page.locator(".opblock")).to_have_count(11 + 3)  # the endpoints and the three webhook events
    page.screenshot(path=artifacts_dir / "api-docs.png", full_page=True)


def test_the_api_page_makes_a_key_and_shows_it_once(page, atelier_server, artifacts_dir):
    log_in(page, atelier_server)
    page.get_by_role("link", name="API").click()
    page.get_by_label("Name").fill("browser test")
    page.get_by_role("button", name="Create a key").click()
    key = page.locator("#new-key")
    expect(key).to_contain_text("atl_")
    page.screenshot(path=artifacts_dir / "api-page.png", full_page=True)
    page.goto(f"{atelier_server.base_url}/api/keys/")
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.get_by_text("browser test")).to_be_visible()
