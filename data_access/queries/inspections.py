"""Queries behind /inspections: this quarter's coverage per district, grid cell and object type
(on the One Map's own counts, map_layers.objects_due / objects_inspected, so the map, the wall and
this page show one number); the inspections in a user's scope, filtered, sorted and paged in the
database (Wuhan logs hundreds of thousands a year); one inspection's items with the hazards its
failed items became; an object's inspection history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from dashboard.domain.coverage import coverage
from dashboard.domain.hazards import rule_hazard_id
from dashboard.domain.roles import Scope
from data_access.models import Customer, Enterprise, Hazard, InspectionRecord, Site
from data_access.queries.map_layers import objects_due_by_type, objects_inspected_by_type
from data_access.scope import scoped

S = TypeVar("S", bound=Select[*tuple[Any, ...]])  # of any number of columns
PAGE_SIZE = 50
HISTORY_LIMIT = 500  # an object's newest inspections shown (quarterly plans: a few a year)
KINDS = ("daily", "special", "third_party", "self_check")
OBJECT_TYPES = ("enterprise", "site", "customer")  # the objects due (domain/coverage.py)
TARGET_TYPES = (*OBJECT_TYPES, "pipeline", "appliance")  # what an inspection may name
RESULTS = ("passed", "failed")
SORTS = ("newest", "oldest", "failed")  # failed: the failed ones first, newest first
CoverageLevel = Literal["district", "grid", "type"]
COVERAGE_LEVELS: tuple[CoverageLevel, ...] = ("district", "grid", "type")

# The join targets get aliases of their own: the scope's subqueries name Site (data_access/scope.py
# _own_sites), and a joined Site of the same name would be correlated into them.
_Ent = aliased(Enterprise, name="target_enterprise")
_Site = aliased(Site, name="target_site")
_Customer = aliased(Customer, name="target_customer")


# --- coverage -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One district, grid cell or object type: objects due this quarter and those inspected."""

    code: str  # a district's or grid cell's code, or an object type
    due: int
    inspected: int

    @property
    def coverage(self) -> float | None:
        """inspected / due, capped at 1 (dashboard/domain/coverage.py); None when none is due."""
        return coverage(self.inspected, self.due)


@dataclass(frozen=True)
class Coverage:
    rows: list[CoverageRow]
    total: CoverageRow  # the whole scope ("all")

    @property
    def by_code(self) -> dict[str, CoverageRow]:
        return {row.code: row for row in self.rows}


def quarter_coverage(
    engine: Engine, scope: Scope, level: CoverageLevel, quarter_start: datetime
) -> Coverage:
    """Coverage this quarter per district, grid cell or object type, and for the whole scope.

    Built on the counts the One Map colours and the wall ranks by; the whole is the sum of the
    districts' counts (cells miss the enterprises, which have no cell)."""
    area_level = "grid" if level == "grid" else "district"
    with engine.connect() as connection:
        due = objects_due_by_type(connection, scope, area_level)
        inspected = objects_inspected_by_type(connection, scope, area_level, quarter_start)
        if level == "grid":  # the whole is the districts' (enterprises have no grid cell)
            whole_due = objects_due_by_type(connection, scope, "district")
            whole_inspected = objects_inspected_by_type(
                connection, scope, "district", quarter_start
            )
        else:
            whole_due, whole_inspected = due, inspected
    pick = 1 if level == "type" else 0  # the key's part to group by: area or object type
    due_by, inspected_by = Counter[str](), Counter[str]()
    for key, count in due.items():
        if key[pick] is not None:
            due_by[key[pick]] += count
    for key, count in inspected.items():
        if key[pick] is not None:
            inspected_by[key[pick]] += count
    codes = OBJECT_TYPES if level == "type" else sorted(due_by.keys() | inspected_by.keys())
    rows = [CoverageRow(code, due_by[code], inspected_by[code]) for code in codes]
    total = CoverageRow("all", sum(whole_due.values()), sum(whole_inspected.values()))
    return Coverage(rows, total)


# --- the inspection list ------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFilter:
    """What the list shows; None: no filter on that."""

    district: str | None = None
    grid_cell: str | None = None  # of the inspected site or customer
    target_type: str | None = None
    kind: str | None = None
    result: str | None = None  # passed | failed
    inspector: str | None = None
    task_id: str | None = None
    target_id: str | None = None  # with target_type: one object's inspections
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True, slots=True)
class InspectionRow:
    id: str
    occurred_at: datetime
    kind: str
    district: str
    target_type: str
    target_id: str
    target_name: str | None  # an enterprise's or a site's name; None for the others
    customer_kind: str | None  # a customer's kind (commercial, industrial, household)
    inspector_id: str
    passed: bool
    items: int | None  # how many items were checked; None: not kept (older than migration 0011)
    failed_items: int | None
    task_id: str | None


@dataclass(frozen=True)
class InspectionList:
    rows: list[InspectionRow]
    total: int
    page: int
    pages: int


def _conditions(wanted: InspectionFilter) -> Iterator[Any]:
    if wanted.district:
        yield InspectionRecord.district == wanted.district
    if wanted.grid_cell:
        yield _in_grid_cell(wanted.grid_cell)
    if wanted.target_type:
        yield InspectionRecord.target_type == wanted.target_type
    if wanted.target_id:
        yield InspectionRecord.target_id == wanted.target_id
    if wanted.kind:
        yield InspectionRecord.kind == wanted.kind
    if wanted.result in RESULTS:
        yield InspectionRecord.passed.is_(wanted.result == "passed")
    if wanted.inspector:
        yield InspectionRecord.inspector_id == wanted.inspector
    if wanted.task_id:
        yield InspectionRecord.task_id == wanted.task_id
    if wanted.since is not None:
        yield InspectionRecord.occurred_at >= wanted.since
    if wanted.until is not None:
        yield InspectionRecord.occurred_at < wanted.until


def _in_grid_cell(cell: str) -> Any:
    """An inspection lies in a grid cell when its object does, as the One Map counts coverage
    per cell (map_layers.objects_inspected_by_type)."""
    return or_(
        *(
            and_(
                InspectionRecord.target_type == target_type,
                InspectionRecord.target_id.in_(select(model.id).where(model.grid_cell == cell)),
            )
            for target_type, model in (("site", Site), ("customer", Customer))
        )
    )


_ROW_QUERY = (
    select(
        InspectionRecord.id,
        InspectionRecord.occurred_at,
        InspectionRecord.kind,
        InspectionRecord.district,
        InspectionRecord.target_type,
        InspectionRecord.target_id,
        func.coalesce(_Ent.name, _Site.name),
        _Customer.kind,
        InspectionRecord.inspector_id,
        InspectionRecord.passed,
        InspectionRecord.items,
        InspectionRecord.task_id,
    )
    .select_from(InspectionRecord)
    .outerjoin(
        _Ent,
        and_(InspectionRecord.target_type == "enterprise", _Ent.id == InspectionRecord.target_id),
    )
    .outerjoin(
        _Site, and_(InspectionRecord.target_type == "site", _Site.id == InspectionRecord.target_id)
    )
    .outerjoin(
        _Customer,
        and_(
            InspectionRecord.target_type == "customer", _Customer.id == InspectionRecord.target_id
        ),
    )
)

_ORDER = {
    "newest": (InspectionRecord.occurred_at.desc(), InspectionRecord.id.desc()),
    "oldest": (InspectionRecord.occurred_at.asc(), InspectionRecord.id.asc()),
    "failed": (
        InspectionRecord.passed.asc(),
        InspectionRecord.occurred_at.desc(),
        InspectionRecord.id.desc(),
    ),
}


def _filtered(query: S, scope: Scope, wanted: InspectionFilter) -> S:
    return scoped(query, scope, InspectionRecord).where(*_conditions(wanted))


def _row(found: Any) -> InspectionRow:
    *head, items, task_id = found
    if isinstance(items, list):
        checked: int | None = len(items)
        failed: int | None = sum(1 for item in items if not item.get("passed", True))
    else:
        checked = failed = None
    return InspectionRow(*head, checked, failed, task_id)  # type: ignore[call-arg]  # 10 + 3


def inspection_list(engine: Engine, scope: Scope, wanted: InspectionFilter) -> InspectionList:
    """One page of the inspections the filter matches, and how many match."""
    with engine.connect() as connection:
        counting = select(func.count()).select_from(InspectionRecord)
        total = int(connection.scalar(_filtered(counting, scope, wanted)) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = (
            _filtered(_ROW_QUERY, scope, wanted)
            .order_by(*_ORDER.get(wanted.sort, _ORDER["newest"]))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        rows = [_row(found) for found in connection.execute(query)]
    return InspectionList(rows, total, page, pages)


def inspection_rows(
    engine: Engine, scope: Scope, wanted: InspectionFilter, cap: int
) -> list[InspectionRow]:
    """Every inspection the filter matches (up to `cap`), in the list's order: for the exports."""
    query = _filtered(_ROW_QUERY, scope, replace(wanted, page=1)).order_by(
        *_ORDER.get(wanted.sort, _ORDER["newest"])
    )
    with engine.connect() as connection:
        return [_row(found) for found in connection.execute(query.limit(cap))]


# --- one inspection ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HazardLink:
    id: str
    number: str | None
    status: str


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: str
    passed: bool
    note: str | None
    hazard: HazardLink | None  # the hazard a failed item became, when the user may see it


@dataclass(frozen=True)
class InspectionDetail:
    row: InspectionRow
    lat: float
    lon: float
    items: list[ItemResult]


def inspection_detail(engine: Engine, scope: Scope, inspection_id: str) -> InspectionDetail | None:
    """An inspection within `scope` with its items and the hazards its failed items became
    (dashboard/domain/hazards.py rule_hazard_id), or None (unknown or out of reach)."""
    query = _filtered(
        _ROW_QUERY.add_columns(InspectionRecord.lat, InspectionRecord.lon).where(
            InspectionRecord.id == inspection_id
        ),
        scope,
        InspectionFilter(),
    )
    with engine.connect() as connection:
        found = connection.execute(query).first()
        if found is None:
            return None
        *head, lat, lon = found
        items = [item for item in (head[-2] or []) if isinstance(item, dict)]
        hazard_ids = {
            rule_hazard_id(inspection_id, index): index
            for index, item in enumerate(items)
            if not item.get("passed", True)
        }
        hazards = scoped(
            select(Hazard.id, Hazard.number, Hazard.status).where(Hazard.id.in_(hazard_ids)),
            scope,
            Hazard,
        )
        links = {
            hazard_ids[id_]: HazardLink(id_, number, status)
            for id_, number, status in connection.execute(hazards)
        }
    results = [
        ItemResult(
            str(item.get("item", "")),
            bool(item.get("passed", True)),
            item.get("note"),
            links.get(index),
        )
        for index, item in enumerate(items)
    ]
    return InspectionDetail(_row(head), lat, lon, results)


# --- an object's history --------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectHistory:
    target_type: str
    target_id: str
    name: str | None  # an enterprise's or a site's name
    district: str | None  # the registry's (None for objects not in it)
    rows: list[InspectionRow]  # newest first, at most HISTORY_LIMIT
    total: int


def _registry_object(
    connection: Any, scope: Scope, target_type: str, target_id: str
) -> tuple[str | None, str] | None:
    """(name, district) of a registry object in scope (a customer has no name); None when it is
    not in the registry or out of reach."""
    models: dict[str, Any] = {"enterprise": Enterprise, "site": Site, "customer": Customer}
    model = models.get(target_type)
    if model is None:
        return None
    name = model.name if model is not Customer else None
    columns = (name, model.district) if name is not None else (model.district,)
    found = connection.execute(
        scoped(select(*columns).where(model.id == target_id), scope, model)
    ).first()
    if found is None:
        return None
    return (found[0], found[1]) if name is not None else (None, found[0])


def object_history(
    engine: Engine, scope: Scope, target_type: str, target_id: str
) -> ObjectHistory | None:
    """An object's inspections in `scope`, newest first; None when the user may see neither the
    object nor any inspection of it."""
    wanted = InspectionFilter(target_type=target_type, target_id=target_id)
    with engine.connect() as connection:
        known = _registry_object(connection, scope, target_type, target_id)
        counting = _filtered(select(func.count()).select_from(InspectionRecord), scope, wanted)
        total = int(connection.scalar(counting) or 0)
        query = _filtered(_ROW_QUERY, scope, wanted).order_by(*_ORDER["newest"])
        rows = [_row(found) for found in connection.execute(query.limit(HISTORY_LIMIT))]
    if known is None and not rows:
        return None
    name, district = known if known is not None else (None, None)
    if name is None and rows:
        name = rows[0].target_name
    return ObjectHistory(target_type, target_id, name, district, rows, total)
