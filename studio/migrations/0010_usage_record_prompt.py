"""Usage records carry their job's prompt, with a trigram index on PostgreSQL (SQLite: no index), so that the
usage list's prompt search reads the records alone: searching through the jobs read a few hundred MB of them
past the default `shared_buffers` for a common word, and a join cannot combine the indexes of two tables.

The existing records are filled by one UPDATE ... FROM (PostgreSQL, and SQLite since 3.33): a hash join, about
half a minute for a million records. It leaves as many dead rows, which autovacuum makes room of.
"""

from django.db import migrations, models

FILL = (
    "UPDATE studio_usagerecord SET prompt = studio_generationjob.prompt FROM studio_generationjob "
    "WHERE studio_generationjob.id = studio_usagerecord.job_id"
)


def fill_and_index(apps, schema_editor):
    schema_editor.execute(FILL)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS studio_usage_prompt_trgm ON studio_usagerecord "
            "USING gin (upper(prompt) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS studio_usage_prompt_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0009_job_waits_for"),
    ]

    operations = [
        migrations.AddField(
            model_name="usagerecord",
            name="prompt",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Its job's prompt, copied when recorded: the admin searches records without reading jobs.",
            ),
        ),
        migrations.RunPython(fill_and_index, drop_index, elidable=False),
    ]
