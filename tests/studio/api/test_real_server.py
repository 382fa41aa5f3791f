"""The API through the real server (Daphne, the embedded job runner and webhook sender, the emulator with
latency): a script submits a generation, an edit with a mask and a two-turn conversation, polls them to the
end, fetches every image, and receives each job's signed webhook on a real local receiver, which it
verifies with `standardwebhooks`; a receiver that is down for a while gets the event once it is back."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from standardwebhooks import Webhook

from tests.support.daphne import start_atelier
from tests.support.emulator import start_emulator
from tests.support.images import alpha_mask, decode, solid
from tests.support.webhook_receiver import WebhookReceiver


class Script:
    """What an integration does, with nothing but the standard library."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key

    def call(self, method: str, path: str, body: dict | None = None, raw: bytes | None = None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=90) as answer:
                content = answer.read()
                kind = answer.headers.get("content-type", "")
                return answer.status, json.loads(content) if "json" in kind and content else content
        except urllib.error.HTTPError as failure:
            return failure.code, json.loads(failure.read())

    def upload(self, data: bytes, name: str) -> dict:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: image/png\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, answer = self.call(
            "POST",
            "/api/v1/uploads",
            raw=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert status == 201, answer
        return answer

    def until_finished(self, job: dict) -> dict:
        seen = [job["status"]]
        deadline = time.monotonic() + 120
        while job["status"] in ("queued", "running") and time.monotonic() < deadline:
            status, job = self.call("GET", f"{job['url']}?wait=30")
            assert status == 200, job
            seen.append(job["status"])
        assert job["status"] == "succeeded", (seen, job)
        return job

    def image_bytes(self, job: dict) -> list[bytes]:
        images = []
        for image in job["images"]:
            status, content = self.call("GET", image["url"])
            assert status == 200
            assert decode(content).size == (image["width"], image["height"])
            images.append(content)
        return images


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    emulator = start_emulator(latency=0.3)
    atelier = start_atelier(
        tmp_path_factory.mktemp("atelier-api"),
        env={
            "OPENAI_BASE_URL": emulator.base_url,
            "ATELIER_WEBHOOK_ALLOW_PRIVATE": "1",
            "ATELIER_DEMO_PASSWORD": "a-test-password-of-some-length",
        },
    )
    try:
        atelier.manage("ensure_designer")
        yield atelier
    finally:
        atelier.stop()
        emulator.stop()


@pytest.fixture(scope="module")
def script(server) -> Script:
    key = server.manage("create_api_key", "designer", "--name", "e2e").strip().splitlines()[-1]
    return Script(server.base_url, key)


@pytest.fixture
def receiver(script):
    with WebhookReceiver() as running:
        status, endpoint = script.call("POST", "/api/v1/webhooks", {"url": running.url})
        assert status == 201, endpoint
        running.secret = endpoint["secret"]
        yield running
        assert script.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}")[0] == 204


def events_for(receiver, job_ids: set[int], timeout: float = 30) -> dict[int, dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = {}
        for got in receiver.accepted():
            event = Webhook(receiver.secret).verify(got.body, got.headers)
            assert got.headers["webhook-id"] == event["id"]
            events[event["data"]["id"]] = event
        if job_ids <= set(events):
            return events
        time.sleep(0.1)
    raise AssertionError(f"events for {job_ids - set(events)} never arrived: {receiver.received}")


def test_a_script_generates_edits_and_converses_and_hears_of_each_job(script, receiver):
    status, generation = script.call(
        "POST", "/api/v1/jobs", {"prompt": "a jazz poster", "quality": "low", "partial_images": 2}
    )
    assert status == 202
    assert generation["status"] in ("queued", "running")  # the runner may have started it already
    generation = script.until_finished(generation)
    assert generation["partials"] == 2
    [poster] = script.image_bytes(generation)

    image = script.upload(solid((1024, 1024), (30, 60, 160)), "photo.png")
    mask = script.upload(alpha_mask((1024, 1024), (256, 256, 768, 768)), "mask.png")
    edit_body = {
        "kind": "edit",
        "prompt": "a moon in the middle",
        "quality": "low",
        "images": [image["id"]],
        "mask": mask["id"],
    }
    status, edit = script.call("POST", "/api/v1/jobs", edit_body)
    assert status == 202
    edit = script.until_finished(edit)
    assert script.image_bytes(edit)

    status, conversation = script.call("POST", "/api/v1/conversations", {"title": "Campaign"})
    assert status == 201
    turns_path = f"/api/v1/conversations/{conversation['id']}/turns"
    status, first = script.call("POST", turns_path, {"prompt": "a lighthouse at dusk", "quality": "low"})
    assert status == 202
    first_job = script.until_finished(first["job"])
    status, second = script.call("POST", turns_path, {"prompt": "make it stormy", "quality": "low"})
    second_job = script.until_finished(second["job"])
    status, chain = script.call("GET", f"/api/v1/conversations/{conversation['id']}")
    assert [turn["id"] for turn in chain["turns"]] == [first["turn"], second["turn"]]
    assert chain["turns"][1]["previous_response_id"] == chain["turns"][0]["response_id"]
    assert script.image_bytes(first_job) and script.image_bytes(second_job)

    job_ids = {generation["id"], edit["id"], first_job["id"], second_job["id"]}
    events = events_for(receiver, job_ids)
    assert {events[job_id]["type"] for job_id in job_ids} == {"job.succeeded"}
    assert all(events[job_id]["data"]["url"] == f"/api/v1/jobs/{job_id}" for job_id in job_ids)
    assert len({event["id"] for event in events.values()}) == len(events)


def test_a_receiver_down_for_a_while_gets_the_event_when_it_is_back(script, receiver):
    receiver.status = 503
    status, job = script.call("POST", "/api/v1/jobs", {"prompt": "a paper boat", "quality": "low"})
    job = script.until_finished(job)
    deadline = time.monotonic() + 20
    while not (refused := [got for got in receiver.received if got.event["data"]["id"] == job["id"]]):
        assert time.monotonic() < deadline, "the event was never attempted"
        time.sleep(0.05)
    refused_id = refused[0].headers["webhook-id"]
    receiver.status = 200
    event = events_for(receiver, {job["id"]}, timeout=20)[job["id"]]  # the first retry comes within 10 s
    assert event["id"] == refused_id


def test_a_cancelled_job_is_heard_of_too(script, receiver):
    status, job = script.call(
        "POST", "/api/v1/jobs", {"prompt": "a slow mural", "quality": "high", "partial_images": 3}
    )
    status, cancelled = script.call("POST", f"{job['url']}/cancel")
    if status == 409:  # it finished first: nothing to stop
        pytest.skip("the job finished before it could be cancelled")
    assert cancelled["status"] == "cancelled"
    assert events_for(receiver, {job["id"]})[job["id"]]["type"] == "job.cancelled"
