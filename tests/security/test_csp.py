"""The Content-Security-Policy is sent on every page, and nothing of ours needs an exception to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
# What a policy without 'unsafe-inline' blocks: <script> without src, <style>, style="", onclick= and the like.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/studio/", "/gallery/", "/admin/"])
def test_every_page_carries_the_policy(admin_client, path):
    policy = admin_client.get(path).headers["Content-Security-Policy"]
    for directive in EXPECTED:
        assert directive in policy


def test_the_login_page_carries_the_policy_for_visitors(client):
    assert "script-src 'self'" in client.get("/accounts/login/").headers["Content-Security-Policy"]


@pytest.mark.parametrize("template", sorted((ROOT / "templates").rglob("*.html")), ids=lambda path: path.name)
def test_no_template_has_inline_script_or_style(template):
    assert INLINE.findall(template.read_text()) == []


def test_no_html_made_in_python_has_inline_style():
    modules = [path for path in (ROOT / "studio").rglob("*.py") if "emulator" not in path.parts]
    modules += list((ROOT / "conversations").rglob("*.py"))
    for module in modules:
        for html in re.findall(r"format_html\(\s*['\"](.*?)['\"]", module.read_text()):
            assert not INLINE.search(html), f"{module.name}: {html}"
