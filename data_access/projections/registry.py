"""Registry (master data) events: each `*.registered` upserts its registry row and keeps the
area counts the One Map's registry themes read.

A registration counts its row in `area_counts` in the same transaction: a new customer, site,
enterprise, cylinder, sensor or team +1 in its district (customers and sites also in their grid
cell), and a registration of a known row moves what changed (district, grid cell, a customer's
kind or real-name verification, a cylinder's enterprise, an enterprise's district together with
its cylinders). The counts are the difference between what the row counted before and after, so
the same registration arriving twice counts once. `data_access.registry.recount_area_counts` is
the seeding and repair path and computes the same numbers from the tables
(tests/integration/test_registry_themes.py compares them). Whether a cylinder is overdue depends
on the day, so that count is not kept here but computed when read
(data_access/queries/registry_themes.py).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator
from typing import Any
from weakref import WeakKeyDictionary

import shapely
import shapely.geometry
from sqlalchemy import Connection, func, select

from dashboard.domain.events import CUSTOMER_KINDS, Event, Rejection
from data_access.models import Cylinder, GridCell
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


def load(b: Batch, wanted: Wanted) -> None:
    """The enterprises of the cylinders registered again: a cylinder that changes hands leaves
    the count of its former enterprise's district."""
    cylinders = b["cylinders"]
    former = (cylinders.get(code) for code in wanted.keys["cylinders"])
    b["enterprises"].load(b.connection, {row["enterprise_id"] for row in former if row})


def apply(b: Batch, event: Event, seq: int, source: str) -> None:
    table, field = REGISTRY[event.type]
    data: Any = event.data
    key = getattr(data, field)
    fresh = _row(b, event, data)
    cache = b[table]
    old = cache.get(key)
    row = dict(old) if old is not None else {}
    row.update(fresh)
    for column in cache.table.columns:  # columns no event field fills
        row.setdefault(column.name, None)
    if table in ("customers", "sites"):
        row["grid_cell"] = _grid_cell(b, row, old)
    _recount(b, table, old, row)
    cache.put(row)
    if event.type == "cylinder.registered":
        _unblacken(b, key)
        _resolve_cylinder_findings(b, event, seq)


# --- the area counts of the registry themes -------------------------------------------------

AreaKey = tuple[str, str, str]  # (area type "district" | "grid", area code, metric)
# Per batch: enterprise id -> cylinders gained (or lost) in this batch, not yet in the table.
_cylinders_moved: WeakKeyDictionary[Batch, Counter[str]] = WeakKeyDictionary()
_batch_locators: WeakKeyDictionary[Batch, GridLocator] = WeakKeyDictionary()


def _recount(b: Batch, table: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Move the area counts from what the row counted before (`old`, None when new) to what it
    counts now: nothing moves when nothing that is counted changed."""
    before = list(_counted(b, table, old)) if old is not None else []
    after = list(_counted(b, table, new))
    if before != after:
        for area_key in before:
            _bump(b, area_key, -1)
        for area_key in after:
            _bump(b, area_key, 1)
    if table == "cylinders":
        moved = _cylinders_moved.setdefault(b, Counter())
        if old is not None:
            moved[old["enterprise_id"]] -= 1
        moved[new["enterprise_id"]] += 1
    if table == "enterprises" and old is not None and old["district"] != new["district"]:
        _move_cylinders(b, new["id"], old["district"], new["district"])


def _counted(b: Batch, table: str, row: dict[str, Any]) -> Iterator[AreaKey]:
    """The counts one registry row is part of, the way recount_area_counts counts it; areas the
    city does not know count nowhere."""
    district: str | None = row.get("district")
    if table == "cylinders":  # in its owning enterprise's district
        enterprise = b["enterprises"].get(row["enterprise_id"])
        district = enterprise["district"] if enterprise else None
    if district is None or district not in b.districts:
        return
    metric = _METRIC.get(table)
    if metric is None:
        return
    yield "district", district, metric
    if table == "customers":
        if row["real_name_verified"]:
            yield "district", district, "customers_real_name"
        if row["kind"] in CUSTOMER_KINDS:
            yield "district", district, f"customers_{row['kind']}"
    if table in ("customers", "sites") and row.get("grid_cell") is not None:
        yield "grid", row["grid_cell"], metric


# registry table -> its metric in area_counts (pipelines: their length, kept by the recount)
_METRIC = {
    "customers": "customers",
    "sites": "sites",
    "enterprises": "enterprises",
    "cylinders": "cylinders",
    "sensors": "sensors",
    "teams": "teams",
}


def _bump(b: Batch, area_key: AreaKey, delta: int) -> None:
    area_type, code, metric = area_key
    if area_type == "district":
        b.count(code, metric, delta)
    else:
        b.count_cell(code, metric, delta)


def _move_cylinders(b: Batch, enterprise_id: str, source: str, target: str) -> None:
    """An enterprise that moves district takes its cylinders' count along: those in the table
    plus those this batch registered to it (or took away) so far."""
    query = select(func.count()).where(Cylinder.enterprise_id == enterprise_id)
    stored = int(b.connection.scalar(query) or 0)
    owned = stored + _cylinders_moved.get(b, Counter())[enterprise_id]
    if source in b.districts:
        b.count(source, "cylinders", -owned)
    if target in b.districts:
        b.count(target, "cylinders", owned)


def _grid_cell(b: Batch, row: dict[str, Any], old: dict[str, Any] | None) -> str | None:
    """The grid cell of a customer or site: unchanged while its place is, else the cell of its
    district that holds its position (the nearest one of the district when none does)."""
    place = ("district", "lat", "lon")
    if old is not None and all(old[name] == row[name] for name in place):
        return old["grid_cell"]
    locator = _batch_locators.get(b)
    if locator is None:
        locator = _batch_locators[b] = grid_locator(b.connection)
    return locator.locate(row["district"], row["lat"], row["lon"])


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


class GridLocator:
    """The grid cell of a district that holds a point (its cells' bounding boxes first, then the
    prepared outline of the few whose box holds it), with the district's nearest cell centroid
    as a fallback (a point on an edge, or outside every cell)."""

    def __init__(self, rows: Any) -> None:
        # district -> [(code, min lon, min lat, max lon, max lat, prepared outline, lat, lon)]
        self._cells: dict[str, list[tuple[Any, ...]]] = {}
        for code, district_code, lat, lon, geometry in rows:
            shape = shapely.geometry.shape(geometry)
            shapely.prepare(shape)
            cell = (code, *shape.bounds, shape, lat, lon)
            self._cells.setdefault(district_code, []).append(cell)

    def locate(self, district_code: str | None, lat: float | None, lon: float | None) -> str | None:
        cells = self._cells.get(district_code or "")
        if not cells or lat is None or lon is None:
            return None
        for code, x0, y0, x1, y1, shape, _, _ in cells:
            if x0 <= lon <= x1 and y0 <= lat <= y1 and shapely.contains_xy(shape, lon, lat):
                return code
        scale = math.cos(math.radians(lat))
        nearest = min(cells, key=lambda c: (c[6] - lat) ** 2 + ((c[7] - lon) * scale) ** 2)
        return nearest[0]


# Grid cells change only when a city is re-seeded; build each database's locator once.
_grid_locators: dict[tuple[str, int], GridLocator] = {}


def grid_locator(connection: Connection) -> GridLocator:
    count = connection.scalar(select(func.count()).select_from(GridCell)) or 0
    key = (connection.engine.url.render_as_string(hide_password=True), count)
    if key not in _grid_locators:
        rows = connection.execute(
            select(
                GridCell.code,
                GridCell.district,
                GridCell.centroid_lat,
                GridCell.centroid_lon,
                GridCell.geometry,
            )
        )
        _grid_locators[key] = GridLocator(rows)
    return _grid_locators[key]


PROJECTION = Projection(
    apply=dict.fromkeys(REGISTRY, apply), wants=wants, check=check, district=district, load=load
)
