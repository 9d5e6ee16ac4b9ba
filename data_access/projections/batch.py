"""The working set of one append batch: rows loaded once, changed in memory, written once.

Every table a batch touches is read with a few IN queries before the first event is applied
(`TableCache.load`), changed in Python while the events are applied in order, and written back at
the end with one executemany INSERT for new rows and one executemany UPDATE for changed rows
(`TableCache.flush`). The open findings the batch's events may resolve are kept alike
(`OpenFindings`; findings.py raises and resolves them). The caller holds the single-writer lock for
the whole transaction, so what was read cannot change underneath.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import Connection, Table, bindparam, func, select

from dashboard.domain.events import Event
from data_access.bulk import insert_rows, select_rows, update_rows
from data_access.models import (
    AreaCount,
    Base,
    District,
    Finding,
    HazardNotice,
    HazardStatusChange,
    IncidentNotification,
    IncidentTimelineEntry,
    NotificationRequest,
    table_of,
)
from data_access.projections import tallies

CHUNK = 1000  # keys per IN query: far below SQLite's and PostgreSQL's parameter limits

# In foreign-key order: a table is written only after the tables it refers to.
CACHED_TABLES: tuple[tuple[str, str], ...] = (
    ("enterprises", "id"),
    ("sites", "id"),
    ("workers", "id"),
    ("customers", "id"),
    ("cylinders", "code"),
    ("pipeline_segments", "id"),
    ("sensors", "id"),
    ("teams", "id"),
    ("resources", "id"),
    ("cylinder_states", "code"),
    ("inspections", "id"),
    ("hazards", "id"),
    ("incidents", "id"),
    ("team_states", "team_id"),
    ("incident_dispatches", "id"),
    ("alarms", "id"),
    ("complaints", "id"),
    ("safety_checks", "seq"),  # insert-only: one row per check, never loaded
    ("excavations", "id"),
    ("violations", "id"),
    ("violation_points", "id"),
)

ACTIVE_ALARM = ("raised", "acknowledged")
_FINDINGS = table_of(Finding)
_RESOLUTION = ("resolved", "resolved_at", "resolved_seq", "resolution")  # what resolving changes


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class TableCache:
    """Rows of one table by primary key: None means known to be absent."""

    def __init__(self, table: Table, key: str) -> None:
        self.table, self.key = table, key
        self.rows: dict[Any, dict[str, Any] | None] = {}
        self._stored: set[Any] = set()
        self._new: dict[Any, None] = {}  # insertion-ordered set
        self._dirty: dict[Any, None] = {}

    def load(self, connection: Connection, keys: Iterable[Any]) -> None:
        rows = self.rows
        missing = list({k for k in keys if k is not None and k not in rows})
        for chunk in chunks(missing):
            for row in select_rows(connection, self.table, self.key, chunk):
                self.add_loaded(row)
        for key in missing:
            self.rows.setdefault(key, None)

    def add_loaded(self, row: dict[str, Any]) -> None:
        key = row[self.key]
        if key not in self._stored and key not in self._new:
            self.rows[key] = row
            self._stored.add(key)

    def get(self, key: Any) -> dict[str, Any] | None:
        return self.rows.get(key) if key is not None else None

    def put(self, row: dict[str, Any]) -> None:
        """Store a new or changed row (the same dict may be changed and put again)."""
        key = row[self.key]
        self.rows[key] = row
        if key in self._stored:
            self._dirty[key] = None
        else:
            self._new[key] = None

    def flush(self, connection: Connection) -> None:
        # Rows hold every column (loaded with select(table) or built whole by the projections).
        table, rows = self.table, self.rows
        columns = [column.name for column in table.columns]
        insert_rows(connection, table, [rows[k] for k in self._new], columns)  # type: ignore[misc]
        changed = [name for name in columns if name != self.key]
        dirty = [rows[k] for k in self._dirty]
        update_rows(connection, table, dirty, changed, self.key)  # type: ignore[arg-type]
        self._stored.update(self._new)
        self._new.clear()
        self._dirty.clear()


class OpenFindings:
    """Open findings of this batch's subjects by (kind, subject), stored or raised in it."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._loaded: set[str] = set()  # subjects whose stored open findings were read
        self._resolved: list[dict[str, Any]] = []  # stored rows resolved in this batch

    def load(self, connection: Connection, subjects: Iterable[str | None]) -> None:
        missing = sorted({s for s in subjects if s is not None and s not in self._loaded})
        for chunk in chunks(missing):
            query = select(_FINDINGS).where(
                _FINDINGS.c.subject_id.in_(chunk), _FINDINGS.c.resolved.is_(False)
            )
            for row in connection.execute(query).mappings():
                self.add(dict(row))
        self._loaded.update(missing)

    def add(self, row: dict[str, Any]) -> None:
        self.open.setdefault((row["kind"], row["subject_id"]), []).append(row)

    def pop(self, kind: str, subject_id: str) -> list[dict[str, Any]]:
        return self.open.pop((kind, subject_id), [])

    def mark_stored(self, row: dict[str, Any]) -> None:
        """A row read from the table changed: written back at flush (new rows are inserted)."""
        if row.get("id") is not None:
            self._resolved.append(row)

    def flush(self, connection: Connection) -> None:
        update_rows(connection, _FINDINGS, self._resolved, _RESOLUTION, "id")
        self._resolved.clear()


class Batch:
    """Projection state for one batch, plus the callback that appends system events to the log."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.tables = {
            name: TableCache(Base.metadata.tables[name], key) for name, key in CACHED_TABLES
        }
        # sensor id -> id of its active alarm, for the sensors of this batch
        self.active_alarm: dict[str, str | None] = {}
        self.counts: dict[tuple[str, str], int] = {}  # (district, metric) -> change
        self.cell_counts: dict[tuple[str, str], int] = {}  # (grid cell, metric) -> change
        self.findings: list[dict[str, Any]] = []
        self.open_findings = OpenFindings()  # what this batch's events may resolve
        self.history: list[dict[str, Any]] = []
        self.hazard_numbers: dict[str, int] = {}  # number series -> last number given
        self.timeline: list[dict[str, Any]] = []  # incident_timeline rows
        self.notifications: list[dict[str, Any]] = []  # incident_notifications rows
        self.requests: list[dict[str, Any]] = []  # notification_requests rows (the outbox)
        self.hazard_notices: list[dict[str, Any]] = []  # hazard_notices rows (escalations)
        self.tallies: Counter[tallies.Key] = Counter()  # daily_tallies increments (tallies.py)
        self.districts = district_locator(connection)
        # Set by the event log: appends a system event after the current one, returns its seq.
        self.emit: Callable[[Event], int] = _no_emit

    def __getitem__(self, name: str) -> TableCache:
        return self.tables[name]

    def count(self, district: str | None, metric: str, delta: int) -> None:
        if district is not None and delta:
            key = (district, metric)
            self.counts[key] = self.counts.get(key, 0) + delta

    def count_cell(self, cell: str | None, metric: str, delta: int) -> None:
        """Like `count`, for a grid cell's area count (area_type "grid")."""
        if cell is not None and delta:
            key = (cell, metric)
            self.cell_counts[key] = self.cell_counts.get(key, 0) + delta

    def nearest_district(self, lat: float | None, lon: float | None) -> str | None:
        """The district a point lies in (the nearest one for a point outside them all)."""
        if lat is None or lon is None:
            return None
        return self.districts.locate(lat, lon)

    def load_active_alarms(self, sensor_ids: Iterable[str]) -> None:
        missing = sorted({s for s in sensor_ids if s not in self.active_alarm})
        alarms = self.tables["alarms"]
        table = alarms.table
        for chunk in chunks(missing):
            query = select(table).where(
                table.c.sensor_id.in_(chunk), table.c.status.in_(ACTIVE_ALARM)
            )
            for row in self.connection.execute(query).mappings():
                alarms.add_loaded(dict(row))
                self.active_alarm[row["sensor_id"]] = row["id"]
        for sensor_id in missing:
            self.active_alarm.setdefault(sensor_id, None)

    def flush(self) -> None:
        connection = self.connection
        for cache in self.tables.values():
            cache.flush(connection)
        for table, rows in (
            (table_of(Finding), self.findings),
            (table_of(HazardStatusChange), self.history),
            (table_of(IncidentTimelineEntry), self.timeline),
            (table_of(IncidentNotification), self.notifications),
            (table_of(NotificationRequest), self.requests),
            (table_of(HazardNotice), self.hazard_notices),
        ):
            if rows:
                insert_rows(connection, table, rows, list(rows[0]))
        self.open_findings.flush(connection)
        tallies.write(connection, self.tallies)
        self._flush_counts()

    def _flush_counts(self) -> None:
        self._flush_area_counts("district", self.counts)
        self._flush_area_counts("grid", self.cell_counts)

    def _flush_area_counts(self, area_type: str, counts: dict[tuple[str, str], int]) -> None:
        if not counts:
            return
        table = table_of(AreaCount)
        codes = sorted({code for code, _ in counts})
        existing: dict[tuple[str, str], int] = {}
        for chunk in chunks(codes):
            query = select(table.c.area_code, table.c.metric, table.c.value).where(
                table.c.area_type == area_type, table.c.area_code.in_(chunk)
            )
            for code, metric, value in self.connection.execute(query):
                existing[(code, metric)] = value
        inserts, updates = [], []
        for (code, metric), delta in counts.items():
            if (code, metric) in existing:
                value = existing[(code, metric)] + delta
                updates.append({"b_code": code, "b_metric": metric, "b_value": max(value, 0)})
            else:
                row = {"area_type": area_type, "area_code": code, "metric": metric}
                inserts.append({**row, "value": max(delta, 0)})
        if inserts:
            self.connection.execute(table.insert(), inserts)
        if updates:
            update = (
                table.update()
                .where(
                    table.c.area_type == area_type,
                    table.c.area_code == bindparam("b_code"),
                    table.c.metric == bindparam("b_metric"),
                )
                .values(value=bindparam("b_value"))
            )
            self.connection.execute(update, updates)
        counts.clear()


def _no_emit(event: Event) -> int:
    raise RuntimeError("this batch cannot append system events")


class DistrictLocator:
    """Point-in-polygon over the districts' outlines, with the nearest centroid as a fallback."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._shapes: list[tuple[str, Any]] = []
        self._centroids: dict[str, tuple[float, float]] = {}
        for code, lat, lon, geometry in rows:
            shape = shapely.geometry.shape(geometry)
            shapely.prepare(shape)
            self._shapes.append((code, shape))
            self._centroids[code] = (lat, lon)

    def __bool__(self) -> bool:
        return bool(self._shapes)

    def __contains__(self, code: object) -> bool:
        return code in self._centroids

    def locate(self, lat: float, lon: float) -> str | None:
        for code, shape in self._shapes:
            if shapely.contains_xy(shape, lon, lat):
                return code
        if not self._centroids:
            return None
        scale = math.cos(math.radians(lat))
        return min(
            self._centroids,
            key=lambda c: (
                (self._centroids[c][0] - lat) ** 2 + ((self._centroids[c][1] - lon) * scale) ** 2
            ),
        )


# District outlines change only when a city is re-seeded; build each database's locator once.
_locators: dict[tuple[str, int], DistrictLocator] = {}


def district_locator(connection: Connection) -> DistrictLocator:
    count = connection.scalar(select(func.count()).select_from(District)) or 0
    key = (connection.engine.url.render_as_string(hide_password=True), count)
    if key not in _locators:
        rows = connection.execute(
            select(District.code, District.centroid_lat, District.centroid_lon, District.geometry)
        )
        _locators[key] = DistrictLocator(rows)
    return _locators[key]
