"""The job list's search: prompt, error code and user by any part; request and response ids whole."""

from __future__ import annotations

import pytest

from studio.models import GenerationJob
from tests.support.factories import make_finished_job

pytestmark = pytest.mark.django_db
URL = "/admin/studio/generationjob/"


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ada", password="admin-password-1"))
    return client


@pytest.fixture
def jobs(alice, charlie) -> list[GenerationJob]:
    lighthouse = make_finished_job(alice, prompt="a lighthouse at dusk, watercolour")
    fox = make_finished_job(charlie, prompt="a fox in the snow, watercolour")
    refused = make_finished_job(charlie, prompt="a poster")
    GenerationJob.objects.filter(pk=lighthouse.pk).update(upstream_request_id="req_0123abcd")
    GenerationJob.objects.filter(pk=fox.pk).update(response_id="resp_77ff")
    GenerationJob.objects.filter(pk=refused.pk).update(status="failed", error_code="moderation_blocked")
    return [lighthouse, fox, refused]


def found(staff_client, words: str) -> set[int]:
    return {job.pk for job in staff_client.get(URL, {"q": words}).context["cl"].result_list}


def test_it_finds_jobs_by_prompt_error_code_and_user(staff_client, jobs):
    lighthouse, fox, refused = (job.pk for job in jobs)
    assert found(staff_client, "watercolour") == {lighthouse, fox}
    assert found(staff_client, "Watercolour FOX") == {fox}
    assert found(staff_client, "moderation") == {refused}
    assert found(staff_client, "charlie") == {fox, refused}
    assert found(staff_client, "charlie poster") == {refused}


def test_request_and_response_ids_are_matched_whole(staff_client, jobs):
    lighthouse, fox, _ = (job.pk for job in jobs)
    assert found(staff_client, "req_0123abcd") == {lighthouse}
    assert found(staff_client, "resp_77ff") == {fox}
    assert found(staff_client, "0123") == set()


def test_the_search_box_says_what_it_searches(staff_client, jobs):
    assert b"request or response id" in staff_client.get(URL).content
