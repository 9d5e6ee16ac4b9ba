"""Places from the registry for the new-incident form: a caller names a filling station, an
enterprise, a team's base or a customer number, and the desk gets its coordinates and address.

Registry objects have no postal address; the address offered is the district and the name,
which the officer can refine before submitting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, select

from dashboard.domain.roles import Scope
from data_access.models import Customer, District, Enterprise, Site, Team
from data_access.projections.batch import district_locator

SEARCH_LIMIT = 10
MAX_TEXT = 100


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in_scope(query: Select, model: Any, owner: Any, scope: Scope) -> Select:
    """`owner`: the column naming the enterprise an object belongs to."""
    if scope.district is not None:
        query = query.where(model.district == scope.district)
    if scope.enterprise_id is not None:  # an enterprise's own places only
        query = query.where(owner == scope.enterprise_id)
    return query


def _named(model: Any, owner: Any, text: str, scope: Scope, limit: int) -> Select:
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
    return _in_scope(query, model, owner, scope)


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
    return _in_scope(query, Customer, Customer.enterprise_id, scope)


def search_places(
    engine: Engine, text: str, scope: Scope, limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """Up to `limit` places matching `text`, in scope: sites, enterprises, team bases, then a
    customer by number. Each is {kind, id, label, lat, lon, address}."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text or limit <= 0:
        return []
    searches = (
        ("site", _named(Site, Site.enterprise_id, text, scope, limit)),
        ("enterprise", _named(Enterprise, Enterprise.id, text, scope, limit)),
        ("team", _named(Team, Team.owner_id, text, scope, limit)),
        ("customer", _customer(text, scope)),
    )
    places: list[dict[str, Any]] = []
    with engine.connect() as connection:
        for kind, query in searches:
            for row in connection.execute(query):
                places.append(
                    {
                        "kind": kind,
                        "id": row.id,
                        "label": row.name,
                        "lat": float(row.lat),
                        "lon": float(row.lon),
                        "address": f"{row.district_name} {row.name}",
                    }
                )
                if len(places) >= limit:
                    return places
    return places


def district_of(engine: Engine, lat: float, lon: float) -> str | None:
    """The district an incident at (lat, lon) will be filed under: the same rule the incident
    projection applies (the district containing it, else the nearest)."""
    with engine.connect() as connection:
        return district_locator(connection).locate(lat, lon)
