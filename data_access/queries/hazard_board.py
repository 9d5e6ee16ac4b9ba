"""Queries behind the hazard board (/hazards) and a hazard's page (/hazard/<id>): the hazards in
a user's scope, filtered, counted per status and per district, sorted and paged in the database
(tens of thousands of hazards a year at Wuhan scale); one hazard with its history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, Select, and_, func, or_, select

from dashboard.domain.hazards import STATUSES
from dashboard.domain.roles import Scope
from data_access.models import (
    Complaint,
    Customer,
    Enterprise,
    GridCell,
    Hazard,
    HazardStatusChange,
    Site,
)
from data_access.queries.incident_view import actor_keys, actor_names
from data_access.queries.rules import hazard_open
from data_access.scope import scoped

S = TypeVar("S", bound=Select[*tuple[Any, ...]])
PAGE_SIZE = 50
OPEN = "open"  # the status filter's "every open status"
SORTS = ("due", "reported", "number")  # due: the most overdue first


@dataclass(frozen=True)
class HazardFilter:
    """What the board shows; None or empty: no filter on that."""

    district: str | None = None
    grid_cell: str | None = None  # of the hazard's target (a site's or a customer's cell)
    enterprise_id: str | None = None
    category: str | None = None
    level: str | None = None  # general | major
    origin: str | None = None  # how it was found (dashboard/domain/hazards.py ORIGINS)
    status: str | None = OPEN  # a status, OPEN, or None for all
    overdue: bool = False
    escalation: str | None = None  # district | city | "any"
    since: datetime | None = None  # reported at or after
    until: datetime | None = None  # reported before
    sort: str = "due"
    page: int = 1


@dataclass(frozen=True, slots=True)
class HazardRow:
    id: str
    number: str | None
    district: str
    enterprise_id: str | None
    enterprise: str | None  # its name
    target_type: str
    target_id: str
    category: str
    level: str
    status: str
    escalation: str | None
    reported_at: datetime
    due_at: datetime
    closed_at: datetime | None
    origin: str  # how it was found (dashboard/domain/hazards.py ORIGINS)


@dataclass(frozen=True)
class HazardBoard:
    rows: list[HazardRow]
    total: int  # matching the filter
    page: int
    pages: int
    by_status: dict[str, int] = field(default_factory=dict)  # the other filters, every status
    by_district: dict[str, int] = field(default_factory=dict)  # the other filters, every district


def _conditions(wanted: HazardFilter, now: datetime, *, skip: str = "") -> Iterator[Any]:
    if wanted.district and skip != "district":
        yield Hazard.district == wanted.district
    if wanted.grid_cell:
        yield _in_grid_cell(wanted.grid_cell)
    if wanted.enterprise_id:
        yield Hazard.enterprise_id == wanted.enterprise_id
    if wanted.category:
        yield Hazard.category == wanted.category
    if wanted.level:
        yield Hazard.level == wanted.level
    if wanted.origin:
        yield Hazard.origin == wanted.origin
    if wanted.status and skip != "status":
        yield hazard_open() if wanted.status == OPEN else Hazard.status == wanted.status
    if wanted.overdue:
        yield and_(hazard_open(), Hazard.due_at < now)
    if wanted.escalation == "any":
        yield Hazard.escalation.is_not(None)
    elif wanted.escalation:
        yield Hazard.escalation == wanted.escalation
    if wanted.since is not None:
        yield Hazard.reported_at >= wanted.since
    if wanted.until is not None:
        yield Hazard.reported_at < wanted.until


def _in_grid_cell(cell: str) -> ColumnElement[bool]:
    """A hazard lies in a grid cell when its target does, as the One Map counts it per cell
    (data_access/queries/map_layers.py hazards_per_area)."""
    return or_(
        *(
            and_(
                Hazard.target_type == target_type,
                Hazard.target_id.in_(select(model.id).where(model.grid_cell == cell)),
            )
            for target_type, model in (("site", Site), ("customer", Customer))
        )
    )


def _filtered(query: S, scope: Scope, wanted: HazardFilter, now: datetime, skip: str = "") -> S:
    return scoped(query, scope, Hazard).where(*_conditions(wanted, now, skip=skip))


_ORDER: dict[str, tuple[ColumnElement[Any], ...]] = {
    "due": (Hazard.due_at.asc(), Hazard.id.asc()),
    "reported": (Hazard.reported_at.desc(), Hazard.id.desc()),
    "number": (Hazard.number.desc(), Hazard.id.desc()),
}


def hazard_board(engine: Engine, scope: Scope, wanted: HazardFilter, now: datetime) -> HazardBoard:
    """One page of the board, the total, and the counts per status and per district."""
    with engine.connect() as connection:
        counting = select(func.count()).select_from(Hazard)
        total = connection.scalar(_filtered(counting, scope, wanted, now)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = (
            _filtered(_ROW_QUERY, scope, wanted, now)
            .order_by(*_ORDER.get(wanted.sort, _ORDER["due"]))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        rows = [_row(row) for row in connection.execute(query)]
        by_status: dict[str, int] = dict(
            connection.execute(
                _filtered(
                    select(Hazard.status, func.count()), scope, wanted, now, "status"
                ).group_by(Hazard.status)
            ).all()
        )
        by_district: dict[str, int] = dict(
            connection.execute(
                _filtered(
                    select(Hazard.district, func.count()), scope, wanted, now, "district"
                ).group_by(Hazard.district)
            ).all()
        )
    ordered = {status: by_status.get(status, 0) for status in STATUSES}
    return HazardBoard(rows, total, page, pages, ordered, by_district)


_ROW_QUERY = select(
    Hazard.id,
    Hazard.number,
    Hazard.district,
    Hazard.enterprise_id,
    Enterprise.name,
    Hazard.target_type,
    Hazard.target_id,
    Hazard.category,
    Hazard.level,
    Hazard.status,
    Hazard.escalation,
    Hazard.reported_at,
    Hazard.due_at,
    Hazard.closed_at,
    Hazard.origin,
).outerjoin(Enterprise, Enterprise.id == Hazard.enterprise_id)


def _row(row: Any) -> HazardRow:
    return HazardRow(*row)


def hazard_rows(
    engine: Engine, scope: Scope, wanted: HazardFilter, now: datetime, cap: int
) -> list[HazardRow]:
    """Every hazard the filter matches (up to `cap`), in the board's order: for the exports."""
    query = _filtered(_ROW_QUERY, scope, replace(wanted, page=1), now).order_by(
        *_ORDER.get(wanted.sort, _ORDER["due"])
    )
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query.limit(cap))]


def grid_cells(engine: Engine, scope: Scope, lang: str) -> list[tuple[str, str]]:
    """(code, "code name") of the grid cells in scope, for the filter."""
    name = GridCell.name_zh if lang == "zh" else GridCell.name_en
    query = scoped(select(GridCell.code, name), scope, GridCell).order_by(GridCell.code)
    with engine.connect() as connection:
        return [(code, f"{code} {label}") for code, label in connection.execute(query)]


def categories(engine: Engine, scope: Scope) -> list[str]:
    """The categories of the hazards in scope, for the filter."""
    query = scoped(select(Hazard.category).distinct(), scope, Hazard).order_by(Hazard.category)
    with engine.connect() as connection:
        return list(connection.scalars(query.limit(500)))


# --- one hazard --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HazardStep:
    """One entry of a hazard's history."""

    status: str  # a status, or "escalated" / "redated"
    actor: str
    note: str | None
    photos: list[str]
    due_at: datetime | None
    occurred_at: datetime


@dataclass(frozen=True)
class HazardDetail:
    row: HazardRow
    description: str
    lat: float
    lon: float
    inspection_id: str | None
    history: list[HazardStep]
    names: dict[str, str]  # the history's actors' names (dashboard/actors.py `who`)
    complaint_id: str | None = None  # the complaint it was turned into a hazard from


def hazard_detail(engine: Engine, scope: Scope, hazard_id: str) -> HazardDetail | None:
    """A hazard within `scope` with its whole history, or None (unknown or out of reach)."""
    query = scoped(
        _ROW_QUERY.add_columns(
            Hazard.description, Hazard.lat, Hazard.lon, Hazard.inspection_id
        ).where(Hazard.id == hazard_id),
        scope,
        Hazard,
    )
    history = (
        select(
            HazardStatusChange.status,
            HazardStatusChange.actor,
            HazardStatusChange.note,
            HazardStatusChange.photos,
            HazardStatusChange.due_at,
            HazardStatusChange.occurred_at,
        )
        .where(HazardStatusChange.hazard_id == hazard_id)
        .order_by(HazardStatusChange.seq)
    )
    with engine.connect() as connection:
        found = connection.execute(query).first()
        if found is None:
            return None
        steps = [
            HazardStep(status, actor, note, list(photos or []), due_at, when)
            for status, actor, note, photos, due_at, when in connection.execute(history)
        ]
        names = actor_names(connection, actor_keys(step.actor for step in steps))
        complaint_id = (
            connection.scalar(select(Complaint.id).where(Complaint.hazard_id == hazard_id).limit(1))
            if found.origin == "complaint"
            else None
        )
    *row, description, lat, lon, inspection_id = found
    return HazardDetail(
        HazardRow(*row), description, lat, lon, inspection_id, steps, names, complaint_id
    )
