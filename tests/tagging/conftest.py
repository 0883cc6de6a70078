"""The tagger is pure Python: its tests need no database and no static files.

Overrides the session-wide `collected_static` fixture of tests/conftest.py (which needs
Django settings) so that `pytest tests/tagging -p no:django` runs anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from articles.tagging import Gazetteer, default_gazetteer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLD = FIXTURES / "tagging_gold.jsonl"
SEED = FIXTURES / "sample" / "000_moscow_times_seed.txt"


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Nothing to collect for pure-Python tests."""
    return None


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return default_gazetteer()
