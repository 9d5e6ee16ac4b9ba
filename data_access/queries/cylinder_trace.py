"""Everything /cylinder/<code> shows about one cylinder, within the user's scope.

A cylinder's scans are read through the log's subject index (`ix_event_log_subject_seq` on
data_access/models.py EVENT_SUBJECT_SQL): the subject of a `cylinder.scanned` is its code, so the
chain is an index range walk whatever the log's size, where filtering on `data->>'code'` reads
every scan in the log (docs/benchmarks.md "Cylinder trace").

Scope (data_access/scope.py `sees`): a registered cylinder belongs to its enterprise and to the
district it is in now (its last scan's; its enterprise's before its first scan); a black
(unregistered) cylinder belongs to the enterprises whose sites scanned it. An enterprise sees only
its own cylinders, a district officer the cylinders in their district. Out of scope and unknown
are the same answer (None), so the page reveals nothing about another enterprise's codes.
No personal data of customers is read: a scan shows the customer's kind and whether the sale was
real-name, never who they are.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    Connection,
    Engine,
    Select,
    String,
    bindparam,
    literal_column,
    select,
)

from dashboard.domain.cylinders import OPEN_DETENTION, SAFETY_PHOTOS, cylinder_status
from dashboard.domain.roles import Scope
from data_access.models import (
    EVENT_SUBJECT_SQL,
    Customer,
    Cylinder,
    CylinderDetention,
    CylinderState,
    Enterprise,
    EventRecord,
    Finding,
    SafetyCheck,
    Site,
    Worker,
)
from data_access.scope import sees

__all__ = [
    "CylinderTrace",
    "Detention",
    "Registry",
    "SafetyCheckRow",
    "TraceFinding",
    "TraceScan",
    "cylinder_trace",
    "scans_statement",
]

SCAN_LIMIT = 2000  # the newest scans shown: years of a busy cylinder's life
# the log's subject expression, as indexed (a column expression, not a constant)
subject: ColumnClause[str] = literal_column(EVENT_SUBJECT_SQL, String())


def scans_statement(code: str, limit: int = SCAN_LIMIT) -> Select[int, datetime, Any]:
    """A code's newest `cylinder.scanned` events, newest first, by the subject index."""
    return _scans_by_subject(limit).params(code=code)


@functools.cache
def _scans_by_subject(limit: int) -> Select[int, datetime, Any]:
    # Built once (the code a bound parameter): a trace's time goes to the database, not to
    # building statements.
    return (
        select(EventRecord.seq, EventRecord.occurred_at, EventRecord.data)
        .where(subject == bindparam("code", type_=String()), EventRecord.type == "cylinder.scanned")
        .order_by(EventRecord.seq.desc())
        .limit(limit)
    )


@dataclass(frozen=True, slots=True)
class Registry:
    """The cylinder's registry record (None fields: a black cylinder has none)."""

    enterprise_id: str
    enterprise_name: str
    licence_no: str | None
    capacity_kg: float
    manufactured_on: date
    last_inspected_on: date
    next_inspection_due: date
    scrap_due: date


@dataclass(frozen=True, slots=True)
class TraceScan:
    """One stage of the chain: where, by whom, for what kind of customer."""

    seq: int
    occurred_at: datetime
    stage: str
    site_id: str | None
    site_name: str | None
    site_enterprise_id: str | None
    worker_id: str | None
    worker_name: str | None
    certificate_no: str | None
    certificate_expires: date | None
    vehicle_id: str | None
    customer_kind: str | None  # household | commercial | industrial; None: no customer
    real_name: bool | None  # the customer is real-name verified; None: no customer
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class SafetyCheckRow:
    seq: int
    occurred_at: datetime
    passed: bool
    photos_complete: bool
    photos: dict[str, str | None]  # SAFETY_PHOTOS -> reference (None: missing or not kept)
    findings: list[str]
    worker_name: str | None
    customer_kind: str | None


@dataclass(frozen=True, slots=True)
class TraceFinding:
    id: int
    kind: str
    detail: str
    occurred_at: datetime
    resolved: bool
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class Detention:
    id: str
    status: str
    reason: str
    recall_by: date
    detained_by: str
    detained_at: datetime
    recalled_site: str | None  # the site's name (or id)
    recalled_at: datetime | None
    closed_at: datetime | None
    close_note: str | None
    escalated_at: datetime | None


@dataclass(frozen=True, slots=True)
class CylinderTrace:
    code: str
    registry: Registry | None  # None: black (not registered)
    status: str  # dashboard/domain/cylinders.py STATUSES
    stage: str | None  # the last stage
    district: str | None  # where it is now
    scans: list[TraceScan]  # oldest first
    checks: list[SafetyCheckRow]  # oldest first
    findings: list[TraceFinding]  # oldest first
    detentions: list[Detention]  # newest first

    @property
    def detained(self) -> bool:
        return any(d.status in OPEN_DETENTION for d in self.detentions)


def cylinder_trace(
    engine: Engine, scope: Scope, code: str, today: date | None = None
) -> CylinderTrace | None:
    """The cylinder's whole trace, or None when it is unknown or outside `scope`."""
    with engine.connect() as connection:
        registry = _registry(connection, code)
        state = connection.execute(_STATE, {"code": code}).first()
        raw = list(connection.execute(_scans_by_subject(SCAN_LIMIT), {"code": code}))[::-1]
        if registry is None and state is None and not raw:
            return None
        scans = _scans(connection, raw)
        if not _visible(connection, scope, registry, state, scans):
            return None
        detentions = _detentions(connection, code)
        checks = _checks(connection, code)
        findings = _findings(connection, code)
    stage = state.stage if state is not None else (scans[-1].stage if scans else None)
    detained = any(d.status in OPEN_DETENTION for d in detentions) or bool(
        state is not None and state.detained
    )
    status = cylinder_status(
        registered=registry is not None,
        last_stage=stage,
        detained=detained,
        next_inspection_due=registry.next_inspection_due if registry else None,
        scrap_due=registry.scrap_due if registry else None,
        today=today or date.today(),
    )
    return CylinderTrace(
        code=code,
        registry=registry,
        status=status,
        stage=stage,
        district=state.district if state is not None else None,
        scans=scans,
        checks=checks,
        findings=findings,
        detentions=detentions,
    )


# The trace's statements, built once with the code a bound parameter.
_STATE = select(CylinderState.stage, CylinderState.district, CylinderState.detained).where(
    CylinderState.code == bindparam("code", type_=String())
)
_REGISTRY = (
    select(
        Cylinder.enterprise_id,
        Enterprise.name,
        Enterprise.licence_no,
        Cylinder.capacity_kg,
        Cylinder.manufactured_on,
        Cylinder.last_inspected_on,
        Cylinder.next_inspection_due,
        Cylinder.scrap_due,
    )
    .outerjoin(Enterprise, Enterprise.id == Cylinder.enterprise_id)
    .where(Cylinder.code == bindparam("code", type_=String()))
)
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_SITES = select(Site.id, Site.name, Site.enterprise_id).where(Site.id.in_(_IDS))
_WORKERS = select(Worker.id, Worker.name, Worker.certificate_no, Worker.certificate_expires).where(
    Worker.id.in_(_IDS)
)
_CUSTOMERS = select(Customer.id, Customer.kind, Customer.real_name_verified).where(
    Customer.id.in_(_IDS)
)


def _registry(connection: Connection, code: str) -> Registry | None:
    row = connection.execute(_REGISTRY, {"code": code}).first()
    if row is None:
        return None
    return Registry(
        enterprise_id=row.enterprise_id,
        enterprise_name=row.name or row.enterprise_id,
        licence_no=row.licence_no,
        capacity_kg=row.capacity_kg,
        manufactured_on=row.manufactured_on,
        last_inspected_on=row.last_inspected_on,
        next_inspection_due=row.next_inspection_due,
        scrap_due=row.scrap_due,
    )


def _visible(
    connection: Connection,
    scope: Scope,
    registry: Registry | None,
    state: Any,
    scans: list[TraceScan],
) -> bool:
    district = state.district if state is not None else None
    if registry is not None:
        if district is None:  # never scanned: where its enterprise is
            district = connection.scalar(
                select(Enterprise.district).where(Enterprise.id == registry.enterprise_id)
            )
        return sees(scope, district, registry.enterprise_id)
    # A black cylinder has no owner but the enterprises whose sites scanned it.
    owners = {scan.site_enterprise_id for scan in scans if scan.site_enterprise_id}
    if scope.enterprise_id is not None:
        return scope.enterprise_id in owners and sees(scope, district, scope.enterprise_id)
    return sees(scope, district, None)


def _scans(connection: Connection, raw: list[Any]) -> list[TraceScan]:
    datas = [data if isinstance(data, dict) else {} for _seq, _when, data in raw]
    sites = _by_id(connection, _SITES, (d.get("site_id") for d in datas))
    workers = _by_id(connection, _WORKERS, (d.get("worker_id") for d in datas))
    customers = _by_id(connection, _CUSTOMERS, (d.get("customer_id") for d in datas))
    scans = []
    for (seq, when, _data), data in zip(raw, datas, strict=True):
        site = sites.get(data.get("site_id"))
        worker = workers.get(data.get("worker_id"))
        customer = customers.get(data.get("customer_id"))
        scans.append(
            TraceScan(
                seq=seq,
                occurred_at=when,
                stage=str(data.get("stage")),
                site_id=data.get("site_id"),
                site_name=site.name if site else None,
                site_enterprise_id=site.enterprise_id if site else None,
                worker_id=data.get("worker_id"),
                worker_name=worker.name if worker else None,
                certificate_no=worker.certificate_no if worker else None,
                certificate_expires=worker.certificate_expires if worker else None,
                vehicle_id=data.get("vehicle_id"),
                customer_kind=customer.kind if customer else None,
                real_name=bool(customer.real_name_verified) if customer else None,
                lat=float(data.get("lat", 0.0)),
                lon=float(data.get("lon", 0.0)),
            )
        )
    return scans


def _by_id(
    connection: Connection, query: Select[*tuple[Any, ...]], ids: Iterable[Any]
) -> dict[Any, Any]:
    """`query`'s rows (first column the id) for the ids, by id; 500 ids a statement."""
    wanted = sorted({i for i in ids if isinstance(i, str)})
    found: dict[Any, Any] = {}
    for start in range(0, len(wanted), 500):
        for row in connection.execute(query, {"ids": wanted[start : start + 500]}):
            found[row[0]] = row
    return found


_CHECKS = (
    select(
        SafetyCheck.seq,
        SafetyCheck.occurred_at,
        SafetyCheck.passed,
        SafetyCheck.photos_complete,
        SafetyCheck.photos,
        SafetyCheck.findings,
        Worker.name,
        Customer.kind,
    )
    .outerjoin(Worker, Worker.id == SafetyCheck.worker_id)
    .outerjoin(Customer, Customer.id == SafetyCheck.customer_id)
    .where(SafetyCheck.code == bindparam("code", type_=String()))
    .order_by(SafetyCheck.seq)
)


def _checks(connection: Connection, code: str) -> list[SafetyCheckRow]:
    rows = list(connection.execute(_CHECKS, {"code": code}))
    return [
        SafetyCheckRow(
            seq=seq,
            occurred_at=when,
            passed=bool(passed),
            photos_complete=bool(complete),
            photos={name: (photos or {}).get(name) for name in SAFETY_PHOTOS},
            findings=[str(item) for item in findings or []],
            worker_name=worker,
            customer_kind=kind,
        )
        for seq, when, passed, complete, photos, findings, worker, kind in rows
    ]


_FINDINGS = (
    select(
        Finding.id,
        Finding.kind,
        Finding.detail,
        Finding.occurred_at,
        Finding.resolved,
        Finding.resolved_at,
        Finding.resolution,
    )
    .where(Finding.subject_id == bindparam("code", type_=String()))
    .order_by(Finding.seq, Finding.id)
)


def _findings(connection: Connection, code: str) -> list[TraceFinding]:
    query = _FINDINGS
    return [
        TraceFinding(id_, kind, detail, when, bool(resolved), resolved_at, resolution)
        for id_, kind, detail, when, resolved, resolved_at, resolution in connection.execute(
            query, {"code": code}
        )
    ]


_DETENTIONS = (
    select(
        CylinderDetention.id,
        CylinderDetention.status,
        CylinderDetention.reason,
        CylinderDetention.recall_by,
        CylinderDetention.detained_by,
        CylinderDetention.detained_at,
        Site.name,
        CylinderDetention.recalled_site_id,
        CylinderDetention.recalled_at,
        CylinderDetention.closed_at,
        CylinderDetention.close_note,
        CylinderDetention.escalated_at,
    )
    .outerjoin(Site, Site.id == CylinderDetention.recalled_site_id)
    .where(CylinderDetention.code == bindparam("code", type_=String()))
    .order_by(CylinderDetention.seq.desc())
)


def _detentions(connection: Connection, code: str) -> list[Detention]:
    query = _DETENTIONS
    return [
        Detention(
            id_,
            status,
            reason,
            recall_by,
            by,
            at,
            site_name or site_id,
            recalled_at,
            closed_at,
            note,
            escalated_at,
        )
        for (
            id_,
            status,
            reason,
            recall_by,
            by,
            at,
            site_name,
            site_id,
            recalled_at,
            closed_at,
            note,
            escalated_at,
        ) in connection.execute(query, {"code": code})
    ]
