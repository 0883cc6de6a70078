"""Shared fixtures. Tests run against real PostgreSQL: the embedded server, or DATABASE_URL."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_DIR = FIXTURES / "sample"
SEED = SAMPLE_DIR / "000_moscow_times_seed.txt"
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Static files as production serves them: hashed names in a manifest, via whitenoise."""
    from django.conf import settings

    settings.STATIC_ROOT = tmp_path_factory.mktemp("staticfiles")
    call_command("collectstatic", "--no-input", verbosity=0)
    return settings.STATIC_ROOT


@pytest.fixture
def seed_path() -> Path:
    return SEED


@pytest.fixture
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "news-articles-2016-2017.csv").exists():
        pytest.skip(f"the shared corpus is not at {SHARED_CORPUS} (corpus-scale test)")
    return SHARED_CORPUS


@dataclass
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int


@pytest.fixture
def run_import():
    """Run `import_articles` as an editor would; return its output and exit code."""

    def run(*args: str | Path) -> CommandResult:
        stdout, stderr = io.StringIO(), io.StringIO()
        try:
            call_command(
                "import_articles", *map(str, args), "--no-progress", stdout=stdout, stderr=stderr
            )
            exit_code = 0
        except CommandError as error:
            stderr.write(str(error))
            exit_code = error.returncode
        return CommandResult(stdout.getvalue(), stderr.getvalue(), exit_code)

    return run
