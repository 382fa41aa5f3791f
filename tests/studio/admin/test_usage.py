"""Usage in the admin: staff only, totals and chart that match independent sums, CSV of the filtered list."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from studio.admin import figures
from studio.models import UsageRecord

pytestmark = pytest.mark.django_db
URL = "/admin/studio/usagerecord/"


@pytest.fixture
def staff_client(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("ada", password="admin-password-1")
    client.force_login(admin_user)
    return client


@pytest.fixture
def records(alice, charlie):
    now = timezone.now()
    rows = []
    for day, owner, model, quality, cost, output in [
        (0, alice, "gpt-image-2", "high", "0.211", 7024),
        (0, alice, "gpt-image-2", "low", "0.006", 200),
        (1, charlie, "gpt-image-2", "medium", "0.053", 1756),
        (2, alice, "gpt-image-1.5", "high", "0.133", 4160),
        (2, charlie, "gpt-image-2", "high", "0.165", 5488),
    ]:
        rows.append(
            UsageRecord.objects.create(
                owner=owner,
                api="images",
                model=model,
                quality=quality,
                size="1024x1024",
                output_tokens=output,
                partial_image_tokens=100,
                input_text_tokens=20,
                cost_usd=Decimal(cost),
                created_at=now - timedelta(days=day),
            )
        )
    return rows


def test_anonymous_users_are_sent_to_login(client):
    for url in (URL, URL + "export.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")


def test_a_designer_without_staff_rights_is_refused(alice_client):
    response = alice_client.get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]
    assert alice_client.get(URL + "export.csv").status_code == 302


def test_totals_match_the_sum_of_every_record(staff_client, records):
    response = staff_client.get(URL)
    totals = response.context["usage_totals"]
    assert totals["records"] == 5
    assert totals["cost_usd"] == sum(r.cost_usd for r in records)
    assert totals["output_tokens"] == sum(r.output_tokens for r in records)
    assert totals["partial_image_tokens"] == 500
    assert b'id="usage-total-cost">$0.568<' in response.content


def test_totals_follow_the_filters(staff_client, records, alice):
    response = staff_client.get(URL, {"owner__id__exact": alice.pk, "quality": "high"})
    expected = [r for r in records if r.owner == alice and r.quality == "high"]
    totals = response.context["usage_totals"]
    assert totals["records"] == len(expected) == 2
    assert totals["cost_usd"] == sum(r.cost_usd for r in expected)


def test_the_chart_has_one_bar_per_day_with_that_days_cost(staff_client, records):
    response = staff_client.get(URL)
    by_day: dict = {}
    for record in records:
        day = timezone.localtime(record.created_at).date()
        by_day[day] = by_day.get(day, Decimal("0")) + record.cost_usd
    bars = response.context["usage_chart"].bars
    assert {bar.day: bar.cost for bar in bars} == by_day
    tallest = max(bars, key=lambda bar: bar.cost)
    assert tallest.height == max(bar.height for bar in bars)
    assert response.content.count(b"<rect ") == len(by_day)


def test_a_single_day_reads_as_a_labelled_bar_against_a_scale(staff_client, alice):
    day = timezone.localtime().replace(year=2026, month=3, day=4, hour=12)
    for cost in ("12.25", "0.10"):
        UsageRecord.objects.create(
            owner=alice,
            api="images",
            model="gpt-image-2",
            quality="high",
            size="1024x1024",
            cost_usd=Decimal(cost),
            created_at=day,
        )
    response = staff_client.get(URL)
    chart = response.context["usage_chart"]
    [bar] = chart.bars
    assert bar.labelled and bar.width <= figures.BAR_MAX_WIDTH
    assert [tick.amount for tick in chart.ticks] == [0, 5, 10, 15]
    assert chart.ticks[-1].y < bar.y < chart.ticks[-2].y  # $12.35 between the $15 and $10 marks
    page = response.content.decode()
    assert '<title id="usage-chart-title">Bar chart of cost per day, Mar 4, 2026</title>' in page
    assert "1 day with usage, $12.35 in all; the dearest, Mar 4, cost $12.35" in page
    assert "The scale runs from $0 to $15.00." in page
    assert ">Mar 4</text>" in page and ">$12.35</text>" in page
    assert ">$0.00</text>" in page and ">$15.00</text>" in page


@pytest.mark.parametrize(
    ("dearest", "step"),
    [("12.35", "5"), ("99.10", "50"), ("0.84", "0.5"), ("0.003", "0.001"), ("1200", "500"), ("4", "1")],
)
def test_the_scale_goes_up_in_round_steps(dearest, step):
    assert figures.scale_step(Decimal(dearest)) == Decimal(step)


def test_a_crowded_chart_labels_every_few_bars():
    start = timezone.localdate()
    days = [(start - timedelta(days=n), Decimal("1")) for n in range(90, 0, -1)]
    bars = figures.chart(days).bars
    labelled = [bar for bar in bars if bar.labelled]
    assert bars[0].labelled and 90 > len(labelled) > 5
    gaps = [b.middle - a.middle for a, b in itertools.pairwise(labelled)]
    assert min(gaps) >= figures.LABEL_WIDTH
    assert figures.chart([]) is None


def test_the_csv_export_matches_the_filtered_list(staff_client, records, charlie):
    response = staff_client.get(URL + "export.csv", {"owner__id__exact": charlie.pk})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = sorted((r for r in records if r.owner == charlie), key=lambda r: r.created_at)
    assert [row["user"] for row in rows] == ["charlie", "charlie"]
    assert [Decimal(row["cost_usd"]) for row in rows] == [r.cost_usd for r in expected]
    assert [int(row["output_tokens"]) for row in rows] == [r.output_tokens for r in expected]


def test_the_search_finds_records_by_user(staff_client, records):
    response = staff_client.get(URL, {"q": "charlie"})
    assert response.context["usage_totals"]["records"] == 2


def test_usage_records_cannot_be_edited_or_deleted(staff_client, records):
    assert staff_client.get(f"{URL}add/").status_code == 403
    page = staff_client.get(f"{URL}{records[0].pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


@pytest.fixture
def records_of_jobs(alice, charlie):
    """Records of three jobs with prompts, the last two by charlie (a turn: two records)."""
    from tests.support.factories import make_finished_job

    rows = []
    for owner, prompt, count in [
        (alice, "a lighthouse at dusk, watercolour", 1),
        (charlie, "a fox in the snow, watercolour", 2),
        (charlie, "Ironbark Records: an album cover", 1),
    ]:
        job = make_finished_job(owner, prompt=prompt)
        rows += [
            UsageRecord.objects.create(
                owner=owner, job=job, api="images", model="gpt-image-2", quality="low", size="1024x1024"
            )
            for _ in range(count)
        ]
    return rows


def searched(staff_client, words: str) -> int:
    return staff_client.get(URL, {"q": words}).context["usage_totals"]["records"]


def test_the_search_finds_records_by_the_prompt_of_their_job(staff_client, records_of_jobs):
    assert searched(staff_client, "watercolour") == 3
    assert searched(staff_client, "LIGHTHOUSE") == 1
    assert searched(staff_client, "fox watercolour") == 2  # every word
    assert searched(staff_client, '"Ironbark Records"') == 1
    assert searched(staff_client, "fox lighthouse") == 0


def test_a_search_mixes_users_and_prompts_word_by_word(staff_client, records_of_jobs):
    assert searched(staff_client, "charlie") == 3
    assert searched(staff_client, "charlie watercolour") == 2
    assert searched(staff_client, "alice fox") == 0


def test_the_search_finds_a_job_run_against_the_emulator_by_its_prompt(
    staff_client, emulator, alice, django_capture_on_commit_callbacks
):
    from tests.support.factories import image_request, run_image_job

    job = run_image_job(
        alice, django_capture_on_commit_callbacks, image_request("a copper kettle on a stove")
    )
    recorded = UsageRecord.objects.filter(job=job).count()
    assert recorded >= 1
    assert searched(staff_client, "KETTLE") == recorded
    assert searched(staff_client, "copper stove") == recorded
    assert searched(staff_client, "kettle lighthouse") == 0


def test_the_date_drill_down_is_the_one_django_would_show(staff_client, records, alice):
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    UsageRecord.objects.create(
        owner=alice,
        api="images",
        model="gpt-image-2",
        quality="low",
        size="1024x1024",
        created_at=timezone.now() - timedelta(days=400),
    )
    today = timezone.localdate()
    for params in [
        {},
        {"created_at__year": today.year},
        {"created_at__year": today.year, "created_at__month": today.month},
        {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day},
        {"owner__id__exact": alice.pk, "created_at__year": today.year},
        {"q": "nobody has this name"},
    ]:
        response = staff_client.get(URL, params)
        assert response.context["usage_drilldown"] == date_hierarchy(response.context["cl"]), params
    assert b'class="toplinks"' in staff_client.get(URL).content


@pytest.mark.django_db
def test_it_counts_moderation_blocks_by_stage_and_resolution(admin_client, alice):
    from studio.models import GenerationJob

    def blocked(stage: str, resolution: str = "") -> None:
        GenerationJob.objects.create(
            owner=alice,
            kind="image_generate",
            status="failed",
            error_code="moderation_blocked",
            blocked_stage=stage,
            block_resolution=resolution,
        )

    blocked("input", "rephrased")
    blocked("input")
    blocked("output", "retried_low")

    response = admin_client.get("/admin/studio/usagerecord/")

    rows = {row["stage"]: row for row in response.context["block_counts"]}
    assert rows["input"]["resolutions"] == [1, 0, 0, 1] and rows["input"]["total"] == 2
    assert rows["output"]["resolutions"] == [0, 0, 1, 0]
    assert b'id="block-counts"' in response.content


@pytest.fixture
def blocks(alice, charlie):
    """Moderation-blocked jobs (never charged, so without records): alice's today (gpt-image-2 input,
    gpt-image-1.5 output) and last month (a turn), charlie's today."""
    from studio.models import GenerationJob

    now = timezone.now()

    def blocked(owner, stage, *, model="gpt-image-2", kind="image_generate", days_ago=0, prompt="a poster"):
        GenerationJob.objects.create(
            owner=owner,
            kind=kind,
            status="failed",
            error_code="moderation_blocked",
            blocked_stage=stage,
            image_model=model,
            quality="low",
            prompt=prompt,
            created_at=now - timedelta(days=days_ago),
        )

    blocked(alice, "input", prompt="a lighthouse at dusk")
    blocked(alice, "output", model="gpt-image-1.5")
    blocked(alice, "output", kind="response", days_ago=40)
    blocked(charlie, "input")


def blocks_by_stage(staff_client, params: dict) -> dict[str, int]:
    response = staff_client.get(URL, params)
    return {row["stage"]: row["total"] for row in response.context["block_counts"]}


def test_the_block_counts_follow_the_user_filter(staff_client, blocks, alice, charlie):
    assert blocks_by_stage(staff_client, {}) == {"input": 2, "output": 2}
    assert blocks_by_stage(staff_client, {"owner__id__exact": alice.pk}) == {"input": 1, "output": 2}
    assert blocks_by_stage(staff_client, {"owner__id__exact": charlie.pk}) == {"input": 1}


def test_the_block_counts_follow_the_dates(staff_client, blocks):
    today = timezone.localdate()
    assert blocks_by_stage(
        staff_client,
        {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day},
    ) == {"input": 2, "output": 1}
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since = str(midnight - timedelta(days=7))  # as the date filter's "Past 7 days" sends it
    assert blocks_by_stage(staff_client, {"created_at__gte": since}) == {"input": 2, "output": 1}


def test_the_block_counts_follow_the_model_api_and_search(staff_client, blocks):
    assert blocks_by_stage(staff_client, {"model": "gpt-image-1.5"}) == {"output": 1}
    assert blocks_by_stage(staff_client, {"api": "responses"}) == {"output": 1}
    assert blocks_by_stage(staff_client, {"api": "images"}) == {"input": 2, "output": 1}
    assert blocks_by_stage(staff_client, {"q": "lighthouse"}) == {"input": 1}
    assert blocks_by_stage(staff_client, {"q": "charlie"}) == {"input": 1}
    assert blocks_by_stage(staff_client, {"q": "nothing-like-it"}) == {}


def test_the_model_filter_offers_every_model_atelier_prices(staff_client, alice):
    from studio.core import pricing

    UsageRecord.objects.create(owner=alice, api="responses", model="gpt-5.4", cost_usd=Decimal("0.02"))
    UsageRecord.objects.create(owner=alice, api="responses", model="gpt-image-2", cost_usd=Decimal("0.2"))
    response = staff_client.get(URL)
    [model_filter] = [spec for spec in response.context["cl"].filter_specs if spec.title == "model"]
    offered = [name for name, _ in model_filter.lookup_choices]
    assert {*pricing.PRICES, *pricing.MAINLINE_PRICES, "gpt-image-2-2026-04-21"} == set(offered)
    assert b'href="?model=gpt-5.4"' in response.content
    filtered = staff_client.get(URL, {"model": "gpt-5.4"})
    assert filtered.context["usage_totals"]["records"] == 1
    assert filtered.context["usage_totals"]["cost_usd"] == Decimal("0.02")


def test_a_model_no_longer_offered_still_filters_and_shows_chosen(staff_client, alice):
    UsageRecord.objects.create(owner=alice, api="images", model="dall-e-3", cost_usd=Decimal("0.04"))
    assert b"?model=dall-e-3" not in staff_client.get(URL).content
    response = staff_client.get(URL, {"model": "dall-e-3"})
    assert response.context["usage_totals"]["records"] == 1
    cl = response.context["cl"]
    [model_filter] = [spec for spec in cl.filter_specs if spec.title == "model"]
    chosen = [choice["display"] for choice in model_filter.choices(cl) if choice["selected"]]
    assert chosen == ["dall-e-3"]


def test_listing_the_models_reads_no_table(rf, django_assert_num_queries):
    from django.contrib import admin

    from studio.admin.usage import ModelFilter

    with django_assert_num_queries(0):
        spec = ModelFilter(rf.get(URL), {}, UsageRecord, admin.site._registry[UsageRecord])
    assert ("gpt-5.4", "gpt-5.4") in spec.lookup_choices


def test_the_list_has_short_headers_and_formatted_figures(staff_client, alice):
    UsageRecord.objects.create(
        owner=alice,
        api="responses",
        model="gpt-image-2",
        quality="high",
        size="1536x1024",
        input_text_tokens=41234,
        input_image_tokens=12345,
        cached_input_tokens=1024,
        output_tokens=123456,
        partial_image_tokens=300,
        cost_usd=Decimal("12.345678"),
    )
    page = staff_client.get(URL).content.decode()
    for column, header in [
        ("text_in", "Text in"),
        ("image_in", "Image in"),
        ("cached_in", "Cached in"),
        ("out", "Out"),
        ("partials", "Of which partials"),
        ("cost", "Cost"),
        ("api_name", "API"),
        ("time", "Time"),
    ]:
        assert f'class="sortable column-{column}' in page and f">{header}</a>" in page, column
    for column, figure in [
        ("text_in", "41,234"),
        ("image_in", "12,345"),
        ("out", "123,456"),
        ("cost", "$12.35"),
        ("api_name", "Responses"),
    ]:
        assert f'<td class="field-{column}">{figure}</td>' in page, column
    assert "Input image tokens</a>" not in page
