"""Queries behind the complaint queue (/complaints) and a complaint's page (/complaint/<id>): the
complaints in a user's scope, filtered, counted per status, sorted and paged in the database;
timeliness (及时率) and satisfaction (满意度) per district and per enterprise for a period; one
complaint with its history from the event log (found by subject, indexed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, and_, case, func, literal_column, or_, select

from dashboard.domain.complaints import CLOSED, OPEN_STATUSES, STATUSES, Figures
from dashboard.domain.roles import Scope
from data_access.models import EVENT_SUBJECT_SQL, Complaint, Enterprise, EventRecord
from data_access.queries.incident_view import actor_keys, actor_names
from data_access.scope import scoped

S = TypeVar("S", bound=Select[*tuple[Any, ...]])
PAGE_SIZE = 50
OPEN = "open"  # the status filter's "every open status"
STATS_ENTERPRISES = 12  # the enterprises with most complaints in the period, in the table
HISTORY_LIMIT = 500


@dataclass(frozen=True)
class ComplaintFilter:
    """What the queue shows; None or empty: no filter on that."""

    status: str | None = OPEN  # a status, OPEN, or None for all
    channel: str | None = None
    category: str | None = None
    district: str | None = None
    enterprise_id: str | None = None
    late: bool = False  # open past its due time only
    since: datetime | None = None  # received at or after
    until: datetime | None = None  # received before
    page: int = 1


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: str
    channel: str
    category: str
    district: str
    enterprise_id: str | None
    enterprise: str | None  # its name
    handler: str | None
    status: str
    escalations: int
    satisfaction: int | None
    received_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    code: str | None


@dataclass(frozen=True)
class ComplaintQueue:
    rows: list[ComplaintRow]
    total: int
    page: int
    pages: int
    by_status: dict[str, int] = field(default_factory=dict)  # the other filters, every status


def _open() -> Any:
    return Complaint.status.in_(OPEN_STATUSES)


def _late(now: datetime) -> Any:
    return and_(_open(), Complaint.due_at < now)


def _conditions(wanted: ComplaintFilter, now: datetime, *, skip: str = "") -> Iterator[Any]:
    if wanted.status and skip != "status":
        yield _open() if wanted.status == OPEN else Complaint.status == wanted.status
    if wanted.channel:
        yield Complaint.channel == wanted.channel
    if wanted.category:
        yield Complaint.category == wanted.category
    if wanted.district:
        yield Complaint.district == wanted.district
    if wanted.enterprise_id:
        yield Complaint.enterprise_id == wanted.enterprise_id
    if wanted.late and skip != "status":
        yield _late(now)
    if wanted.since is not None:
        yield Complaint.received_at >= wanted.since
    if wanted.until is not None:
        yield Complaint.received_at < wanted.until


def _filtered(query: S, scope: Scope, wanted: ComplaintFilter, now: datetime, skip: str = "") -> S:
    return scoped(query, scope, Complaint).where(*_conditions(wanted, now, skip=skip))


_ROW_QUERY = select(
    Complaint.id,
    Complaint.channel,
    Complaint.category,
    Complaint.district,
    Complaint.enterprise_id,
    Enterprise.name,
    Complaint.handler,
    Complaint.status,
    Complaint.escalations,
    Complaint.satisfaction,
    Complaint.received_at,
    Complaint.due_at,
    Complaint.closed_at,
    Complaint.code,
).outerjoin(Enterprise, Enterprise.id == Complaint.enterprise_id)
# Open ones by their due time (the latest first in line), then the closed ones, newest first.
_ORDER = (
    case((_open(), 0), else_=1),
    case((_open(), Complaint.due_at), else_=None).asc(),
    Complaint.received_at.desc(),
    Complaint.id.desc(),
)


def _row(row: Any) -> ComplaintRow:
    return ComplaintRow(*row)


def complaint_queue(
    engine: Engine, scope: Scope, wanted: ComplaintFilter, now: datetime
) -> ComplaintQueue:
    """One page of the queue, the total, and the counts per status."""
    with engine.connect() as connection:
        counting = select(func.count()).select_from(Complaint)
        total = connection.scalar(_filtered(counting, scope, wanted, now)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = (
            _filtered(_ROW_QUERY, scope, wanted, now)
            .order_by(*_ORDER)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        rows = [_row(row) for row in connection.execute(query)]
        by_status = dict(
            connection.execute(
                _filtered(
                    select(Complaint.status, func.count()), scope, wanted, now, "status"
                ).group_by(Complaint.status)
            ).all()
        )
    ordered = {status: by_status.get(status, 0) for status in STATUSES}
    return ComplaintQueue(rows, total, page, pages, ordered)


def complaint_rows(
    engine: Engine, scope: Scope, wanted: ComplaintFilter, now: datetime, cap: int
) -> list[ComplaintRow]:
    """Every complaint the filter matches (up to `cap`), in the queue's order: the exports."""
    query = _filtered(_ROW_QUERY, scope, replace(wanted, page=1), now).order_by(*_ORDER)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query.limit(cap))]


def categories(engine: Engine, scope: Scope) -> list[str]:
    """The categories of the complaints in scope, for the filter."""
    query = scoped(select(Complaint.category).distinct(), scope, Complaint)
    with engine.connect() as connection:
        return sorted(connection.scalars(query.limit(500)))


def enterprises_of(engine: Engine, district: str) -> list[tuple[str, str]]:
    """(id, name) of the enterprises registered in a district: whom its office passes to."""
    query = select(Enterprise.id, Enterprise.name).where(Enterprise.district == district)
    with engine.connect() as connection:
        return [(row.id, row.name) for row in connection.execute(query.order_by(Enterprise.id))]


# --- timeliness and satisfaction --------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    key: str  # district code or enterprise id
    name: str | None  # the enterprise's name (districts are named by the page)
    figures: Figures


def _figure_columns(now: datetime) -> tuple[Any, ...]:
    closed = Complaint.status == CLOSED
    return (
        func.count(),
        func.sum(case((closed, 1), else_=0)),
        func.sum(case((and_(closed, Complaint.closed_at <= Complaint.due_at), 1), else_=0)),
        func.sum(case((_late(now), 1), else_=0)),
        func.count(Complaint.satisfaction),
        func.coalesce(func.sum(Complaint.satisfaction), 0),
    )


def _figures(values: Any) -> Figures:
    return Figures(*(int(value or 0) for value in values))


def complaint_stats(
    engine: Engine, scope: Scope, wanted: ComplaintFilter, now: datetime
) -> tuple[Figures, list[GroupFigures], list[GroupFigures]]:
    """Timeliness and satisfaction of the complaints received in the filter's period (every
    status, the other filters as they are): overall, per district, and per enterprise (those
    with most complaints first)."""
    period = replace(wanted, status=None, late=False)
    columns = _figure_columns(now)
    with engine.connect() as connection:
        overall = connection.execute(
            _filtered(select(*columns).select_from(Complaint), scope, period, now)
        ).one()
        districts = connection.execute(
            _filtered(select(Complaint.district, *columns), scope, period, now)
            .group_by(Complaint.district)
            .order_by(Complaint.district)
        ).all()
        enterprises = connection.execute(
            _filtered(
                select(Complaint.enterprise_id, Enterprise.name, *columns).join(
                    Enterprise, Enterprise.id == Complaint.enterprise_id
                ),
                scope,
                period,
                now,
            )
            .group_by(Complaint.enterprise_id, Enterprise.name)
            .order_by(func.count().desc(), Complaint.enterprise_id)
            .limit(STATS_ENTERPRISES)
        ).all()
    return (
        _figures(overall),
        [GroupFigures(row[0], None, _figures(row[1:])) for row in districts],
        [GroupFigures(row[0], row[1], _figures(row[2:])) for row in enterprises],
    )


# --- one complaint ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintStep:
    """One entry of a complaint's history, as the event log holds it."""

    kind: str  # received, assigned, escalated, replied, closed
    actor: str | None
    handler: str | None
    enterprise_id: str | None
    note: str | None
    satisfaction: int | None
    hazard_id: str | None
    incident_id: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class ComplaintDetail:
    row: ComplaintRow
    text: str
    reply: str | None
    replied_at: datetime | None
    hazard_id: str | None
    incident_id: str | None
    lat: float | None
    lon: float | None
    history: list[ComplaintStep]
    names: dict[str, str]  # actors' and enterprises' names


def complaint_detail(engine: Engine, scope: Scope, complaint_id: str) -> ComplaintDetail | None:
    """A complaint within `scope` with its history, or None (unknown or out of reach)."""
    query = scoped(
        _ROW_QUERY.add_columns(
            Complaint.text,
            Complaint.reply,
            Complaint.replied_at,
            Complaint.hazard_id,
            Complaint.incident_id,
            Complaint.lat,
            Complaint.lon,
        ).where(Complaint.id == complaint_id),
        scope,
        Complaint,
    )
    with engine.connect() as connection:
        found = connection.execute(query).first()
        if found is None:
            return None
        *row, text, reply, replied_at, hazard_id, incident_id, lat, lon = found
        steps = _history(connection, complaint_id, hazard_id, incident_id)
        keys = actor_keys(step.actor for step in steps)
        keys |= {step.enterprise_id for step in steps if step.enterprise_id}
        names = actor_names(connection, keys)
    return ComplaintDetail(
        ComplaintRow(*row), text, reply, replied_at, hazard_id, incident_id, lat, lon, steps, names
    )


def _history(
    connection: Any, complaint_id: str, hazard_id: str | None, incident_id: str | None
) -> list[ComplaintStep]:
    """The complaint's events, by the log's subject index: its own, and the update naming the
    hazard or incident it became (whose subject is that hazard or incident)."""
    subject: Any = literal_column(EVENT_SUBJECT_SQL)
    subjects = [complaint_id, *(x for x in (hazard_id, incident_id) if x)]
    query = (
        select(EventRecord.type, EventRecord.actor, EventRecord.occurred_at, EventRecord.data)
        .where(
            subject.in_(subjects),
            EventRecord.type.in_(("complaint.received", "complaint.updated")),
        )
        .order_by(EventRecord.seq)
        .limit(HISTORY_LIMIT)
    )
    steps = []
    for kind, actor, occurred_at, data in connection.execute(query):
        if data.get("complaint_id") != complaint_id:
            continue
        steps.append(
            ComplaintStep(
                "received" if kind == "complaint.received" else str(data.get("status")),
                data.get("actor") or actor,
                data.get("handler"),
                data.get("enterprise_id"),
                data.get("note"),
                data.get("satisfaction"),
                data.get("hazard_id"),
                data.get("incident_id"),
                occurred_at,
            )
        )
    return steps


# --- the simulated complaint desk (simulators/complaint_desk.py) --------------------------------


@dataclass(frozen=True, slots=True)
class OpenComplaint:
    """An open complaint as the desk's staff look at it."""

    id: str
    status: str
    handler: str | None
    district: str
    enterprise_id: str | None
    enterprise_district: str | None  # where the enterprise named is registered (None: not)
    category: str
    escalations: int
    converted: bool
    updated_at: datetime | None
    received_at: datetime


def open_complaints(engine: Engine, scope: Scope, limit: int = 500) -> list[OpenComplaint]:
    """The open complaints in scope, the longest untouched first."""
    query = scoped(
        select(
            Complaint.id,
            Complaint.status,
            Complaint.handler,
            Complaint.district,
            Complaint.enterprise_id,
            Enterprise.district,
            Complaint.category,
            Complaint.escalations,
            or_(Complaint.hazard_id.is_not(None), Complaint.incident_id.is_not(None)),
            Complaint.updated_at,
            Complaint.received_at,
        )
        .outerjoin(Enterprise, Enterprise.id == Complaint.enterprise_id)
        .where(_open()),
        scope,
        Complaint,
    ).order_by(Complaint.updated_at, Complaint.id)
    with engine.connect() as connection:
        return [OpenComplaint(*row) for row in connection.execute(query.limit(limit))]
