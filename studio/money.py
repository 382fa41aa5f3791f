"""Money as people read it, the same way everywhere: "$0.04", "$1,234.50"; "$0.0021" where cents hide it.

`format_usd` replaces `studio.pricing.format_usd` (which shows three places under a dollar): two decimals
for any amount of a cent or more, thousands separators, and for a non-zero amount under a cent up to four
decimals (trailing zeros dropped, at least three), so that a partial image's $0.0005 does not read as free.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SMALLEST = Decimal("0.0001")


def format_usd(amount: Decimal) -> str:
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    if size == 0:
        return "$0.00"
    if size >= CENT:
        return f"{sign}${size.quantize(CENT, rounding=ROUND_HALF_UP):,}"
    fine = size.quantize(SMALLEST, rounding=ROUND_HALF_UP)
    if fine == 0:
        return "> -$0.0001" if sign else "< $0.0001"
    if fine >= CENT:
        return f"{sign}$0.01"
    text = f"{fine:f}".rstrip("0")
    if len(text.split(".")[1]) < 3:
        text = f"{fine:.3f}"
    return f"{sign}${text}"
