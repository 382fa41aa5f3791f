"""The admin's usage list (with its totals and chart) over a million usage records on PostgreSQL.

Creates a database of its own (`atelier_bench_admin` on 127.0.0.1:5432, dropped at the end), seeds 1,000,000
records over 90 days for 50 users with COPY, then times the changelist as an admin sees it: unfiltered,
filtered by user, by model and quality, by a month, and a search. Each time is the median of 5 requests
through Django's test client (the whole view: filters, count, page, totals, chart, template).

    DEBUG=1 .venv/bin/python bench/admin_usage.py            (BENCH_RECORDS=200000 for a quicker run)

The last line reads `changelist_ms_at_1m=<number>` (the unfiltered list).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "atelier_bench_admin"
RECORDS = int(os.environ.get("BENCH_RECORDS", "1000000"))
USERS = 50
MODELS = [("gpt-image-2", 0.8), ("gpt-image-1.5", 0.15), ("gpt-image-1-mini", 0.05)]
QUALITIES = {"low": 200, "medium": 1756, "high": 7024}
SIZES = ["1024x1024", "1536x1024", "1024x1536", "2048x2048"]


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def seed(user_ids: list[int]) -> float:
    started = time.perf_counter()
    rng = random.Random(7)
    now = datetime.now(UTC)
    models = [name for name, _ in MODELS]
    weights = [weight for _, weight in MODELS]
    columns = (
        "owner_id, api, model, quality, size, input_text_tokens, input_image_tokens, output_tokens, "
        "partial_image_tokens, cost_usd, created_at"
    )
    with psycopg.connect(f"{SERVER}/{DATABASE}") as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY studio_usagerecord ({columns}) FROM STDIN") as copy:
            for _ in range(RECORDS):
                quality = rng.choice(list(QUALITIES))
                partials = rng.randint(0, 3) * 100
                output = QUALITIES[quality] + partials
                text = rng.randint(10, 300)
                cost = (text * 5 + output * 30) / 1_000_000
                copy.write_row(
                    (
                        rng.choice(user_ids),
                        rng.choice(["images", "responses"]),
                        rng.choices(models, weights)[0],
                        quality,
                        rng.choice(SIZES),
                        text,
                        0,
                        output,
                        partials,
                        f"{cost:.6f}",
                        now - timedelta(seconds=rng.randint(0, 90 * 86400)),
                    )
                )
        cursor.execute("ANALYZE studio_usagerecord")
    return time.perf_counter() - started


def timed_get(client, url: str, params: dict, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    recreate_database()
    try:
        os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
        os.environ.setdefault("DEBUG", "1")
        os.environ["ALLOWED_HOSTS"] = "testserver"
        os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings"
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        User = get_user_model()
        users = [User.objects.create_user(f"designer{i:02d}") for i in range(USERS)]
        admin = User.objects.create_superuser("bench-admin", password="bench-admin-password")
        seconds = seed([user.pk for user in users])
        print(f"seeded {RECORDS:,} usage records in {seconds:.1f} s")

        client = Client()
        client.force_login(admin)
        url = "/admin/studio/usagerecord/"
        month = datetime.now(UTC)
        cases = [
            ("unfiltered", {}),
            ("one user", {"owner__id__exact": users[3].pk}),
            ("model + quality", {"model": "gpt-image-2", "quality": "high"}),
            ("one month", {"created_at__year": month.year, "created_at__month": month.month}),
            ("search by user", {"q": "designer07"}),
            ("CSV, one user", None),
        ]
        print(f"{'changelist':<18} {'median ms':>10}")
        results = {}
        for name, params in cases:
            if params is None:
                started = time.perf_counter()
                response = client.get(url + "export.csv", {"owner__id__exact": users[5].pk})
                lines = sum(1 for _ in response.streaming_content)
                results[name] = (time.perf_counter() - started) * 1000
                print(f"{name:<18} {results[name]:>10.0f}   ({lines - 1:,} rows)")
                continue
            results[name] = timed_get(client, url, params)
            print(f"{name:<18} {results[name]:>10.0f}")
        print(f"changelist_ms_at_1m={results['unfiltered']:.0f}")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
