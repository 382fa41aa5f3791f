"""Costs in Decimal: the source article's table to the cent, partial images, n, inputs, and actual usage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.core import pricing
from studio.core.usage import Usage

ARTICLE_TABLE = {
    ("low", "1024x1024"): "0.006",
    ("low", "1024x1536"): "0.005",
    ("low", "1536x1024"): "0.005",
    ("medium", "1024x1024"): "0.053",
    ("medium", "1024x1536"): "0.041",
    ("medium", "1536x1024"): "0.041",
    ("high", "1024x1024"): "0.211",
    ("high", "1024x1536"): "0.165",
    ("high", "1536x1024"): "0.165",
}


@pytest.mark.parametrize(("quality", "size"), ARTICLE_TABLE)
def test_the_estimate_equals_the_articles_table(quality, size):
    estimate = pricing.estimate("gpt-image-2", quality, size)
    assert estimate.cost_usd.quantize(Decimal("0.001")) == Decimal(ARTICLE_TABLE[(quality, size)])
    assert estimate.is_exact
    assert pricing.format_usd(estimate.cost_usd) == f"${ARTICLE_TABLE[(quality, size)]}"


def test_high_1024_is_7024_output_tokens():
    assert pricing.estimate("gpt-image-2", "high", "1024x1024").output_tokens == 7024


def test_each_partial_image_adds_100_output_tokens_per_image():
    plain = pricing.estimate("gpt-image-2", "low", "1024x1024", n=2)
    with_partials = pricing.estimate("gpt-image-2", "low", "1024x1024", n=2, partial_images=3)
    assert with_partials.partial_image_tokens == 600
    assert with_partials.cost_usd - plain.cost_usd == Decimal("600") * Decimal("30") / Decimal(1_000_000)


def test_n_multiplies_the_output():
    one = pricing.estimate("gpt-image-2", "medium", "1536x1024")
    four = pricing.estimate("gpt-image-2", "medium", "1536x1024", n=4)
    assert four.output_tokens == 4 * one.output_tokens
    assert four.cost_usd == 4 * one.cost_usd


def test_input_images_and_prompt_are_counted():
    estimate = pricing.estimate(
        "gpt-image-2", "low", "1024x1024", input_images=[(1024, 1024), (2048, 1024)], prompt="x" * 400
    )
    assert estimate.input_image_tokens == 768 + pricing.image_input_tokens(2048, 1024)
    assert estimate.input_text_tokens == 100
    expected = (Decimal(200) * 30 + Decimal(estimate.input_image_tokens) * 8 + Decimal(100) * 5) / 1_000_000
    assert estimate.cost_usd == expected.quantize(Decimal("0.000001"))


def test_other_sizes_are_a_stated_inexact_estimate_that_grows_with_area():
    big = pricing.estimate("gpt-image-2", "high", "2048x2048")
    uhd = pricing.estimate("gpt-image-2", "high", "3840x2160")
    assert not big.is_exact and not uhd.is_exact
    assert 7024 < big.output_tokens < 4 * 7024
    # A non-square image costs fewer tokens than a square one of about the same area.
    assert (
        pricing.estimate("gpt-image-2", "high", "1792x1024").output_tokens
        < pricing.output_tokens("gpt-image-2", "high", 1360, 1360)[0]
    )


def test_quality_auto_is_estimated_as_medium_and_marked_inexact():
    auto = pricing.estimate("gpt-image-2", "auto", "1024x1024")
    assert auto.output_tokens == 1756
    assert not auto.is_exact


def test_a_usage_prices_each_kind_of_token():
    usage = Usage("gpt-image-2", input_text_tokens=100, input_image_tokens=768, output_tokens=7324)
    expected = (Decimal(100) * 5 + Decimal(768) * 8 + Decimal(7324) * 30) / 1_000_000
    assert usage.cost_usd == expected.quantize(Decimal("0.000001"))


def test_cached_input_tokens_are_priced_at_the_cached_rate():
    cached = Usage("gpt-image-2", input_text_tokens=1000, cached_input_tokens=800)
    assert cached.cost_usd == (Decimal(200) * 5 + Decimal(800) * Decimal("1.25")) / 1_000_000


def test_a_usage_of_gpt_image_1_5_prices_its_output_at_its_rate():
    assert Usage("gpt-image-1.5", input_text_tokens=50, output_tokens=4160).cost_usd == Decimal("0.133370")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0", "$0.00"),
        ("0.0004", "$0.0004"),
        ("0.2107", "$0.211"),
        ("12.4", "$12.40"),
        ("1234.5", "$1,234.50"),
    ],
)
def test_money_is_shown_as_people_read_it(amount, shown):
    assert pricing.format_usd(Decimal(amount)) == shown
