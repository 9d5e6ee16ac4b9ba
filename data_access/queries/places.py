"""Places from the registry for the new-incident form: a caller names a filling station, an
enterprise, a team's base or a customer number, and the desk gets its coordinates and address.

Registry objects have no postal address; the address offered is the district and the name,
which the officer can refine before submitting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, select

from dashboard.domain.roles import Scope
from data_access.models import Customer, District, Enterprise, Site, Team
from data_access.projections.batch import district_locator
from data_access.scope import scoped

SEARCH_LIMIT = 10
MAX_TEXT = 100


@dataclass(frozen=True, slots=True)
class Place:
    """A registry object the desk may file an incident at."""

    kind: str  # site | enterprise | team | customer
    id: str
    label: str
    lat: float
    lon: float
    address: str  # the district and the name: the officer may refine it


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _named(model: Any, text: str, scope: Scope, limit: int) -> Select:
    """Objects of `model` whose name contains `text` (case-insensitively), with a location."""
    query = (
        select(
            model.id,
            model.name.label("name"),
            model.lat,
            model.lon,
            District.name_zh.label("district_name"),
        )
        .join(District, District.code == model.district)
        .where(model.name.ilike(_like(text), escape="\\"))
        .where(model.lat.is_not(None), model.lon.is_not(None))
        .order_by(model.name, model.id)
        .limit(limit)
    )
    return scoped(query, scope, model)


def _customer(text: str, scope: Scope) -> Select:
    """A customer by its exact number: millions of them, so no substring search."""
    query = (
        select(
            Customer.id,
            Customer.id.label("name"),
            Customer.lat,
            Customer.lon,
            District.name_zh.label("district_name"),
        )
        .join(District, District.code == Customer.district)
        .where(Customer.id == text)
    )
    return scoped(query, scope, Customer)


def search_places(
    engine: Engine, text: str, scope: Scope, limit: int = SEARCH_LIMIT
) -> list[Place]:
    """Up to `limit` places matching `text`, in scope: sites, enterprises, team bases, then a
    customer by number."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text or limit <= 0:
        return []
    searches = (
        ("site", _named(Site, text, scope, limit)),
        ("enterprise", _named(Enterprise, text, scope, limit)),
        ("team", _named(Team, text, scope, limit)),
        ("customer", _customer(text, scope)),
    )
    places: list[Place] = []
    with engine.connect() as connection:
        for kind, query in searches:
            for row in connection.execute(query):
                places.append(
                    Place(
                        kind=kind,
                        id=row.id,
                        label=row.name,
                        lat=float(row.lat),
                        lon=float(row.lon),
                        address=f"{row.district_name} {row.name}",
                    )
                )
                if len(places) >= limit:
                    return places
    return places


def district_of(engine: Engine, lat: float, lon: float) -> str | None:
    """The district an incident at (lat, lon) will be filed under: the same rule the incident
    projection applies (the district containing it, else the nearest)."""
    with engine.connect() as connection:
        return district_locator(connection).locate(lat, lon)
