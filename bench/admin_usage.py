"""The admin's usage list (with its totals and chart) and job list over a million usage records on PostgreSQL.

Creates a database of its own (`atelier_bench_admin` on 127.0.0.1:5432, dropped at the end), seeds 1,000,000
usage records over 90 days for 50 users with COPY, with the jobs they came from (about 710,000: an Image API
job has one record, a conversation turn two, its image model's and its mainline model's), each job with a
designer's prompt. Then it times the lists as an admin sees them: the usage list unfiltered, filtered by user,
by model and quality, by a month, searched by user and by prompt (a common word, a rare client name, two words);
the job list unfiltered and searched by prompt. Each time is the median of 5 requests through Django's test
client (the whole view: filters, search, count, page, totals, chart, template).

    DEBUG=1 .venv/bin/python bench/admin_usage.py            (BENCH_RECORDS=200000 for a quicker run;
                                                              BENCH_KEEP=1 keeps the database to EXPLAIN)

The last line reads `changelist_ms_at_1m=<n> usage_search_ms=<n> job_search_ms=<n>`: the unfiltered usage list,
and the slowest prompt search of each list.
"""

from __future__ import annotations

import json
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
KEEP = os.environ.get("BENCH_KEEP") == "1"
USERS = 50
MODELS = [("gpt-image-2", 0.8), ("gpt-image-1.5", 0.15), ("gpt-image-1-mini", 0.05)]
QUALITIES = {"low": 200, "medium": 1756, "high": 7024}
SIZES = ["1024x1024", "1536x1024", "1024x1536", "2048x2048"]

# What designers ask for: a subject, where, in what style, with what detail; one in twenty for a client.
SUBJECTS = """a lighthouse on a rocky coast|a coffee cup with latte art|a fox in a snowy forest|a city skyline|
a vintage bicycle|a mountain cabin|a bowl of ramen|a robot gardener|a sailing boat|a hot air balloon|a stack of books|
a desert highway|a koi pond|a neon diner|a red tram|a greenhouse full of ferns|a jazz trio|a paper crane|
a lemon tree|an astronaut on the moon|a lantern festival|a wooden chair|a glass perfume bottle|a running shoe|
a village market|a whale breaching|a bakery storefront|an owl on a branch|a tea ceremony|a vinyl record player|
a violin on a table|a treehouse|a subway platform|a field of sunflowers|a chess board|a fountain pen|
a bonsai tree|a castle on a hill|a surfer at dawn|a bowl of cherries""".replace("\n", "").split("|")
SETTINGS = """at dusk|at golden hour|in the rain|under a starry sky|in morning fog|on a white background|
in a sunlit kitchen|in late autumn|at night with city lights|on a summer afternoon|in a snowstorm|by candlelight|
in spring bloom|on a pastel backdrop|seen from above""".replace("\n", "").split("|")
STYLES = """watercolour|flat vector illustration|photorealistic|isometric 3D render|oil painting|risograph print|
line art|studio product photo|cinematic still|paper cut-out collage|pixel art|art deco poster|ukiyo-e woodblock|
minimalist logo|children's book illustration""".replace("\n", "").split("|")
DETAILS = """soft light|high contrast|muted palette|bold colours|shallow depth of field|film grain|clean lines|
warm tones|cool tones|lots of negative space|dramatic shadows|wide angle|centered composition|rule of thirds|
hand-drawn texture""".replace("\n", "").split("|")
CLIENTS = [
    f"{first} {second}"
    for first in ("Brightwater", "Northwind", "Copperleaf", "Bluebird", "Ironbark", "Saltmarsh", "Goldfinch")
    for second in ("Bakery", "Coffee", "Cycles", "Books", "Studio", "Hotel", "Gardens", "Records", "Tea")
]
SEARCHES = {
    "a common word": "lighthouse",
    "a rare client name": "Ironbark Records",
    "two words": "fox watercolour",
}


def prompt(rng: random.Random) -> str:
    words = f"{rng.choice(SUBJECTS)} {rng.choice(SETTINGS)}, {rng.choice(STYLES)}, {rng.choice(DETAILS)}"
    if rng.random() < 0.05:
        words += f", for {rng.choice(CLIENTS)}'s new campaign"
    return words


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def column_defaults(model) -> dict:
    """Every column of the model's table with its default: COPY fills those we do not set (and any added later)."""
    from django.db.models import JSONField

    columns = {}
    for field in model._meta.concrete_fields:
        value = field.get_default()
        columns[field.column] = json.dumps(value) if isinstance(field, JSONField) else value
    return columns


def job_and_usage(
    rng: random.Random, job_id: int, owner: int, now: datetime, blank: dict
) -> tuple[dict, list[dict]]:
    """A succeeded job, Image API or conversation turn, and its usage records (a turn has two)."""
    turn = rng.random() < 0.4
    quality = rng.choice(list(QUALITIES))
    model = rng.choices([name for name, _ in MODELS], [weight for _, weight in MODELS])[0]
    size = rng.choice(SIZES)
    text = prompt(rng)
    partials = rng.randint(0, 3)
    created = now - timedelta(seconds=rng.randint(0, 90 * 86400))
    finished = created + timedelta(seconds=rng.uniform(8, 90))
    options = {
        "model": model,
        "size": size,
        "quality": quality,
        "output_format": "png",
        "output_compression": None,
        "background": "auto",
        "moderation": "auto",
        "partial_images": partials,
    }
    request = {"input_image_ids": [], "mask_id": None, "paste_back_feather": None, "prompt": text}
    request |= {"options": options}
    if turn:
        request |= {"type": "turn", "mainline_model": "gpt-5.4", "conversation_id": None}
        request |= {"previous_response_id": ""}
    else:
        request |= {"type": "image", "n": 1}
    output = QUALITIES[quality] + partials * 100
    tokens = rng.randint(10, 300)
    cost = (tokens * 5 + output * 30) / 1_000_000
    job = blank["job"] | {
        "id": job_id,
        "owner_id": owner,
        "kind": "response" if turn else "image_generate",
        "status": "succeeded",
        "request": json.dumps(request),
        "prompt": text,
        "image_model": model,
        "quality": quality,
        "size": size,
        "upstream_request_id": f"req_{rng.getrandbits(64):016x}",
        "response_id": f"resp_{rng.getrandbits(96):024x}" if turn else "",
        "estimated_cost_usd": f"{cost:.6f}",
        "created_at": created,
        "started_at": created,
        "finished_at": finished,
    }
    record = blank["usage"] | {
        "owner_id": owner,
        "job_id": job_id,
        "api": "responses" if turn else "images",
        "model": model,
        "quality": quality,
        "size": size,
        "input_text_tokens": tokens,
        "input_image_tokens": 0,
        "cached_input_tokens": 0,
        "output_tokens": output,
        "partial_image_tokens": partials * 100,
        "cost_usd": f"{cost:.6f}",
        "created_at": finished,
        "prompt": text,
    }
    records = [record]
    if turn:
        mainline_in, mainline_out = rng.randint(200, 2000), rng.randint(20, 200)
        cached = rng.randint(0, mainline_in // 2)
        mainline_cost = ((mainline_in - cached) * 2.5 + cached * 0.25 + mainline_out * 15) / 1_000_000
        records.append(
            record
            | {"model": "gpt-5.4", "quality": "", "size": "", "input_text_tokens": mainline_in}
            | {"cached_input_tokens": cached, "output_tokens": mainline_out, "partial_image_tokens": 0}
            | {"cost_usd": f"{mainline_cost:.6f}"}
        )
    return job, records


def seed(user_ids: list[int]) -> tuple[int, float]:
    """COPY the jobs, then their usage records; returns how many jobs and the seconds it took."""
    started = time.perf_counter()
    from studio.models import GenerationJob, UsageRecord

    rng = random.Random(7)
    now = datetime.now(UTC)
    blank = {"job": column_defaults(GenerationJob), "usage": column_defaults(UsageRecord)}
    del blank["usage"]["id"]
    jobs, usage = [], []
    while len(usage) < RECORDS:
        job, records = job_and_usage(rng, len(jobs) + 1, rng.choice(user_ids), now, blank)
        jobs.append(job)
        usage.extend(records[: RECORDS - len(usage)])
    with psycopg.connect(f"{SERVER}/{DATABASE}") as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY studio_generationjob ({', '.join(blank['job'])}) FROM STDIN") as copy:
            for job in jobs:
                copy.write_row(list(job.values()))
        cursor.execute("SELECT setval('studio_generationjob_id_seq', %s)", [len(jobs)])
        with cursor.copy(f"COPY studio_usagerecord ({', '.join(blank['usage'])}) FROM STDIN") as copy:
            for record in usage:
                copy.write_row(list(record.values()))
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")
    return len(jobs), time.perf_counter() - started


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
        job_count, seconds = seed([user.pk for user in users])
        print(f"seeded {RECORDS:,} usage records and {job_count:,} jobs in {seconds:.1f} s")

        client = Client()
        client.force_login(admin)
        usage_url, jobs_url = "/admin/studio/usagerecord/", "/admin/studio/generationjob/"
        month = datetime.now(UTC)
        cases = [
            ("usage", "unfiltered", usage_url, {}),
            ("usage", "one user", usage_url, {"owner__id__exact": users[3].pk}),
            ("usage", "model + quality", usage_url, {"model": "gpt-image-2", "quality": "high"}),
            (
                "usage",
                "one month",
                usage_url,
                {"created_at__year": month.year, "created_at__month": month.month},
            ),
            ("usage", "search by user", usage_url, {"q": "designer07"}),
            *(("usage", f"search {name}", usage_url, {"q": words}) for name, words in SEARCHES.items()),
            ("usage", "CSV, one user", None, None),
            ("jobs", "unfiltered", jobs_url, {}),
            *(("jobs", f"search {name}", jobs_url, {"q": words}) for name, words in SEARCHES.items()),
        ]
        print(f"{'list':<6} {'case':<28} {'median ms':>10}")
        results = {}
        for page, name, url, params in cases:
            if url is None:
                started = time.perf_counter()
                response = client.get(usage_url + "export.csv", {"owner__id__exact": users[5].pk})
                lines = sum(1 for _ in response.streaming_content)
                results[page, name] = (time.perf_counter() - started) * 1000
                print(f"{page:<6} {name:<28} {results[page, name]:>10.0f}   ({lines - 1:,} rows)")
                continue
            results[page, name] = timed_get(client, url, params)
            print(f"{page:<6} {name:<28} {results[page, name]:>10.0f}")
        usage_search = max(results["usage", f"search {name}"] for name in SEARCHES)
        job_search = max(results["jobs", f"search {name}"] for name in SEARCHES)
        print(
            f"changelist_ms_at_1m={results['usage', 'unfiltered']:.0f} "
            f"usage_search_ms={usage_search:.0f} job_search_ms={job_search:.0f}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not KEEP:
            drop_database()


if __name__ == "__main__":
    main()
