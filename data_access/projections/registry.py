"""Registry (master data) events: each `*.registered` upserts its registry row."""

from __future__ import annotations

import itertools
import math
from typing import Any

from dashboard.domain.events import Event, Rejection
from data_access.projections import findings
from data_access.projections.batch import Batch
from data_access.projections.findings import BLACK, OVERDUE
from data_access.projections.projection import Projection, Wanted
from data_access.registry import pipeline_box

# event type -> (cached table, id field of the event's data, its column)
REGISTRY: dict[str, tuple[str, str]] = {
    "enterprise.registered": ("enterprises", "enterprise_id"),
    "site.registered": ("sites", "site_id"),
    "worker.registered": ("workers", "worker_id"),
    "customer.registered": ("customers", "customer_id"),
    "cylinder.registered": ("cylinders", "code"),
    "pipeline.registered": ("pipeline_segments", "segment_id"),
    "sensor.registered": ("sensors", "sensor_id"),
    "team.registered": ("teams", "team_id"),
    "resource.registered": ("resources", "resource_id"),
}
# Registry rows whose enterprise is a foreign key.
_NEEDS_ENTERPRISE = frozenset({"site.registered", "worker.registered", "pipeline.registered"})
# Registry rows whose district is a foreign key to the city pack's districts.
_NEEDS_DISTRICT = frozenset({"enterprise.registered", "site.registered", "team.registered"})


def wants(event: Event, wanted: Wanted) -> None:
    table, field = REGISTRY[event.type]
    data = event.data
    keys = wanted.keys
    keys[table].add(getattr(data, field))
    keys["enterprises"].add(getattr(data, "enterprise_id", None))
    if event.type == "sensor.registered":
        keys["sites"].add(data.site_id)  # type: ignore[attr-defined]
        keys["pipeline_segments"].add(data.segment_id)  # type: ignore[attr-defined]
    if event.type == "cylinder.registered":
        keys["cylinder_states"].add(data.code)  # type: ignore[attr-defined]
        wanted.subjects.add(data.code)  # type: ignore[attr-defined]


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    data: Any = event.data
    if event.type in _NEEDS_ENTERPRISE and b["enterprises"].get(data.enterprise_id) is None:
        return Rejection(
            "unknown_reference",
            "data.enterprise_id",
            f"enterprise {data.enterprise_id!r} is not registered",
            event.id,
        )
    if event.type in _NEEDS_DISTRICT and data.district not in b.districts:
        return Rejection(
            "unknown_reference",
            "data.district",
            f"district {data.district!r} is not a district of this city",
            event.id,
        )
    if event.type in ("sensor.registered", "pipeline.registered") and district(b, event) is None:
        return Rejection(
            "unknown_reference",
            "data.lat" if event.type == "sensor.registered" else "data.coords",
            "no district of this city is known for this position",
            event.id,
        )
    return None


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if event.type == "worker.registered" or event.type == "cylinder.registered":
        enterprise = b["enterprises"].get(data.enterprise_id)
        return enterprise["district"] if enterprise else None
    if event.type == "sensor.registered":
        for table, key in (("sites", data.site_id), ("pipeline_segments", data.segment_id)):
            row = b[table].get(key)
            if row is not None:
                return row["district"]
        return b.nearest_district(data.lat, data.lon)
    if event.type == "pipeline.registered":
        enterprise = b["enterprises"].get(data.enterprise_id)
        if enterprise is not None:
            return enterprise["district"]
        return b.nearest_district(*data.coords[0])
    return getattr(data, "district", None)


def apply(b: Batch, event: Event, seq: int, source: str) -> None:
    table, field = REGISTRY[event.type]
    data: Any = event.data
    key = getattr(data, field)
    fresh = _row(b, event, data)
    cache = b[table]
    old = cache.get(key)
    row = dict(old) if old is not None else {}
    row.update(fresh)
    for column in cache.table.columns:  # columns no event field fills (e.g. grid_cell)
        row.setdefault(column.name, None)
    cache.put(row)
    if event.type == "cylinder.registered":
        _unblacken(b, key)
        _resolve_cylinder_findings(b, event, seq)


def _unblacken(b: Batch, code: str) -> None:
    """A registered cylinder is no longer black: its state and the map count follow."""
    state = b["cylinder_states"].get(code)
    if state is not None and state["is_black"]:
        state["is_black"] = False
        b["cylinder_states"].put(state)
        b.count(state["district"], "black_cylinders", -1)


def _resolve_cylinder_findings(b: Batch, event: Event, seq: int) -> None:
    """Registered now: not black any more; with dates in force, no longer overdue (findings.py)."""
    data: Any = event.data
    findings.resolve(b, event, seq, [BLACK], data.code, "registered")
    today = event.occurred_at.date()
    if data.next_inspection_due >= today and data.scrap_due >= today:
        note = (
            f"registered again: next inspection due {data.next_inspection_due}, "
            f"scrap due {data.scrap_due}"
        )
        findings.resolve(b, event, seq, [OVERDUE], data.code, note)


def _row(b: Batch, event: Event, data: Any) -> dict[str, Any]:
    kind = event.type
    if kind == "enterprise.registered":
        return _fields(
            data, "name", "kind", "district", "licence_no", "lat", "lon", id="enterprise_id"
        )
    if kind == "site.registered":
        return _fields(
            data, "enterprise_id", "kind", "name", "district", "lat", "lon", id="site_id"
        )
    fields: tuple[str, ...]
    if kind == "worker.registered":
        fields = ("enterprise_id", "role", "name", "certificate_no", "certificate_expires")
        return _fields(data, *fields, id="worker_id")
    if kind == "customer.registered":
        fields = ("kind", "district", "real_name_verified", "lat", "lon", "enterprise_id")
        return _fields(data, *fields, id="customer_id")
    if kind == "cylinder.registered":
        fields = (
            "code",
            "enterprise_id",
            "capacity_kg",
            "manufactured_on",
            "last_inspected_on",
            "next_inspection_due",
            "scrap_due",
        )
        return _fields(data, *fields)
    if kind == "pipeline.registered":
        row = _fields(data, "enterprise_id", "pressure_class", "material", "laid_year")
        coords = [[lat, lon] for lat, lon in data.coords]
        return {
            **row,
            "id": data.segment_id,
            "coords": coords,
            "length_m": _length_m(coords),
            "district": district(b, event),
            **pipeline_box(coords),
        }
    if kind == "sensor.registered":
        row = _fields(data, "kind", "site_id", "segment_id", "lat", "lon", "low", "high")
        return {**row, "id": data.sensor_id, "district": district(b, event)}
    if kind == "team.registered":
        fields = ("level", "owner_id", "district", "members", "capabilities", "lat", "lon")
        row = _fields(data, *fields, id="team_id")
        name = (data.model_extra or {}).get("name")
        return {**row, "name": name[:200] if isinstance(name, str) and name else data.team_id}
    fields = ("kind", "name", "team_id", "district", "lat", "lon", "skills")
    return _fields(data, *fields, id="resource_id")


def _fields(data: Any, *names: str, id: str | None = None) -> dict[str, Any]:
    row = {name: getattr(data, name) for name in names}
    if id is not None:
        row["id"] = getattr(data, id)
    return row


def _length_m(coords: list[list[float]]) -> float:
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(coords):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * 6_371_000 * math.asin(math.sqrt(h))
    return total


PROJECTION = Projection(
    apply=dict.fromkeys(REGISTRY, apply), wants=wants, check=check, district=district
)
