"""The rooms keep their doors: the import-linter contracts in pyproject.toml hold, and they do catch a
cycle or a wrong-way import when one is added (checked on a copy of the code)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def copy_of_the_code(tmp_path) -> Path:
    for name in ("studio", "conversations"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(module: Path, line: str) -> None:
    module.write_text(module.read_text() + f"\n{line}  # noqa\n")


def test_the_contracts_hold():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


def test_a_cycle_between_core_modules_breaks_a_contract(copy_of_the_code):
    # The worker imports jobs; jobs importing the worker back would close a cycle.
    add_import(copy_of_the_code / "studio/core/jobs.py", "from studio.core import worker")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert "No import cycles between sibling modules" in result.stdout.split("Broken contracts")[1]


def test_the_core_importing_a_page_breaks_the_layers(copy_of_the_code):
    add_import(copy_of_the_code / "studio/core/pricing.py", "import studio.forms")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert "studio.core.pricing -> studio.forms" in result.stdout


def test_only_the_client_module_may_import_the_sdk(copy_of_the_code):
    add_import(copy_of_the_code / "studio/core/jobs.py", "import openai")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert "studio.core.jobs -> openai" in result.stdout


def test_no_template_reads_a_jobs_stored_request():
    """Templates read our typed fields (`job.prompt`, `job|spec`), never the JSON a job stores."""
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "templates").rglob("*.html")
        if "job.request" in path.read_text() or "request[" in path.read_text()
    ]
    assert offenders == []
