"""Redis goes down under a running job: the job still ends `succeeded`, every failed send is logged and tried
again, a reload shows the truth and `/healthz` says "degraded". On a Redis of the test's own (started and
killed here on a free port), never the machine's."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers

from studio.core import broadcast
from studio.models import GenerationJob, ImageAsset
from tests.support.daphne import free_port
from tests.support.factories import make_conversation, send_turn

pytestmark = pytest.mark.django_db


class OwnRedis:
    """A redis-server on a free port, without persistence, that a test may kill and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def own_redis(settings):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = OwnRedis()
    redis.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{redis.port}/0"]},
        }
    }
    channel_layers.backends.clear()
    yield redis
    redis.kill()
    channel_layers.backends.clear()


def test_a_turn_finishes_when_redis_goes_down_under_it(
    alice, alice_client, emulator, settings, own_redis, caplog, django_capture_on_commit_callbacks
):
    settings.ATELIER_OPENAI_EXTRA_HEADERS = {"X-Emulator-Latency": "0.3"}  # a turn of a second or two
    assert alice_client.get("/healthz").json()["status"] == "ok"
    conversation = make_conversation(alice)
    killer = threading.Timer(0.4, own_redis.kill)  # while the turn streams its partial images
    killer.start()
    with caplog.at_level(logging.INFO, logger="studio.core.broadcast"):
        turn = send_turn(conversation, "a lighthouse in fog", django_capture_on_commit_callbacks)
    killer.join()
    job = turn.job
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert job.images.filter(kind=ImageAsset.Kind.FINAL).count() == 1
    assert "trying again" in caplog.text  # each send is tried again...
    assert "could not send job.updated" in caplog.text  # ...and given up on with a warning, not an error
    page = alice_client.get(conversation.get_absolute_url())
    assert f'id="turn-{turn.pk}" class="turn turn-succeeded"' in page.content.decode()
    health = alice_client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"


def test_a_send_that_fails_is_tried_again_and_goes_through_once_redis_is_back(own_redis, caplog):
    own_redis.kill()
    threading.Timer(0.05, own_redis.start).start()  # back before the second try (0.2 s after the first)
    with caplog.at_level(logging.INFO, logger="studio.core.broadcast"):
        sent = async_to_sync(broadcast.job_updated)(1, 2)
    assert sent
    assert "try 1 of 3 failed" in caplog.text
    assert "could not send" not in caplog.text
