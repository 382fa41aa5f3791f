"""The usage list counts moderation blocks over the jobs its filters pick: a partial index of the few blocked
jobs, so the count does not read every job (and a prompt search checks only the blocked ones)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0010_usage_record_prompt"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="generationjob",
            index=models.Index(
                condition=models.Q(("error_code", "moderation_blocked")),
                fields=["blocked_stage", "block_resolution"],
                name="studio_job_blocked",
            ),
        ),
    ]
