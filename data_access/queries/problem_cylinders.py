"""Queries behind /cylinders: the problem cylinders (the rules' findings about cylinders), filtered
and paged in the database; today's stage funnel per district and per enterprise; each
enterprise's chain completeness for a period (dashboard/domain/cylinders.py says the rule).

Scope: findings through `scoped(..., Finding)`. Scans are scoped by district through
`scoped(..., EventRecord)`; by enterprise through the scan's enterprise (below), not the log's own
reach (scans at the enterprise's sites), because deliveries are scanned at the customer's door
with no site: a delivery is the enterprise's whose cylinder it is (for a black cylinder: the
site's, else the delivering worker's).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Integer, Select, and_, case, exists, func, select
from sqlalchemy.sql.functions import coalesce

from dashboard.domain.cylinders import PROBLEM_KINDS, STAGES, completeness
from dashboard.domain.roles import Scope
from data_access.models import Cylinder, Enterprise, EventRecord, Finding, SafetyCheck, Site, Worker
from data_access.scope import scoped

S = TypeVar("S", bound=Select[*tuple[Any, ...]])
PAGE_SIZE = 50
OPEN = "open"  # the status filter's "open findings only" (the default)

SCAN_STAGE = EventRecord.data["stage"].as_string()
SCAN_CODE = EventRecord.data["code"].as_string()
SCAN_SITE = EventRecord.data["site_id"].as_string()
SCAN_WORKER = EventRecord.data["worker_id"].as_string()
SCAN_CUSTOMER = EventRecord.data["customer_id"].as_string()
# a scan's enterprise (a column expression, not a constant)
scan_enterprise = coalesce(Cylinder.enterprise_id, Site.enterprise_id, Worker.enterprise_id)


@dataclass(frozen=True)
class ProblemFilter:
    """What the list shows; None: no filter on that."""

    kind: str | None = None  # one of PROBLEM_KINDS
    enterprise_id: str | None = None
    district: str | None = None
    status: str | None = OPEN  # OPEN, "resolved", or None for all
    since: datetime | None = None  # found at or after
    until: datetime | None = None  # found before
    page: int = 1


@dataclass(frozen=True, slots=True)
class ProblemRow:
    id: int
    kind: str
    code: str
    district: str | None
    enterprise_id: str | None
    enterprise: str | None  # its name
    detail: str
    occurred_at: datetime
    resolved: bool
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True)
class ProblemList:
    rows: list[ProblemRow]
    total: int
    page: int
    pages: int
    by_kind: dict[str, int] = field(default_factory=dict)  # the other filters, every kind


def _conditions(wanted: ProblemFilter, skip: str = "") -> Iterator[Any]:
    yield Finding.kind.in_(PROBLEM_KINDS)
    if wanted.kind and skip != "kind":
        yield Finding.kind == wanted.kind
    if wanted.enterprise_id:
        yield Finding.enterprise_id == wanted.enterprise_id
    if wanted.district:
        yield Finding.district == wanted.district
    if wanted.status == OPEN:
        yield Finding.resolved.is_(False)
    elif wanted.status == "resolved":
        yield Finding.resolved.is_(True)
    if wanted.since is not None:
        yield Finding.occurred_at >= wanted.since
    if wanted.until is not None:
        yield Finding.occurred_at < wanted.until


def _filtered(query: S, scope: Scope, wanted: ProblemFilter, skip: str = "") -> S:
    return scoped(query, scope, Finding).where(*_conditions(wanted, skip))


_ROW_QUERY = select(
    Finding.id,
    Finding.kind,
    Finding.subject_id,
    Finding.district,
    Finding.enterprise_id,
    Enterprise.name,
    Finding.detail,
    Finding.occurred_at,
    Finding.resolved,
    Finding.resolved_at,
    Finding.resolution,
).outerjoin(Enterprise, Enterprise.id == Finding.enterprise_id)
_ORDER = (Finding.occurred_at.desc(), Finding.id.desc())


def problem_list(engine: Engine, scope: Scope, wanted: ProblemFilter) -> ProblemList:
    """One page of problem cylinders (newest first), the total and the counts per kind."""
    with engine.connect() as connection:
        total = (
            connection.scalar(_filtered(select(func.count()).select_from(Finding), scope, wanted))
            or 0
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = _filtered(_ROW_QUERY, scope, wanted).order_by(*_ORDER)
        rows = [
            _row(row)
            for row in connection.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
        ]
        kinds = _filtered(select(Finding.kind, func.count()), scope, wanted, "kind")
        by_kind = dict(connection.execute(kinds.group_by(Finding.kind)).all())
    return ProblemList(rows, total, page, pages, {k: by_kind.get(k, 0) for k in PROBLEM_KINDS})


def problem_rows(engine: Engine, scope: Scope, wanted: ProblemFilter, cap: int) -> list[ProblemRow]:
    """Every problem the filter matches (up to `cap`), in the list's order: for the exports."""
    query = _filtered(_ROW_QUERY, scope, replace(wanted, page=1)).order_by(*_ORDER).limit(cap)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def _row(row: Any) -> ProblemRow:
    (
        id_,
        kind,
        code,
        district,
        enterprise_id,
        enterprise,
        detail,
        when,
        resolved,
        resolved_at,
        resolution,
    ) = row
    return ProblemRow(
        id_,
        kind,
        code,
        district,
        enterprise_id,
        enterprise,
        detail,
        when,
        bool(resolved),
        resolved_at,
        resolution,
    )


# --- scans: the funnel and the completeness -------------------------------------------------


def _scans(query: S, scope: Scope) -> S:
    """`query` over the log's scans, joined to the scan's enterprise, limited to `scope`."""
    query = (
        query.outerjoin(Cylinder, Cylinder.code == SCAN_CODE)
        .outerjoin(Site, Site.id == SCAN_SITE)
        .outerjoin(Worker, Worker.id == SCAN_WORKER)
        .where(EventRecord.type == "cylinder.scanned")
    )
    query = scoped(query, Scope(district=scope.district), EventRecord)
    if scope.enterprise_id is not None:
        query = query.where(scan_enterprise == scope.enterprise_id)
    return query


@dataclass(frozen=True)
class Funnel:
    """Scans per stage (STAGES order) since the day began, per district and per enterprise."""

    by_district: dict[str, dict[str, int]]  # district -> stage -> scans
    by_enterprise: dict[str, dict[str, int]]  # enterprise id -> stage -> scans
    enterprise_names: dict[str, str]


def stage_funnel(engine: Engine, scope: Scope, day_start: datetime) -> Funnel:
    """Today's stage funnel, counted in SQL (grouped by stage and district or enterprise)."""
    since = EventRecord.occurred_at >= day_start
    stage_in = SCAN_STAGE.in_(STAGES)
    per_district = _scans(
        select(EventRecord.district, SCAN_STAGE, func.count()).select_from(EventRecord), scope
    ).where(since, stage_in)
    per_enterprise = _scans(
        select(scan_enterprise, SCAN_STAGE, func.count()).select_from(EventRecord), scope
    ).where(since, stage_in)
    with engine.connect() as connection:
        by_district = _nested(
            connection.execute(per_district.group_by(EventRecord.district, SCAN_STAGE))
        )
        by_enterprise = _nested(
            connection.execute(per_enterprise.group_by(scan_enterprise, SCAN_STAGE))
        )
        names = _enterprise_names(connection, by_enterprise)
    return Funnel(by_district, by_enterprise, names)


def _nested(rows: Any) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for key, stage, n in rows:
        if key is not None:
            counts.setdefault(key, dict.fromkeys(STAGES, 0))[stage] = int(n)
    return dict(sorted(counts.items()))


def _enterprise_names(connection: Any, ids: Any) -> dict[str, str]:
    wanted = sorted(ids)
    if not wanted:
        return {}
    query = select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(wanted))
    return {id_: name for id_, name in connection.execute(query)}


@dataclass(frozen=True, slots=True)
class Completeness:
    """An enterprise's deliveries in a period and how many were complete (the domain's rule)."""

    enterprise_id: str
    enterprise: str
    deliveries: int
    sold_real_name: int  # preceded by a sale to a real-name customer
    checked_photos: int  # with a safety check carrying all four photos
    complete: int  # both

    @property
    def share(self) -> float | None:
        return completeness(self.deliveries, self.complete)


def chain_completeness(
    engine: Engine, scope: Scope, since: datetime, until: datetime
) -> list[Completeness]:
    """Each enterprise's chain completeness for deliveries in [since, until), worst first."""
    no_sale = ~exists().where(
        Finding.seq == EventRecord.seq, Finding.kind == "delivery_without_sale"
    )
    photos = exists().where(
        SafetyCheck.code == SCAN_CODE,
        SafetyCheck.customer_id == SCAN_CUSTOMER,
        SafetyCheck.photos_complete.is_(True),
        SafetyCheck.occurred_at >= since,
        SafetyCheck.occurred_at < until,
    )

    def tally(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0).cast(Integer))

    query = _scans(
        select(
            scan_enterprise,
            func.count(),
            tally(no_sale),
            tally(photos),
            tally(and_(no_sale, photos)),
        ).select_from(EventRecord),
        scope,
    ).where(
        EventRecord.occurred_at >= since,
        EventRecord.occurred_at < until,
        SCAN_STAGE == "delivery",
    )
    with engine.connect() as connection:
        rows = [r for r in connection.execute(query.group_by(scan_enterprise)) if r[0]]
        names = _enterprise_names(connection, [r[0] for r in rows])
    found = [
        Completeness(e, names.get(e, e), int(n), int(sold or 0), int(checked or 0), int(ok or 0))
        for e, n, sold, checked, ok in rows
    ]
    return sorted(found, key=lambda c: (c.share if c.share is not None else 2.0, c.enterprise_id))
