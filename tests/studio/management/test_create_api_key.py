"""`manage.py create_api_key USERNAME [--name NAME]` prints a working key alone on its last line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from studio.core.api_keys import find_key

pytestmark = pytest.mark.django_db


def test_it_prints_a_key_alone_on_its_last_line(alice):
    out = io.StringIO()
    call_command("create_api_key", "alice", "--name", "deploys", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    key = find_key(raw)
    assert key is not None
    assert (key.owner, key.name) == (alice, "deploys")


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("create_api_key", "nobody")
