"""The records stored before usage records carried their job's prompt get it from the migration, so the usage
list's prompt search finds them as it did when it read the jobs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("studio", "0009_job_waits_for")]
AFTER = [("studio", "0010_usage_record_prompt")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_it_copies_each_jobs_prompt_onto_its_older_records():
    old = migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="old-timer")
    Job = old.get_model("studio", "GenerationJob")
    Record = old.get_model("studio", "UsageRecord")
    kite = Job.objects.create(owner_id=user.pk, kind="image_generate", prompt="a red kite")
    for job in (kite, None):
        Record.objects.create(owner_id=user.pk, job=job, api="images", model="gpt-image-2", quality="low")

    new = migrate(AFTER)
    Record = new.get_model("studio", "UsageRecord")
    assert sorted(Record.objects.values_list("prompt", flat=True)) == ["", "a red kite"]
