"""The emulator through the official Node SDK (tests/node/check_emulator.mjs), pinned in tests/node/package.json.

It skips when Node or npm is missing or the SDK cannot be installed; a failing check is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
MINIMUM_NODE = 20


def run(
    command: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=NODE_DIR, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def tail(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr).strip()[-800:]


@pytest.fixture(scope="module")
def node_sdk() -> str:
    """The `node` to run the check with, once the pinned SDK is installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed for the Node SDK check (node or npm is not on PATH)")
    version = run([node, "--version"], timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MINIMUM_NODE:
        pytest.skip(f"the Node SDK check needs Node >= {MINIMUM_NODE}; this machine has {version}")
    if not (NODE_DIR / "node_modules" / "openai").is_dir():
        # The npm cache usually has the package already; only without it go to the registry.
        installed = run([npm, "ci", "--offline", "--no-audit", "--no-fund"], timeout=180)
        if installed.returncode != 0:
            installed = run([npm, "ci", "--no-audit", "--no-fund"], timeout=600)
        if installed.returncode != 0:
            pytest.skip(f"could not install the pinned openai npm package in tests/node: {tail(installed)}")
    return node


def test_the_node_sdk_meets_the_emulator_as_it_meets_openai(emulator, node_sdk):
    env = {**os.environ, "OPENAI_BASE_URL": emulator.base_url, "OPENAI_API_KEY": "sk-node"}

    result = run([node_sdk, "check_emulator.mjs"], timeout=180, env=env)

    assert result.returncode == 0, f"the Node SDK check failed:\n{tail(result)}"
    assert "all 5 checks passed" in result.stdout
