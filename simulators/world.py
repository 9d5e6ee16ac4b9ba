"""The city the streams act on: the registry, read from the database (or generated offline).

`load_world(engine, pack)` is the only place where the simulators read SQL: it reads the registry
tables through `data_access.models` (SQLAlchemy Core selects), plus the current cylinder and team
states so that a second run continues where the first left the city. `offline_world(scale, pack,
seed)` builds the same world from `simulators.seed`'s generator without a database (the rows are
the ones `simulators seed` would write), for tests and for runs against a remote gateway.

Big cities are sampled: at most `max_customers` customers and `max_cylinders` cylinders are kept
(every k-th by id, deterministic); `World.totals` keeps the true counts so that the streams can
scale their natural volume back up to the whole city.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dashboard.citypack import CityPack

DEFAULT_MAX_CUSTOMERS = 200_000
DEFAULT_MAX_CYLINDERS = 300_000


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    code: str
    name_zh: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True, slots=True)
class Enterprise:
    id: str
    name: str
    kind: str
    district: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    enterprise_id: str
    kind: str
    name: str
    district: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Worker:
    id: str
    enterprise_id: str
    role: str
    name: str
    certificate_expires: date | None


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    kind: str
    district: str
    lat: float
    lon: float
    real_name: bool
    enterprise_id: str | None


@dataclass(frozen=True, slots=True)
class Cylinder:
    code: str
    enterprise_id: str
    capacity_kg: float
    next_inspection_due: date
    scrap_due: date

    def valid_until(self) -> date:
        return min(self.next_inspection_due, self.scrap_due)


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    enterprise_id: str
    district: str
    pressure_class: str
    coords: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Sensor:
    id: str
    kind: str
    site_id: str | None
    segment_id: str | None
    district: str
    lat: float
    lon: float
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    level: str
    owner_id: str
    district: str
    capabilities: tuple[str, ...]
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class CylinderState:
    """A cylinder's current stage as the command center knows it (cylinder_states)."""

    stage: str
    site_id: str | None
    holder_type: str | None
    holder_id: str | None


@dataclass
class World:
    pack: CityPack
    districts: list[DistrictInfo]
    enterprises: list[Enterprise]
    sites: list[Site]
    workers: list[Worker]
    customers: list[Customer]  # bottled-gas users and every non-household user (sampled)
    cylinders: list[Cylinder]  # sampled
    segments: list[Segment]
    sensors: list[Sensor]
    teams: list[Team]
    cylinder_states: dict[str, CylinderState] = field(default_factory=dict)
    team_status: dict[str, str] = field(default_factory=dict)  # team_id -> status, if not idle
    totals: dict[str, int] = field(default_factory=dict)  # true counts before sampling

    def __post_init__(self) -> None:
        self.enterprise = {e.id: e for e in self.enterprises}
        self.site = {s.id: s for s in self.sites}
        self.worker = {w.id: w for w in self.workers}
        self.customer = {c.id: c for c in self.customers}
        self.segment = {s.id: s for s in self.segments}
        self.district = {d.code: d for d in self.districts}
        self.sites_of: dict[str, list[Site]] = defaultdict(list)
        for s in self.sites:
            self.sites_of[s.enterprise_id].append(s)
        self.workers_of: dict[tuple[str, str], list[Worker]] = defaultdict(list)
        for w in self.workers:
            self.workers_of[(w.enterprise_id, w.role)].append(w)
        self.customers_of: dict[str, list[Customer]] = defaultdict(list)
        for c in self.customers:
            if c.enterprise_id is not None:
                self.customers_of[c.enterprise_id].append(c)
        self.cylinders_of: dict[str, list[Cylinder]] = defaultdict(list)
        for cyl in self.cylinders:
            self.cylinders_of[cyl.enterprise_id].append(cyl)
        self.sensors_of_segment: dict[str, list[Sensor]] = defaultdict(list)
        for sensor in self.sensors:
            if sensor.segment_id is not None:
                self.sensors_of_segment[sensor.segment_id].append(sensor)

    @property
    def bottled(self) -> list[Enterprise]:
        return [e for e in self.enterprises if e.kind == "bottled"]

    def scale_of(self, total_key: str, loaded: int) -> float:
        """How many real objects one loaded object stands for (1 when nothing was sampled)."""
        total = self.totals.get(total_key, loaded)
        return total / loaded if loaded else 1.0


# --- building ---------------------------------------------------------------------------------


def _districts(pack: CityPack) -> list[DistrictInfo]:
    return [
        DistrictInfo(d.code, d.name_zh, d.centroid[0], d.centroid[1], d.population)
        for d in pack.districts
    ]


def _stride(rows: list[Any], limit: int) -> list[Any]:
    """Every k-th row so that at most `limit` remain (deterministic, keeps the order)."""
    if limit <= 0 or len(rows) <= limit:
        return rows
    step = math.ceil(len(rows) / limit)
    return rows[::step]


def build_world(
    pack: CityPack,
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    max_customers: int = DEFAULT_MAX_CUSTOMERS,
    max_cylinders: int = DEFAULT_MAX_CYLINDERS,
    cylinder_states: Mapping[str, CylinderState] | None = None,
    team_status: Mapping[str, str] | None = None,
    totals: Mapping[str, int] | None = None,
) -> World:
    """A world from registry rows (dicts shaped like the registry tables' columns)."""
    enterprises = [
        Enterprise(r["id"], r["name"], r["kind"], r["district"], float(r["lat"]), float(r["lon"]))
        for r in tables["enterprises"]
    ]
    kinds = {e.id: e.kind for e in enterprises}
    sites = [
        Site(
            r["id"],
            r["enterprise_id"],
            r["kind"],
            r["name"],
            r["district"],
            float(r["lat"]),
            float(r["lon"]),
        )
        for r in tables["sites"]
    ]
    workers = [
        Worker(r["id"], r["enterprise_id"], r["role"], r["name"], r.get("certificate_expires"))
        for r in tables["workers"]
    ]
    customers_all = [
        Customer(
            r["id"],
            r["kind"],
            r["district"],
            float(r["lat"]),
            float(r["lon"]),
            bool(r["real_name_verified"]),
            r.get("enterprise_id"),
        )
        for r in tables["customers"]
        if kinds.get(r.get("enterprise_id")) == "bottled" or r["kind"] != "household"
    ]
    customers_all.sort(key=lambda c: c.id)
    cylinders_all = [
        Cylinder(
            r["code"],
            r["enterprise_id"],
            float(r["capacity_kg"]),
            r["next_inspection_due"],
            r["scrap_due"],
        )
        for r in tables["cylinders"]
    ]
    cylinders_all.sort(key=lambda c: c.code)
    segments = [
        Segment(
            r["id"],
            r["enterprise_id"],
            r["district"],
            r["pressure_class"],
            tuple((float(a), float(b)) for a, b in r["coords"]),
        )
        for r in tables["pipeline_segments"]
    ]
    sensors = [
        Sensor(
            r["id"],
            r["kind"],
            r.get("site_id"),
            r.get("segment_id"),
            r["district"],
            float(r["lat"]),
            float(r["lon"]),
            r.get("low"),
            r.get("high"),
        )
        for r in tables["sensors"]
    ]
    teams = [
        Team(
            r["id"],
            r.get("name") or r["id"],
            r["level"],
            r["owner_id"],
            r["district"],
            tuple(r["capabilities"]),
            float(r["lat"]),
            float(r["lon"]),
        )
        for r in tables["teams"]
    ]
    counted = dict(totals or {})
    counted.setdefault("customers", len(customers_all))
    counted.setdefault("cylinders", len(cylinders_all))
    customers = _stride(customers_all, max_customers)
    cylinders = _stride(cylinders_all, max_cylinders)
    codes = {c.code for c in cylinders}
    return World(
        pack=pack,
        districts=_districts(pack),
        enterprises=sorted(enterprises, key=lambda e: e.id),
        sites=sorted(sites, key=lambda s: s.id),
        workers=sorted(workers, key=lambda w: w.id),
        customers=customers,
        cylinders=cylinders,
        segments=sorted(segments, key=lambda s: s.id),
        sensors=sorted(sensors, key=lambda s: s.id),
        teams=sorted(teams, key=lambda t: t.id),
        cylinder_states={k: v for k, v in (cylinder_states or {}).items() if k in codes},
        team_status=dict(team_status or {}),
        totals=counted,
    )


def offline_world(scale: Any, pack: CityPack, seed: int = 0, **limits: int) -> World:
    """The world `simulators seed --scale ... --seed ...` writes, generated in memory."""
    from simulators.seed import SCALES, generate

    chosen = SCALES[scale] if isinstance(scale, str) else scale
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for table, batch in generate(chosen, pack, seed=seed):
        tables[table].extend(batch)
    return build_world(pack, tables, **limits)


def load_world(
    engine: Any,
    pack: CityPack,
    *,
    max_customers: int = DEFAULT_MAX_CUSTOMERS,
    max_cylinders: int = DEFAULT_MAX_CYLINDERS,
) -> World:
    """The registry of a seeded database, with the current cylinder and team states."""
    from sqlalchemy import func, or_, select

    from data_access import models

    def rows(connection: Any, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in connection.execute(query).mappings()]

    def columns(model: Any) -> list[Any]:
        return list(model.__table__.columns)

    with engine.connect() as connection:
        tables: dict[str, list[dict[str, Any]]] = {
            "enterprises": rows(connection, select(*columns(models.Enterprise))),
            "sites": rows(connection, select(*columns(models.Site))),
            "workers": rows(connection, select(*columns(models.Worker))),
            "pipeline_segments": rows(
                connection,
                select(
                    models.PipelineSegment.id,
                    models.PipelineSegment.enterprise_id,
                    models.PipelineSegment.district,
                    models.PipelineSegment.pressure_class,
                    models.PipelineSegment.coords,
                ),
            ),
            "sensors": rows(connection, select(*columns(models.Sensor))),
            "teams": rows(connection, select(*columns(models.Team))),
        }
        bottled = [e["id"] for e in tables["enterprises"] if e["kind"] == "bottled"]
        wanted = or_(
            models.Customer.enterprise_id.in_(bottled), models.Customer.kind != "household"
        )
        n_customers = connection.scalar(
            select(func.count()).select_from(models.Customer).where(wanted)
        )
        step = max(1, math.ceil((n_customers or 0) / max(max_customers, 1)))
        customer_query = (
            select(
                models.Customer.id,
                models.Customer.kind,
                models.Customer.district,
                models.Customer.lat,
                models.Customer.lon,
                models.Customer.real_name_verified,
                models.Customer.enterprise_id,
            )
            .where(wanted)
            .order_by(models.Customer.id)
        )
        tables["customers"] = _every(connection, customer_query, step)
        n_cylinders = connection.scalar(select(func.count()).select_from(models.Cylinder))
        step = max(1, math.ceil((n_cylinders or 0) / max(max_cylinders, 1)))
        cylinder_query = select(
            models.Cylinder.code,
            models.Cylinder.enterprise_id,
            models.Cylinder.capacity_kg,
            models.Cylinder.next_inspection_due,
            models.Cylinder.scrap_due,
        ).order_by(models.Cylinder.code)
        tables["cylinders"] = _every(connection, cylinder_query, step)
        codes = [row["code"] for row in tables["cylinders"]]
        states: dict[str, CylinderState] = {}
        for chunk_start in range(0, len(codes), 5_000):
            chunk = codes[chunk_start : chunk_start + 5_000]
            query = select(
                models.CylinderState.code,
                models.CylinderState.stage,
                models.CylinderState.site_id,
                models.CylinderState.holder_type,
                models.CylinderState.holder_id,
            ).where(models.CylinderState.code.in_(chunk))
            for row in connection.execute(query):
                states[row.code] = CylinderState(
                    row.stage, row.site_id, row.holder_type, row.holder_id
                )
        team_status = {
            row.team_id: row.status
            for row in connection.execute(select(models.TeamState.team_id, models.TeamState.status))
            if row.status != "available"
        }
    # The loader already sampled; build_world must not sample again.
    return build_world(
        pack,
        tables,
        max_customers=0,
        max_cylinders=0,
        cylinder_states=states,
        team_status=team_status,
        totals={"customers": int(n_customers or 0), "cylinders": int(n_cylinders or 0)},
    )


def _every(connection: Any, query: Any, step: int) -> list[dict[str, Any]]:
    out = []
    result = connection.execution_options(yield_per=20_000).execute(query).mappings()
    for index, row in enumerate(result):
        if index % step == 0:
            out.append(dict(row))
    return out
