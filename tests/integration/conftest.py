"""Fixtures shared by the integration tests (the databases themselves are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard.settings import Settings


@pytest.fixture
def city(engine: Engine, tmp_path: Path) -> Engine:
    """The demo city (seed 7) on either database."""
    from dashboard.demo import seed_if_empty

    settings = Settings.from_env({"GASCC_TILE_URL": "none"}, demo=True, data_dir=tmp_path)
    seed_if_empty(engine, settings, scale="demo", seed=7)
    return engine
