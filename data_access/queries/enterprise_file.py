"""One file per enterprise (一企一档, /enterprise/<id>) and the list of enterprises (/enterprises).

Who may open a file is the viewer's scope on the enterprise (data_access/scope.py): an enterprise
user its own only, a district officer the enterprises registered in their district, everyone else
every one. What the file holds is the enterprise's own objects, as the same module defines
ownership: every section is read through `scoped(query, Scope(enterprise_id=<its id>), Model)`,
so the file shows exactly what the enterprise itself sees of its own (its hazards are those it
must rectify, its inspections those of it or of its sites, its complaints those naming it).

Vehicles: there is no vehicle registry. The file reads the enterprise's VEHICLE_SAMPLE most
recently moved cylinders (its cylinders by the enterprise index, joined to their states) and the
newest VEHICLE_SCANS_PER_CYLINDER events of each through the log's subject index (the subject of
a scan is its code, data_access/models.py EVENT_SUBJECT_SQL), and keeps the distinct
`vehicle_id`s of their scans within VEHICLE_WINDOW: bounded index ranges whatever the log's size,
never a filter on the JSON of every recent scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
)

from dashboard.domain import complaints, detentions
from dashboard.domain.enterprises import (
    BLACK,
    CYLINDER_STATUSES,
    VEHICLE_SAMPLE,
    VEHICLE_SCANS_PER_CYLINDER,
    VEHICLE_WINDOW,
    certificate_state,
    is_flagged,
)
from dashboard.domain.hazards import OPEN_STATUSES as HAZARD_OPEN
from dashboard.domain.roles import Scope
from dashboard.domain.violations import Total, is_suspended, points_year, year_totals
from data_access.models import (
    EVENT_SUBJECT_SQL,
    Complaint,
    Cylinder,
    CylinderDetention,
    CylinderState,
    Enterprise,
    EventRecord,
    Finding,
    Hazard,
    InspectionRecord,
    Site,
    Violation,
    ViolationPoints,
    Worker,
)
from data_access.scope import scoped

S = TypeVar("S", bound=Select[*tuple[Any, ...]])
PAGE_SIZE = 50
LIST_LIMIT = 200  # rows of one section shown (counts are always whole)
RECENT_INSPECTIONS = 30
SUBJECT: ColumnElement[str] = literal_column(EVENT_SUBJECT_SQL)
DETENTION_OPEN = detentions.OPEN_STATUSES
BLACK_FINDING = "black_cylinder"  # data_access/projections/cylinders.py


def _own(query: S, enterprise_id: str, model: type) -> S:
    """`query` limited to the enterprise's own objects of `model` (the scope module's rule)."""
    return scoped(query, Scope(enterprise_id=enterprise_id), model)


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnterpriseHead:
    id: str
    name: str
    kind: str  # pipeline | bottled | vehicle
    district: str
    licence_no: str | None


@dataclass(frozen=True, slots=True)
class SiteRow:
    id: str
    kind: str
    name: str
    district: str
    grid_cell: str | None
    points: int  # this year's, on the 12-point system
    suspended: bool


@dataclass(frozen=True, slots=True)
class VehicleRow:
    vehicle_id: str
    scans: int  # of the sampled cylinders, in the window
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class WorkerRow:
    id: str
    name: str
    role: str
    certificate_no: str | None
    certificate_expires: date | None
    certificate: str  # dashboard/domain/enterprises.py CERTIFICATE_STATES
    points: int
    suspended: bool

    @property
    def flagged(self) -> bool:
        return is_flagged(self.certificate)


@dataclass(frozen=True, slots=True)
class HazardItem:
    id: str
    number: str | None
    category: str
    level: str
    status: str
    escalation: str | None
    due_at: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class FindingItem:
    id: int
    kind: str
    code: str  # the subject: a cylinder's code
    detail: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class DetentionItem:
    id: str
    code: str
    status: str
    reason: str
    recall_by: date
    detained_at: datetime
    late: bool


@dataclass(frozen=True, slots=True)
class ComplaintItem:
    id: str
    category: str
    channel: str
    status: str
    received_at: datetime
    due_at: datetime | None
    late: bool


@dataclass(frozen=True)
class ComplaintSummary:
    open: int
    late: int
    closed_this_year: int
    on_time_this_year: int  # closed by their time limit
    satisfaction: float | None  # the mean of this year's closed ones that were rated
    rows: list[ComplaintItem]

    @property
    def timeliness(self) -> float | None:
        """The share of this year's closed complaints closed in time."""
        return self.on_time_this_year / self.closed_this_year if self.closed_this_year else None


@dataclass(frozen=True, slots=True)
class PointsRow:
    subject_type: str  # enterprise | site | worker
    subject_id: str
    name: str
    points: int
    violations: int
    suspended: bool


@dataclass(frozen=True, slots=True)
class ViolationItem:
    id: str
    subject_type: str
    subject_id: str
    subject_name: str
    rule: str
    points: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class InspectionItem:
    id: str
    kind: str
    target_type: str
    target_id: str
    target_name: str
    passed: bool
    occurred_at: datetime


@dataclass(frozen=True)
class EnterpriseFile:
    head: EnterpriseHead
    year: int  # the 12-point year shown
    sites: list[SiteRow]
    vehicles: list[VehicleRow]
    workers: list[WorkerRow]
    cylinders: dict[str, int]  # CYLINDER_STATUSES and BLACK -> count
    black_codes: list[str]  # a few unregistered codes found at its sites, newest first
    hazards: list[HazardItem]  # open ones, the most overdue first
    findings_by_kind: dict[str, int]  # open findings (problem cylinders)
    findings: list[FindingItem]  # open ones, newest first
    detentions_by_status: dict[str, int]
    detentions: list[DetentionItem]  # open ones first, then the newest closed
    complaints: ComplaintSummary
    points: list[PointsRow]  # the enterprise first, then its sites and workers with points
    violations: list[ViolationItem]  # this year's, newest first
    inspections: list[InspectionItem]  # newest first
    inspections_this_year: tuple[int, int] = (0, 0)  # (passed, failed)
    totals: dict[str, int] = field(default_factory=dict)  # whole counts of the capped lists

    @property
    def enterprise_points(self) -> PointsRow:
        return self.points[0]

    @property
    def overdue_hazards(self) -> int:
        return sum(hazard.overdue for hazard in self.hazards)

    @property
    def late_detentions(self) -> int:
        return sum(item.late for item in self.detentions)

    @property
    def flagged_workers(self) -> int:
        return sum(worker.flagged for worker in self.workers)


# --- the file ----------------------------------------------------------------------------------


def enterprise_head(engine: Engine, scope: Scope, enterprise_id: str) -> EnterpriseHead | None:
    """The enterprise if `scope` may open its file, else None (unknown and out of reach alike)."""
    with engine.connect() as connection:
        return _head(connection, scope, enterprise_id)


def _head(connection: Connection, scope: Scope, enterprise_id: str) -> EnterpriseHead | None:
    query = scoped(
        select(
            Enterprise.id, Enterprise.name, Enterprise.kind, Enterprise.district,
            Enterprise.licence_no,
        ).where(Enterprise.id == enterprise_id),
        scope,
        Enterprise,
    )  # fmt: skip
    found = connection.execute(query).first()
    return EnterpriseHead(*found) if found is not None else None


def enterprise_file(
    engine: Engine, scope: Scope, enterprise_id: str, now: datetime, zone: ZoneInfo
) -> EnterpriseFile | None:
    """The whole file, or None when `scope` may not open it (or there is no such enterprise)."""
    today = now.astimezone(zone).date()
    year = points_year(now)
    with engine.connect() as connection:
        head = _head(connection, scope, enterprise_id)
        if head is None:
            return None
        e = head.id
        violations = _violations(connection, e, year)
        totals = year_totals(
            ((v.subject_type, v.subject_id, v.points, v.occurred_at) for v in violations), year
        )
        sites = _sites(connection, e, totals)
        workers = _workers(connection, e, totals, today)
        named = _names(head, sites, workers)
        cylinders, black_codes = _cylinders(connection, e, today)
        findings_by_kind, findings = _findings(connection, e)
        detentions_by_status, detained = _detentions(connection, e, now)
        inspections, this_year = _inspections(connection, e, named, now, zone)
        return EnterpriseFile(
            head=head,
            year=year,
            sites=sites,
            vehicles=_vehicles(connection, e, now),
            workers=workers,
            cylinders=cylinders,
            black_codes=black_codes,
            hazards=_hazards(connection, e, now),
            findings_by_kind=findings_by_kind,
            findings=findings,
            detentions_by_status=detentions_by_status,
            detentions=detained,
            complaints=_complaints(connection, e, now, zone),
            points=_points(head, totals, named),
            violations=[
                replace(v, subject_name=named.get((v.subject_type, v.subject_id), v.subject_id))
                for v in violations
            ],
            inspections=inspections,
            inspections_this_year=this_year,
            totals={
                "hazards": _count(connection, _own(_open_hazards(), e, Hazard)),
                "findings": sum(findings_by_kind.values()),
            },
        )


def _count(connection: Connection, query: Select[Any]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(connection.scalar(counted) or 0)


def _names(
    head: EnterpriseHead, sites: list[SiteRow], workers: list[WorkerRow]
) -> dict[tuple[str, str], str]:
    named = {("enterprise", head.id): head.name}
    named.update({("site", site.id): site.name for site in sites})
    named.update({("worker", worker.id): worker.name for worker in workers})
    return named


def _sites(connection: Connection, e: str, totals: dict[tuple[str, str], Total]) -> list[SiteRow]:
    query = _own(
        select(Site.id, Site.kind, Site.name, Site.district, Site.grid_cell), e, Site
    ).order_by(Site.kind, Site.name, Site.id)
    rows = []
    for site_id, kind, name, district, cell in connection.execute(query):
        total = totals.get(("site", site_id), Total(0, 0))
        rows.append(SiteRow(site_id, kind, name, district, cell, total.points, total.suspended))
    return rows


def _workers(
    connection: Connection, e: str, totals: dict[tuple[str, str], Total], today: date
) -> list[WorkerRow]:
    query = _own(
        select(
            Worker.id, Worker.name, Worker.role, Worker.certificate_no, Worker.certificate_expires
        ),
        e,
        Worker,
    ).order_by(Worker.name, Worker.id)
    rows = []
    for worker_id, name, role, number, expires in connection.execute(query):
        total = totals.get(("worker", worker_id), Total(0, 0))
        state = certificate_state(expires, today)
        rows.append(
            WorkerRow(worker_id, name, role, number, expires, state, total.points, total.suspended)
        )
    # the flagged ones first (expired, then expiring, then none on record), each by name
    order = {"expired": 0, "expiring": 1, "missing": 2, "valid": 3}
    return sorted(rows, key=lambda row: (order[row.certificate], row.name, row.id))


def _vehicles(connection: Connection, e: str, now: datetime) -> list[VehicleRow]:
    since = now - VEHICLE_WINDOW
    recent = (
        _own(
            select(CylinderState.code)
            .select_from(Cylinder)
            .join(CylinderState, CylinderState.code == Cylinder.code),
            e,
            Cylinder,
        )
        .where(CylinderState.occurred_at >= since)
        .order_by(CylinderState.occurred_at.desc())
        .limit(VEHICLE_SAMPLE)
    )
    codes = list(connection.scalars(recent))
    if not codes:
        return []
    # Each sampled cylinder's newest events by the subject index, one bounded range each (no
    # type or time condition in SQL: either would lead the planner to the type or the time
    # index and a read of every recent event); the scans of the window are kept below. One
    # statement, compiled once, run per code: a 200-part UNION costs more to build than to run.
    newest = (
        select(
            EventRecord.data["vehicle_id"].as_string(), EventRecord.type, EventRecord.occurred_at
        )
        .where(bindparam("code") == SUBJECT)
        .order_by(EventRecord.seq.desc())
        .limit(VEHICLE_SCANS_PER_CYLINDER)
    )
    scans = [row for code in codes for row in connection.execute(newest, {"code": code})]
    seen: dict[str, tuple[int, datetime]] = {}
    for vehicle_id, kind, when in scans:
        if not vehicle_id or kind != "cylinder.scanned" or when < since:
            continue
        count, last = seen.get(vehicle_id, (0, when))
        seen[vehicle_id] = (count + 1, max(last, when))
    return sorted(
        (VehicleRow(v, count, last) for v, (count, last) in seen.items()),
        key=lambda row: (-row.scans, row.vehicle_id),
    )


def _cylinders(connection: Connection, e: str, today: date) -> tuple[dict[str, int], list[str]]:
    """Registered cylinders by status (dashboard/domain/enterprises.py: the first that holds),
    and the black ones found at its sites."""
    status = case(
        (CylinderState.stage == "scrap", "scrapped"),
        (CylinderState.detained.is_(True), "detained"),
        (Cylinder.scrap_due < today, "past_scrap"),
        (Cylinder.next_inspection_due < today, "inspection_overdue"),
        else_="in_service",
    ).label("status")
    query = _own(
        select(status, func.count())
        .select_from(Cylinder)
        .outerjoin(CylinderState, CylinderState.code == Cylinder.code),
        e,
        Cylinder,
    ).group_by(status)
    counted: dict[str, int] = dict(connection.execute(query).tuples().all())
    by_status = {key: int(counted.get(key, 0)) for key in CYLINDER_STATUSES}
    # Black cylinders found at its sites: the black-cylinder findings recorded against it (a
    # finding of an unregistered code takes the enterprise of the site it was scanned at), by
    # the findings' enterprise index, where cylinder_states has no index on the site.
    black = _own(select(Finding.subject_id), e, Finding).where(Finding.kind == BLACK_FINDING)
    by_status[BLACK] = _count(connection, black.distinct())
    newest = black.group_by(Finding.subject_id).order_by(func.max(Finding.seq).desc()).limit(20)
    return by_status, list(connection.scalars(newest))


def _open_hazards() -> Select[Any]:
    return select(Hazard.id).where(Hazard.status.in_(HAZARD_OPEN))


def _hazards(connection: Connection, e: str, now: datetime) -> list[HazardItem]:
    query = (
        _own(
            select(
                Hazard.id, Hazard.number, Hazard.category, Hazard.level, Hazard.status,
                Hazard.escalation, Hazard.due_at,
            ),
            e,
            Hazard,
        )
        .where(Hazard.status.in_(HAZARD_OPEN))
        .order_by(Hazard.due_at, Hazard.id)
        .limit(LIST_LIMIT)
    )  # fmt: skip
    return [HazardItem(*row, overdue=row.due_at < now) for row in connection.execute(query)]


def _findings(connection: Connection, e: str) -> tuple[dict[str, int], list[FindingItem]]:
    still_open = Finding.resolved.is_(False)
    by_kind = _own(select(Finding.kind, func.count()), e, Finding).where(still_open)
    counted = {kind: int(n) for kind, n in connection.execute(by_kind.group_by(Finding.kind))}
    rows = (
        _own(
            select(
                Finding.id, Finding.kind, Finding.subject_id, Finding.detail, Finding.occurred_at
            ),
            e,
            Finding,
        )
        .where(still_open)
        .order_by(Finding.seq.desc())
        .limit(LIST_LIMIT)
    )
    return dict(sorted(counted.items())), [FindingItem(*row) for row in connection.execute(rows)]


def _detentions(
    connection: Connection, e: str, now: datetime
) -> tuple[dict[str, int], list[DetentionItem]]:
    counted = dict(
        connection.execute(
            _own(select(CylinderDetention.status, func.count()), e, CylinderDetention).group_by(
                CylinderDetention.status
            )
        ).all()
    )
    by_status = {status: int(counted.get(status, 0)) for status in detentions.STATUSES}
    still_open = CylinderDetention.status.in_(DETENTION_OPEN)
    query = (
        _own(
            select(
                CylinderDetention.id, CylinderDetention.code, CylinderDetention.status,
                CylinderDetention.reason, CylinderDetention.recall_by,
                CylinderDetention.detained_at,
            ),
            e,
            CylinderDetention,
        )
        .order_by(case((still_open, 0), else_=1), CylinderDetention.detained_at.desc())
        .limit(LIST_LIMIT)
    )  # fmt: skip
    return by_status, [
        DetentionItem(*row, late=detentions.is_late(row.status, row.recall_by, now))
        for row in connection.execute(query)
    ]


def _complaints(connection: Connection, e: str, now: datetime, zone: ZoneInfo) -> ComplaintSummary:
    start = datetime(now.astimezone(zone).year, 1, 1, tzinfo=zone)
    still_open = Complaint.status != complaints.CLOSED
    late = and_(still_open, Complaint.due_at.is_not(None), Complaint.due_at < now)
    closed = and_(
        Complaint.status == complaints.CLOSED,
        Complaint.closed_at.is_not(None),
        Complaint.closed_at >= start,
    )
    on_time = and_(closed, or_(Complaint.due_at.is_(None), Complaint.closed_at <= Complaint.due_at))
    counts = _own(
        select(
            func.count().filter(still_open),
            func.count().filter(late),
            func.count().filter(closed),
            func.count().filter(on_time),
            func.avg(case((closed, Complaint.satisfaction))),
        ),
        e,
        Complaint,
    )
    n_open, n_late, n_closed, n_on_time, satisfaction = connection.execute(counts).one()
    query = (
        _own(
            select(
                Complaint.id, Complaint.category, Complaint.channel, Complaint.status,
                Complaint.received_at, Complaint.due_at,
            ),
            e,
            Complaint,
        )
        .where(still_open)
        .order_by(Complaint.received_at.desc(), Complaint.id)
        .limit(LIST_LIMIT)
    )  # fmt: skip
    rows = [
        ComplaintItem(*row, late=row.due_at is not None and row.due_at < now)
        for row in connection.execute(query)
    ]
    return ComplaintSummary(
        int(n_open or 0),
        int(n_late or 0),
        int(n_closed or 0),
        int(n_on_time or 0),
        float(satisfaction) if satisfaction is not None else None,
        rows,
    )


def _violations(connection: Connection, e: str, year: int) -> list[ViolationItem]:
    query = (
        _own(
            select(
                Violation.id, Violation.subject_type, Violation.subject_id, Violation.subject_id,
                Violation.rule, Violation.points, Violation.occurred_at,
            ),
            e,
            Violation,
        )
        .where(Violation.year == year)
        .order_by(Violation.occurred_at.desc(), Violation.id)
    )  # fmt: skip
    return [ViolationItem(*row) for row in connection.execute(query)]


def _points(
    head: EnterpriseHead,
    totals: dict[tuple[str, str], Total],
    named: dict[tuple[str, str], str],
) -> list[PointsRow]:
    """The enterprise's total (always shown), then each site's and worker's with points."""
    own = totals.get(("enterprise", head.id), Total(0, 0))
    rows = [PointsRow("enterprise", head.id, head.name, own.points, own.violations, own.suspended)]
    others = sorted(
        ((key, total) for key, total in totals.items() if key[0] != "enterprise"),
        key=lambda item: (item[0][0] != "site", -item[1].points, item[0][1]),
    )
    rows += [
        PointsRow(kind, subject, named.get((kind, subject), subject), total.points,
                  total.violations, total.suspended)
        for (kind, subject), total in others
    ]  # fmt: skip
    return rows


def _inspections(
    connection: Connection,
    e: str,
    named: dict[tuple[str, str], str],
    now: datetime,
    zone: ZoneInfo,
) -> tuple[list[InspectionItem], tuple[int, int]]:
    query = (
        _own(
            select(
                InspectionRecord.id, InspectionRecord.kind, InspectionRecord.target_type,
                InspectionRecord.target_id, InspectionRecord.passed, InspectionRecord.occurred_at,
            ),
            e,
            InspectionRecord,
        )
        .order_by(InspectionRecord.occurred_at.desc(), InspectionRecord.id)
        .limit(RECENT_INSPECTIONS)
    )  # fmt: skip
    rows = [
        InspectionItem(
            row.id, row.kind, row.target_type, row.target_id,
            named.get((row.target_type, row.target_id), row.target_id), row.passed,
            row.occurred_at,
        )
        for row in connection.execute(query)
    ]  # fmt: skip
    start = datetime(now.astimezone(zone).year, 1, 1, tzinfo=zone)
    passed = InspectionRecord.passed.is_(True)
    year = _own(
        select(func.count().filter(passed), func.count().filter(~passed)),
        e,
        InspectionRecord,
    ).where(InspectionRecord.occurred_at >= start)
    n_passed, n_failed = connection.execute(year).one()
    return rows, (int(n_passed or 0), int(n_failed or 0))


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseFilter:
    """What the list shows; None or empty: no filter on that."""

    text: str | None = None  # in the name, the id or the licence number
    district: str | None = None
    kind: str | None = None
    suspended: bool = False  # the enterprise itself suspended this 12-point year
    open_hazards: bool = False
    open_detentions: bool = False
    page: int = 1


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    id: str
    name: str
    kind: str
    district: str
    licence_no: str | None
    sites: int
    workers: int
    cylinders: int
    open_hazards: int
    open_detentions: int
    open_complaints: int
    points: int  # the enterprise's own this year
    suspended: bool
    suspended_subjects: int  # its sites and workers suspended this year


@dataclass(frozen=True)
class EnterpriseList:
    rows: list[EnterpriseRow]
    total: int
    page: int
    pages: int


def _has(model: type, condition: Any) -> Any:
    """An enterprise has a `model` row matching `condition` (the model's enterprise_id)."""
    return exists().where(model.enterprise_id == Enterprise.id, condition)  # type: ignore[attr-defined]


def _conditions(wanted: EnterpriseFilter, year: int) -> Iterator[Any]:
    if wanted.text:
        like = f"%{wanted.text.strip().lower()}%"
        yield or_(
            func.lower(Enterprise.name).like(like),
            func.lower(Enterprise.id).like(like),
            func.lower(func.coalesce(Enterprise.licence_no, "")).like(like),
        )
    if wanted.district:
        yield Enterprise.district == wanted.district
    if wanted.kind:
        yield Enterprise.kind == wanted.kind
    if wanted.suspended:
        yield exists().where(
            ViolationPoints.subject_type == "enterprise",
            ViolationPoints.subject_id == Enterprise.id,
            ViolationPoints.year == year,
            ViolationPoints.suspended.is_(True),
        )
    if wanted.open_hazards:
        yield _has(Hazard, Hazard.status.in_(HAZARD_OPEN))
    if wanted.open_detentions:
        yield _has(CylinderDetention, CylinderDetention.status.in_(DETENTION_OPEN))


def _counted(model: type, *conditions: Any) -> Any:
    column = model.enterprise_id  # type: ignore[attr-defined]
    return (
        select(func.count())
        .select_from(model)
        .where(column == Enterprise.id, *conditions)
        .correlate(Enterprise)
        .scalar_subquery()
    )


def _row_query(year: int) -> Select[Any]:
    own_points = (
        select(ViolationPoints.points)
        .where(
            ViolationPoints.subject_type == "enterprise",
            ViolationPoints.subject_id == Enterprise.id,
            ViolationPoints.year == year,
        )
        .correlate(Enterprise)
        .scalar_subquery()
    )
    return select(
        Enterprise.id,
        Enterprise.name,
        Enterprise.kind,
        Enterprise.district,
        Enterprise.licence_no,
        _counted(Site),
        _counted(Worker),
        _counted(Cylinder),
        _counted(Hazard, Hazard.status.in_(HAZARD_OPEN)),
        _counted(CylinderDetention, CylinderDetention.status.in_(DETENTION_OPEN)),
        _counted(Complaint, Complaint.status != complaints.CLOSED),
        func.coalesce(own_points, 0),
        _counted(
            ViolationPoints,
            ViolationPoints.subject_type != "enterprise",
            ViolationPoints.year == year,
            ViolationPoints.suspended.is_(True),
        ),
    )


def _row(row: Any) -> EnterpriseRow:
    (enterprise_id, name, kind, district, licence, *counts, points, suspended_subjects) = row
    sites, workers, cylinders, hazards, detained, complained = (int(n or 0) for n in counts)
    return EnterpriseRow(
        enterprise_id, name, kind, district, licence, sites, workers, cylinders, hazards,
        detained, complained, int(points), is_suspended(int(points)), int(suspended_subjects or 0),
    )  # fmt: skip


def enterprise_list(
    engine: Engine, scope: Scope, wanted: EnterpriseFilter, now: datetime
) -> EnterpriseList:
    """One page of the enterprises in `scope` matching the filter, with their counts."""
    year = points_year(now)
    filtered = scoped(select(func.count()).select_from(Enterprise), scope, Enterprise)
    with engine.connect() as connection:
        total = int(connection.scalar(filtered.where(*_conditions(wanted, year))) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = (
            scoped(_row_query(year), scope, Enterprise)
            .where(*_conditions(wanted, year))
            .order_by(Enterprise.name, Enterprise.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        rows = [_row(row) for row in connection.execute(query)]
    return EnterpriseList(rows, total, page, pages)


def enterprise_rows(
    engine: Engine, scope: Scope, wanted: EnterpriseFilter, now: datetime, cap: int
) -> list[EnterpriseRow]:
    """Every enterprise the filter matches (up to `cap`), in the list's order: for the exports."""
    year = points_year(now)
    query = (
        scoped(_row_query(year), scope, Enterprise)
        .where(*_conditions(wanted, year))
        .order_by(Enterprise.name, Enterprise.id)
        .limit(cap)
    )
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]
