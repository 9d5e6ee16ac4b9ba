"""Small look-ups in the registry."""

from __future__ import annotations

from sqlalchemy import Engine, select

from data_access.models import Enterprise


def first_enterprise_id(engine: Engine, kind: str = "bottled") -> str | None:
    """The first enterprise of a kind, by id: the demo binds its enterprise login to it."""
    query = select(Enterprise.id).where(Enterprise.kind == kind).order_by(Enterprise.id).limit(1)
    with engine.connect() as connection:
        return connection.scalar(query)
