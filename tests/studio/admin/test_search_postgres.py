"""On PostgreSQL, the admin's searches are answered by the indexes of migrations 0006, 0010 and 0011 (`make test` runs these
with DATABASE_URL pointing at the machine's PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory

from studio.models import GenerationJob, UsageRecord

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("run by make test's PostgreSQL pass (DATABASE_URL=postgres://...)")


def plan(queryset) -> str:
    """The plan PostgreSQL would choose if it could not read a whole table or index in order (the test
    tables are tiny, so it would): what is left are the indexes that can answer the conditions themselves."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        for method in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def searched(model, words: str):
    request = RequestFactory().get("/", {"q": words})
    queryset, _ = admin.site._registry[model].get_search_results(request, model.objects.all(), words)
    return queryset


def test_the_migration_made_the_trigram_indexes_and_the_day_statistics():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'studio_%%'")
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT stxname FROM pg_statistic_ext")
        statistics = {row[0] for row in cursor.fetchall()}
    assert "gin (upper(prompt) gin_trgm_ops)" in indexes["studio_job_prompt_trgm"]
    assert "gin (upper(prompt) gin_trgm_ops)" in indexes["studio_usage_prompt_trgm"]
    assert "gin (upper((username)::text) gin_trgm_ops)" in indexes["studio_user_username_trgm"]
    assert "studio_job_upstream_request_id" in indexes
    assert "studio_usage_local_day" in statistics


def test_a_prompt_search_of_the_usage_list_reads_the_records_alone(alice):
    usage_plan = plan(searched(UsageRecord, "lighthouse watercolour"))
    assert "studio_usage_prompt_trgm" in usage_plan
    assert "studio_generationjob" not in usage_plan


def test_a_search_by_user_or_prompt_of_the_usage_list_combines_both_indexes(alice):
    usage_plan = plan(searched(UsageRecord, "alice"))
    assert "studio_usage_prompt_trgm" in usage_plan and "owner_id" in usage_plan
    assert "Seq Scan" not in usage_plan


def test_the_block_counts_of_a_search_read_the_blocked_jobs_alone(alice):
    request = RequestFactory().get("/", {"q": "lighthouse"})
    usage_admin = admin.site._registry[UsageRecord]
    jobs, _ = usage_admin.get_search_results(request, GenerationJob.objects.all(), "lighthouse")
    assert "studio_job_blocked" in plan(jobs.filter(error_code="moderation_blocked"))


def test_every_part_of_a_job_search_has_an_index(alice):
    job_plan = plan(searched(GenerationJob, "req_0123"))
    for index in ("studio_job_prompt_trgm", "studio_job_error_code_trgm", "studio_job_upstream_request_id"):
        assert index in job_plan
    assert "Seq Scan" not in job_plan


def test_the_username_lookup_is_answered_by_its_trigram_index(django_user_model):
    users = django_user_model.objects.filter(username__icontains="designer07")
    assert "studio_user_username_trgm" in plan(users)
