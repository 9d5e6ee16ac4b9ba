"""The registry (master data) in bulk: counts, clearing, batched inserts and the area counts.

The seeder (`simulators.seed`) generates rows in plain Python/numpy and writes them through these
functions, so that it never touches SQL itself. Inserts are SQLAlchemy Core executemany, one
transaction per batch: the caller hands over bounded batches (about 20,000 rows), which keeps
memory flat however large the city is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Engine,
    Select,
    Table,
    case,
    delete,
    func,
    literal_column,
    select,
    text,
)

from data_access.models import (
    AreaCount,
    Base,
    Customer,
    Cylinder,
    District,
    Enterprise,
    IncidentDispatch,
    PipelineSegment,
    Sensor,
    Site,
    Team,
    TeamState,
    table_of,
)

__all__ = [
    "REGISTRY_TABLES",
    "clear_registry",
    "insert_columns",
    "insert_rows",
    "pipeline_box",
    "recount_area_counts",
    "registry_counts",
    "registry_is_empty",
    "write_districts",
]

# In dependency order: a table only refers to tables before it.
REGISTRY_TABLES = (
    "districts",
    "grid_cells",
    "enterprises",
    "sites",
    "workers",
    "customers",
    "cylinders",
    "pipeline_segments",
    "sensors",
    "teams",
    "resources",
)
# Projections with a foreign key into the registry: they must go when the registry goes.
# Rows that point at registry rows (teams) and must go with them.
_DEPENDENT_TABLES = (TeamState.__tablename__, IncidentDispatch.__tablename__)
_WRITABLE = frozenset((*REGISTRY_TABLES, AreaCount.__tablename__))


class _PackArea(Protocol):
    code: str
    name_zh: str
    name_en: str
    centroid: tuple[float, float]
    area_km2: float
    geometry: dict[str, Any]


class _PackDistrict(_PackArea, Protocol):
    population: int


class _PackCell(_PackArea, Protocol):
    district: str


class _Pack(Protocol):
    @property
    def districts(self) -> Sequence[_PackDistrict]: ...

    @property
    def grid_cells(self) -> Sequence[_PackCell]: ...


def _table(name: str) -> Table:
    if name not in _WRITABLE:
        raise ValueError(f"{name!r} is not a registry table")
    return Base.metadata.tables[name]


def registry_counts(engine: Engine) -> dict[str, int]:
    """Rows per registry table, in dependency order."""
    with engine.connect() as connection:
        return {
            name: int(connection.scalar(select(func.count()).select_from(_table(name))) or 0)
            for name in REGISTRY_TABLES
        }


def registry_is_empty(engine: Engine) -> bool:
    """True when no registry table (districts included) holds a row."""
    with engine.connect() as connection:
        for name in REGISTRY_TABLES:
            probe: Select[Any] = select(literal_column("1")).select_from(_table(name)).limit(1)
            if connection.scalar(probe) is not None:
                return False
    return True


def clear_registry(engine: Engine) -> None:
    """Delete every registry row, the area counts, and the team states and incident dispatches
    that refer to teams.

    The event log and the other projections are left alone: they are history, not master data.
    """
    names = (*_DEPENDENT_TABLES, AreaCount.__tablename__, *reversed(REGISTRY_TABLES))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # TRUNCATE frees millions of rows at once where DELETE would visit each one.
            connection.execute(text(f"TRUNCATE TABLE {', '.join(names)}"))
            return
        for name in names:
            connection.execute(delete(Base.metadata.tables[name]))


def insert_rows(engine: Engine, table_name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert one batch of rows (dicts keyed by column name) in one transaction.

    Core executemany: the sqlite3 driver loops in C; psycopg 3 pipelines the statements.
    Keep batches to tens of thousands of rows so memory stays bounded.
    """
    if not rows:
        return
    table = _table(table_name)
    if table_name == "pipeline_segments":
        rows = [_with_box(row) for row in rows]
    with engine.begin() as connection:
        for columns, group in _by_null_json(table, rows):
            if columns is not None:
                group = [{k: v for k, v in row.items() if k in columns} for row in group]
            connection.execute(table.insert(), group)


def pipeline_box(coords: Sequence[Sequence[float]]) -> dict[str, float]:
    """The bounding box columns of a pipeline segment from its [[lat, lon], ...] polyline."""
    lats = [point[0] for point in coords]
    lons = [point[1] for point in coords]
    return {"min_lat": min(lats), "min_lon": min(lons), "max_lat": max(lats), "max_lon": max(lons)}


def _with_box(row: Mapping[str, Any]) -> Mapping[str, Any]:
    if row.get("min_lat") is not None or not row.get("coords"):
        return row
    return {**row, **pipeline_box(row["coords"])}


def _by_null_json(
    table: Table, rows: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[frozenset[str] | None, list[Mapping[str, Any]]]]:
    """Rows grouped so that None in a nullable JSON column becomes SQL NULL, not JSON 'null'.

    A JSON column stores Python None as the JSON value null; leaving the column out of the
    INSERT stores SQL NULL, which is what "no skills" means. Tables without such columns pass
    through as one group (None: insert every key).
    """
    nullable = [c.name for c in table.columns if isinstance(c.type, JSON) and c.nullable]
    if not nullable:
        yield None, list(rows)
        return
    groups: dict[frozenset[str], list[Mapping[str, Any]]] = {}
    for row in rows:
        omit = frozenset(name for name in nullable if row.get(name) is None)
        groups.setdefault(omit, []).append(row)
    for omit, group in groups.items():
        yield (None if not omit else frozenset(group[0]) - omit), group


def insert_columns(engine: Engine, table_name: str, columns: Mapping[str, Sequence[Any]]) -> int:
    """Insert one batch given as equal-length columns; returns the number of rows written."""
    names = list(columns)
    values = [list(columns[name]) for name in names]
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        raise ValueError(f"columns of {table_name} differ in length: {sorted(lengths)}")
    rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
    insert_rows(engine, table_name, rows)
    return len(rows)


def write_districts(engine: Engine, pack: _Pack) -> None:
    """The city pack's districts and grid cells, as registry rows."""
    districts = [
        {
            "code": d.code,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "population": int(d.population),
            "area_km2": float(d.area_km2),
            "centroid_lat": float(d.centroid[0]),
            "centroid_lon": float(d.centroid[1]),
            "geometry": d.geometry,
        }
        for d in pack.districts
    ]
    cells = [
        {
            "code": c.code,
            "district": c.district,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "area_km2": float(c.area_km2),
            "centroid_lat": float(c.centroid[0]),
            "centroid_lon": float(c.centroid[1]),
            "geometry": c.geometry,
        }
        for c in pack.grid_cells
    ]
    with engine.begin() as connection:
        connection.execute(_table("districts").insert(), districts)
        if cells:
            connection.execute(_table("grid_cells").insert(), cells)


# --- area counts ----------------------------------------------------------------------------

DISTRICT_METRICS = (
    "customers",
    "customers_real_name",
    "customers_household",
    "customers_commercial",
    "customers_industrial",
    "sites",
    "enterprises",
    "cylinders",
    "cylinders_overdue_inspection",
    "cylinders_past_scrap",
    "pipeline_m",
    "sensors",
    "teams",
    "population",
)
GRID_METRICS = ("customers", "sites")


def _one(expr: Any) -> Any:
    """SUM(1 if expr else 0): a conditional count that works the same on SQLite and PostgreSQL."""
    return func.coalesce(func.sum(case((expr, 1), else_=0)), 0)


def recount_area_counts(
    engine: Engine, reference_date: date, populations: Mapping[str, int]
) -> int:
    """Recompute `area_counts` from the registry with GROUP BY queries; returns rows written.

    Replaces every row. Every district gets every metric in DISTRICT_METRICS and every grid cell
    every metric in GRID_METRICS, zeros included, so the map never has holes. Cylinders count in
    their owning enterprise's district; "overdue" and "past scrap" are relative to
    `reference_date` (a due date before it has passed).
    """
    with engine.connect() as connection:
        district_codes = list(connection.scalars(select(District.code).order_by(District.code)))
        cell_rows = connection.execute(select(Base.metadata.tables["grid_cells"].c.code)).all()
        per_district = _district_counts(connection, reference_date)
        per_cell = _grid_counts(connection)
    for code, value in populations.items():
        per_district.setdefault(code, {})["population"] = int(value)

    rows: list[dict[str, Any]] = []
    for code in district_codes:
        values = per_district.get(code, {})
        rows += [_count("district", code, m, values.get(m, 0)) for m in DISTRICT_METRICS]
    for (code,) in cell_rows:
        values = per_cell.get(code, {})
        rows += [_count("grid", code, m, values.get(m, 0)) for m in GRID_METRICS]
    with engine.begin() as connection:
        connection.execute(delete(AreaCount))
        if rows:
            connection.execute(table_of(AreaCount).insert(), rows)
    return len(rows)


def _count(area_type: str, code: str, metric: str, value: Any) -> dict[str, Any]:
    return {"area_type": area_type, "area_code": code, "metric": metric, "value": int(value)}


def _district_counts(connection: Any, reference_date: date) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}

    def put(query: Any, *metrics: str) -> None:
        for code, *values in connection.execute(query):
            if code is None:
                continue
            slot = counts.setdefault(code, {})
            for metric, value in zip(metrics, values, strict=True):
                slot[metric] = slot.get(metric, 0) + round(value or 0)

    put(
        select(
            Customer.district,
            func.count(),
            _one(Customer.real_name_verified),
            _one(Customer.kind == "household"),
            _one(Customer.kind == "commercial"),
            _one(Customer.kind == "industrial"),
        ).group_by(Customer.district),
        "customers",
        "customers_real_name",
        "customers_household",
        "customers_commercial",
        "customers_industrial",
    )
    put(select(Site.district, func.count()).group_by(Site.district), "sites")
    put(select(Enterprise.district, func.count()).group_by(Enterprise.district), "enterprises")
    put(
        select(
            Enterprise.district,
            func.count(),
            _one(Cylinder.next_inspection_due < reference_date),
            _one(Cylinder.scrap_due < reference_date),
        )
        .select_from(Cylinder)
        .join(Enterprise, Enterprise.id == Cylinder.enterprise_id)
        .group_by(Enterprise.district),
        "cylinders",
        "cylinders_overdue_inspection",
        "cylinders_past_scrap",
    )
    put(
        select(PipelineSegment.district, func.sum(PipelineSegment.length_m)).group_by(
            PipelineSegment.district
        ),
        "pipeline_m",
    )
    put(select(Sensor.district, func.count()).group_by(Sensor.district), "sensors")
    put(select(Team.district, func.count()).group_by(Team.district), "teams")
    return counts


def _grid_counts(connection: Any) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    queries: Iterable[tuple[str, Any]] = (
        ("customers", select(Customer.grid_cell, func.count()).group_by(Customer.grid_cell)),
        ("sites", select(Site.grid_cell, func.count()).group_by(Site.grid_cell)),
    )
    for metric, query in queries:
        for code, value in connection.execute(query):
            if code is not None:
                counts.setdefault(code, {})[metric] = int(value)
    return counts
