"""The admin's usage page as an admin sees it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in

SEED = """
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.utils import timezone
from studio.models import UsageRecord
user = get_user_model().objects.get(username="designer")
now = timezone.now()
for day in range(14):
    for quality, tokens in (("low", 200), ("high", 7024)):
        UsageRecord.objects.create(owner=user, api="images", model="gpt-image-2", quality=quality, size="1024x1024",
            output_tokens=tokens, cost_usd=Decimal(tokens * 30) / 1000000 * (1 + day % 4), created_at=now - timedelta(days=day))
"""


def test_the_usage_page_shows_totals_a_chart_and_an_export(page, atelier_server, artifacts_dir):
    atelier_server.manage("shell", "-c", SEED)
    log_in(page, atelier_server)
    page.goto(f"{atelier_server.base_url}/admin/studio/usagerecord/")
    summary = page.get_by_label("Totals for the current filter")
    expect(summary).to_contain_text("Records")
    expect(page.get_by_role("img", name="Bar chart of cost per day").locator("rect")).to_have_count(14)
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    page.get_by_role("link", name="high").first.click()
    expect(page.locator("#usage-total-records")).to_have_text("14")
    page.screenshot(path=artifacts_dir / "admin-usage.png", full_page=False)


# Records of a user of their own, dated today and never of "high" quality, so the test above counts the same
# days and records whichever runs first. Prints the user's id, for the list's user filter.
SEED_FOR_ONE_USER = """
from decimal import Decimal
from django.contrib.auth import get_user_model
from studio.models import UsageRecord
user = get_user_model().objects.create_user({username!r})
for _ in range(4):
    UsageRecord.objects.create(owner=user, api="responses", model="gpt-image-2-2026-04-21", quality="medium",
        size="1536x1024", input_text_tokens=41234, input_image_tokens=12345, cached_input_tokens=31024,
        output_tokens=123456, partial_image_tokens=300, cost_usd=Decimal("123.456789"))
    UsageRecord.objects.create(owner=user, api="responses", model="gpt-5.4", input_text_tokens=1234567,
        cached_input_tokens=1000000, output_tokens=4321, cost_usd=Decimal("0.041234"), estimated=True)
print(user.pk)
"""


def open_usage_of(page, server, username: str) -> None:
    # The shell first says what it imported: the id is the last line.
    user_id = server.manage("shell", "-c", SEED_FOR_ONE_USER.format(username=username)).split()[-1]
    log_in(page, server)
    page.goto(f"{server.base_url}/admin/studio/usagerecord/?owner__id__exact={user_id}")


def test_the_usage_list_fits_a_1440_px_window(page, atelier_server, artifacts_dir):
    # A long user name, the longest model name and large figures: the widest rows the list should meet.
    open_usage_of(page, atelier_server, "margaret.hamilton-apollo")
    assert page.viewport_size == {"width": 1440, "height": 900}
    layout = page.evaluate(
        """() => {
          const results = document.querySelector("#changelist .results");
          const oneLine = (cell) => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size === 1;
          };
          const cells = (name) => [...document.querySelectorAll(`#result_list .field-${name}`)];
          return {
            scrolls: results.scrollWidth > results.clientWidth || document.documentElement.scrollWidth > innerWidth,
            costRight: Math.max(...cells("cost").map((cell) => cell.getBoundingClientRect().right)),
            oneLine: ["time", "model", "quality", "size", "cost"].every((name) => cells(name).every(oneLine)),
            rightAligned: ["text_in", "image_in", "cached_in", "out", "partials", "cost"].every(
              (name) => cells(name).every((cell) => getComputedStyle(cell).textAlign === "right")),
          };
        }"""
    )
    assert not layout["scrolls"] and layout["costRight"] <= 1440
    assert layout["oneLine"] and layout["rightAligned"]
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert [h.strip().lower() for h in headers][6:12] == [
        "text in", "image in", "cached in", "out", "of which partials", "cost",
    ]  # fmt: skip
    expect(page.locator("#result_list .field-cost").first).to_be_in_viewport()
    expect(page.locator("#result_list .field-model", has_text="gpt-image-2-2026-04-21").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "admin-usage-list.png", full_page=False)


def test_a_single_day_of_usage_reads_as_a_labelled_bar(page, atelier_server):
    open_usage_of(page, atelier_server, "grace")
    chart = page.get_by_role("img", name="Bar chart of cost per day")
    expect(chart.locator("rect")).to_have_count(1)
    expect(chart).to_have_accessible_description(
        re.compile(r"^1 day with usage, \$493\.99 in all; .* The scale runs from \$0 to \$600\.00\.$")
    )
    expect(chart.locator("text.usage-chart-amount")).to_have_text("$493.99")
    expect(chart.locator("text.usage-chart-day")).to_have_text(re.compile(r"^[A-Z][a-z]{2} \d{1,2}$"))
    expect(chart.locator(".usage-chart-scale text")).to_have_text(["$0.00", "$200.00", "$400.00", "$600.00"])


def test_admin_pages_link_the_favicon_and_fetch_nothing_missing(page, atelier_server):
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    log_in(page, atelier_server)
    for path in ("/admin/", "/admin/studio/usagerecord/", "/admin/studio/generationjob/"):
        page.goto(f"{atelier_server.base_url}{path}")
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        assert page.request.get(f"{atelier_server.base_url}{icon}").ok
    assert missing == []
