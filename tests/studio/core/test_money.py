"""pricing.format_usd: currency, consistently."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.core.pricing import format_usd


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "$0.00"),
        ("0.00", "$0.00"),
        ("0.01", "$0.01"),
        ("0.04", "$0.04"),
        ("0.010", "$0.01"),
        ("0.211", "$0.211"),
        ("0.2107", "$0.211"),
        ("0.2155", "$0.216"),
        ("0.053", "$0.053"),
        ("0.5", "$0.50"),
        ("1", "$1.00"),
        ("12.4", "$12.40"),
        ("1234.5", "$1,234.50"),
        ("1234567.891", "$1,234,567.89"),
        ("0.0021", "$0.0021"),
        ("0.00213", "$0.0021"),
        ("0.0005", "$0.0005"),
        ("0.005", "$0.005"),
        ("0.00999", "$0.01"),
        ("0.001", "$0.001"),
        ("-0.00001", "> -$0.0001"),
        ("0.009999", "$0.01"),
        ("0.00004", "< $0.0001"),
        ("-2.5", "-$2.50"),
        ("-0.0021", "-$0.0021"),
    ],
)
def test_it_formats_money_as_currency(amount, expected):
    assert format_usd(Decimal(amount)) == expected
