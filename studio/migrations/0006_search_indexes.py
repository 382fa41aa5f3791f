"""Indexes for the admin's searches and totals at a million records, on PostgreSQL only (SQLite: nothing).

The admin searches with `icontains`, which Django writes on PostgreSQL as `UPPER(col::text) LIKE UPPER(%s)`:
a trigram GIN index over `upper(col)` answers exactly that expression, with the substring semantics kept.
The ids that the job list matches whole get plain btree indexes. The statistics tell the planner how few days
the usage records span (by default it guesses one group per timestamp and sorts a million rows instead of
hashing ninety groups); they are for the day of `TIME_ZONE`, the zone Django groups by.
"""

from django.conf import settings
from django.db import migrations

TRIGRAM_INDEXES = {
    "studio_job_prompt_trgm": ("studio_generationjob", "prompt"),
    "studio_job_error_code_trgm": ("studio_generationjob", "error_code"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    quote = schema_editor.quote_name
    indexed = {**TRIGRAM_INDEXES, "studio_user_username_trgm": (users, "username")}
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for name, (table, column) in indexed.items():
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {name} ON {quote(table)} USING gin (upper({quote(column)}) gin_trgm_ops)"
        )
    statements += [
        "CREATE INDEX IF NOT EXISTS studio_job_upstream_request_id ON studio_generationjob (upstream_request_id)",
        "CREATE STATISTICS IF NOT EXISTS studio_usage_local_day "
        f"ON ((created_at AT TIME ZONE {schema_editor.quote_value(settings.TIME_ZONE)})::date) "
        "FROM studio_usagerecord",
    ]
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in (*TRIGRAM_INDEXES, "studio_user_username_trgm", "studio_job_upstream_request_id"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP STATISTICS IF EXISTS studio_usage_local_day")


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0005_api_keys_and_webhooks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
