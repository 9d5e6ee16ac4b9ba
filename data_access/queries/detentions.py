"""Queries behind the detention queue (/detentions, 在线扣瓶): the detentions in a user's scope
(an enterprise: its own, which is its recall queue), filtered, counted per status, paged in the
database; who answers for a cylinder (the detain form); an enterprise's own sites (the recall
site picker); the notices the notifier delivered of them (the enterprise's in-app view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, select

from dashboard.domain.detentions import DETAINED, OPEN_STATUSES, STATUSES, today
from dashboard.domain.roles import Scope
from data_access.models import (
    Cylinder,
    CylinderDetention,
    CylinderState,
    DetentionNotice,
    Enterprise,
    Finding,
    Site,
)
from data_access.scope import scoped, sees

PAGE_SIZE = 50
OPEN = "open"  # the status filter's "detained or recalled"
_D = CylinderDetention
_N = DetentionNotice


@dataclass(frozen=True)
class DetentionFilter:
    """What the queue shows; None or empty: no filter on that."""

    status: str | None = OPEN  # a status, OPEN, or None for all
    enterprise_id: str | None = None
    district: str | None = None
    late: bool = False  # still detained after the recall day
    code: str | None = None  # a cylinder code (exact)
    page: int = 1


@dataclass(frozen=True, slots=True)
class DetentionRow:
    id: str
    code: str
    enterprise_id: str
    enterprise: str  # its name
    district: str | None
    reason: str
    recall_by: date
    status: str
    detained_by: str
    detained_at: datetime
    recalled_site_id: str | None
    recalled_site: str | None  # its name
    recalled_by: str | None
    recalled_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None
    escalated_at: datetime | None


@dataclass(frozen=True)
class DetentionBoard:
    rows: list[DetentionRow]
    total: int
    page: int
    pages: int
    by_status: dict[str, int]  # in scope, whatever the status filter
    late: int  # in scope and filters, still detained past the recall day


@dataclass(frozen=True)
class CylinderOwner:
    """Who answers for a cylinder, from the registry: its enterprise and where it is."""

    code: str
    enterprise_id: str
    enterprise_name: str
    district: str | None  # where it was last scanned, else its enterprise's district
    registered: bool  # False: a black code, answered for by the site it was scanned at


def responsible_enterprise(connection: Connection, code: str) -> CylinderOwner | None:
    """The cylinder's responsible enterprise (the registry's; for an unregistered code, the
    enterprise of the site it was last scanned at) and district (None: nobody answers for it)."""
    enterprise_id = connection.scalar(select(Cylinder.enterprise_id).where(Cylinder.code == code))
    state = connection.execute(
        select(CylinderState.district, CylinderState.site_id).where(CylinderState.code == code)
    ).first()
    registered = enterprise_id is not None
    if not registered and state is not None and state.site_id is not None:
        enterprise_id = connection.scalar(
            select(Site.enterprise_id).where(Site.id == state.site_id)
        )
    if enterprise_id is None:
        return None
    enterprise = connection.execute(
        select(Enterprise.name, Enterprise.district).where(Enterprise.id == enterprise_id)
    ).first()
    name = enterprise.name if enterprise is not None else enterprise_id
    district = state.district if state is not None and state.district else None
    if district is None and enterprise is not None:
        district = enterprise.district
    return CylinderOwner(code, enterprise_id, name, district, registered)


def cylinder_owner(engine: Engine, scope: Scope, code: str) -> CylinderOwner | None:
    """`responsible_enterprise` for a user: None when the cylinder is unknown or out of reach."""
    with engine.connect() as connection:
        owner = responsible_enterprise(connection, code)
    if owner is None or not sees(scope, owner.district, owner.enterprise_id):
        return None
    return owner


def open_detention_id(engine: Engine, scope: Scope, code: str) -> str | None:
    """The cylinder's open detention in the user's scope, if any."""
    query = scoped(
        select(_D.id).where(_D.code == code, _D.status.in_(OPEN_STATUSES)), scope, _D
    ).limit(1)
    with engine.connect() as connection:
        return connection.scalar(query)


def _conditions(wanted: DetentionFilter, now: datetime, status: bool = True) -> list[Any]:
    found: list[ColumnElement[bool]] = []
    if status and wanted.status == OPEN:
        found.append(_D.status.in_(OPEN_STATUSES))
    elif status and wanted.status:
        found.append(_D.status == wanted.status)
    if wanted.enterprise_id:
        found.append(_D.enterprise_id == wanted.enterprise_id)
    if wanted.district:
        found.append(_D.district == wanted.district)
    if wanted.code:
        found.append(_D.code == wanted.code)
    if wanted.late:
        found.append(_late(now))
    return found


def _late(now: datetime) -> ColumnElement[bool]:
    return and_(_D.status == DETAINED, _D.recall_by < today(now))


def _rows_query(scope: Scope, wanted: DetentionFilter, now: datetime) -> Any:
    query = (
        select(
            _D,
            Enterprise.name.label("enterprise_name"),
            Site.name.label("site_name"),
        )
        .outerjoin(Enterprise, Enterprise.id == _D.enterprise_id)
        .outerjoin(Site, Site.id == _D.recalled_site_id)
        .where(*_conditions(wanted, now))
    )
    # open ones first, the nearest (or most overdue) recall day first; then the newest closed
    open_first = _D.status.in_(OPEN_STATUSES).desc()
    return scoped(query, scope, _D).order_by(open_first, _D.recall_by, _D.detained_at.desc(), _D.id)


def _row(row: Any) -> DetentionRow:
    return DetentionRow(
        id=row.id,
        code=row.code,
        enterprise_id=row.enterprise_id,
        enterprise=row.enterprise_name or row.enterprise_id,
        district=row.district,
        reason=row.reason,
        recall_by=row.recall_by,
        status=row.status,
        detained_by=row.detained_by,
        detained_at=row.detained_at,
        recalled_site_id=row.recalled_site_id,
        recalled_site=row.site_name,
        recalled_by=row.recalled_by,
        recalled_at=row.recalled_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        close_note=row.close_note,
        escalated_at=row.escalated_at,
    )


def detention_board(
    engine: Engine, scope: Scope, wanted: DetentionFilter, now: datetime
) -> DetentionBoard:
    """One page of the queue, with the counts per status (under the other filters)."""
    with engine.connect() as connection:
        total = connection.scalar(
            scoped(select(func.count()).select_from(_D).where(*_conditions(wanted, now)), scope, _D)
        )
        total = int(total or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        rows = connection.execute(
            _rows_query(scope, wanted, now).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        counted = connection.execute(
            scoped(
                select(_D.status, func.count())
                .where(*_conditions(wanted, now, status=False))
                .group_by(_D.status),
                scope,
                _D,
            )
        ).all()
        late = connection.scalar(
            scoped(
                select(func.count())
                .select_from(_D)
                .where(*_conditions(wanted, now, status=False), _late(now)),
                scope,
                _D,
            )
        )
    by_status = dict.fromkeys(STATUSES, 0) | {status: int(n) for status, n in counted}
    return DetentionBoard([_row(r) for r in rows], total, page, pages, by_status, int(late or 0))


def detention_rows(
    engine: Engine, scope: Scope, wanted: DetentionFilter, now: datetime, cap: int
) -> list[DetentionRow]:
    """Every detention the filters select (at most `cap`), in the queue's order: the export."""
    with engine.connect() as connection:
        rows = connection.execute(_rows_query(scope, wanted, now).limit(cap)).all()
    return [_row(r) for r in rows]


def detention(engine: Engine, scope: Scope, detention_id: str) -> DetentionRow | None:
    with engine.connect() as connection:
        row = connection.execute(
            _rows_query(scope, DetentionFilter(status=None), datetime.now(UTC)).where(
                _D.id == detention_id
            )
        ).first()
    return _row(row) if row is not None else None


def own_sites(engine: Engine, scope: Scope, enterprise_id: str) -> list[tuple[str, str]]:
    """(id, name) of the enterprise's sites, as the user may see them: the recall site picker."""
    query = scoped(
        select(Site.id, Site.name).where(Site.enterprise_id == enterprise_id), scope, Site
    ).order_by(Site.name, Site.id)
    with engine.connect() as connection:
        return [(row.id, row.name) for row in connection.execute(query)]


def enterprises_with_detentions(engine: Engine, scope: Scope) -> list[tuple[str, str]]:
    """(id, name) of the enterprises with any detention in scope: the enterprise filter."""
    query = scoped(
        select(_D.enterprise_id, func.max(Enterprise.name))
        .outerjoin(Enterprise, Enterprise.id == _D.enterprise_id)
        .group_by(_D.enterprise_id),
        scope,
        _D,
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return sorted(((e, name or e) for e, name in rows), key=lambda pair: pair[1])


def awaiting_recall(engine: Engine, scope: Scope, now: datetime) -> tuple[int, int]:
    """(detained and not recalled, of them late) in scope: an enterprise's notice."""
    query = scoped(
        select(func.count(), func.count().filter(_late(now))).where(_D.status == DETAINED),
        scope,
        _D,
    )
    with engine.connect() as connection:
        waiting, late = connection.execute(query).one()
    return int(waiting or 0), int(late or 0)


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    """What became of one detention notice on one channel (a `cylinder.notified`)."""

    detention_id: str
    code: str
    reason: str  # detained | recall_escalated
    channel: str
    outcome: str  # delivered | failed
    at: datetime
    attempts: int
    error: str | None


def notice_outcomes(engine: Engine, scope: Scope, notices: int = 5) -> list[NoticeOutcome]:
    """The outcomes of the newest `notices` detention notices told in scope (an enterprise:
    its own), newest first, channel by channel: what the enterprise was told, and whether."""
    query = scoped(
        select(_N.detention_id, _N.reason, _N.outcomes, _D.code)
        .join(_D, _D.id == _N.detention_id)
        .where(_N.outcomes.is_not(None)),
        scope,
        _D,
    ).order_by(_N.seq.desc(), _N.id)
    with engine.connect() as connection:
        rows = connection.execute(query.limit(notices)).all()
    found = [
        NoticeOutcome(
            row.detention_id,
            row.code,
            row.reason,
            channel,
            kept["outcome"],
            datetime.fromisoformat(kept["at"]),
            int(kept["attempts"]),
            kept.get("error"),
        )
        for row in rows
        for channel, kept in sorted((row.outcomes or {}).items())
    ]
    return sorted(found, key=lambda n: n.at, reverse=True)


def open_findings(engine: Engine, scope: Scope, code: str) -> list[tuple[str, str]]:
    """(kind, detail) of the cylinder's open findings, as the user may see them: why to detain."""
    query = scoped(
        select(Finding.kind, Finding.detail).where(
            Finding.subject_id == code, Finding.resolved.is_(False)
        ),
        scope,
        Finding,
    ).order_by(Finding.seq)
    with engine.connect() as connection:
        return [(row.kind, row.detail or "") for row in connection.execute(query)]


# The findings that make a cylinder a problem cylinder a supervisor would detain.
PROBLEM_KINDS = ("overdue_filling", "black_cylinder", "stage_out_of_order", "delivery_without_sale")


def problem_cylinders(engine: Engine, scope: Scope, limit: int = 50) -> list[tuple[str, str]]:
    """(code, finding kind) of cylinders with an open finding and no open detention, oldest
    finding first: what a supervisor would detain next."""
    held = select(_D.code).where(_D.status.in_(OPEN_STATUSES))
    query = scoped(
        select(Finding.subject_id, func.min(Finding.kind))
        .where(
            Finding.resolved.is_(False),
            Finding.kind.in_(PROBLEM_KINDS),
            Finding.subject_id.not_in(held),
        )
        .group_by(Finding.subject_id)
        .order_by(func.min(Finding.seq))
        .limit(limit),
        scope,
        Finding,
    )
    with engine.connect() as connection:
        return [(code, kind) for code, kind in connection.execute(query)]
