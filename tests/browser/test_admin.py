"""The admin's usage page as an admin sees it."""

from __future__ import annotations

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
