"""Fixtures shared by the integration tests (the databases themselves are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import DATABASES, engine_on_copy


@pytest.fixture(params=DATABASES)
def city(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The demo city (demo scale, seed 7, no logins) on either database: a copy of the run's
    template, seeded once."""
    yield from engine_on_copy(request, tmp_path, "city")
