"""Queries behind the big screen (/screen): KPIs, the district league table, active incidents
and today's cylinder chain, each within the viewer's scope.

Enterprise users see no authority data here (as on the One Map's live layer): those queries return
nothing for them. Times are compared in UTC; "today" and "this quarter" start at the city's
midnight, which the caller passes in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Integer, Select, cast, func, select

from dashboard.domain.coverage import coverage
from dashboard.domain.response import Verdict, verdict
from dashboard.domain.roles import Scope
from data_access.models import (
    District,
    EventRecord,
    Finding,
    Hazard,
    Incident,
    SafetyCheck,
)
from data_access.queries.map_layers import live_kpis, objects_due, objects_inspected
from data_access.queries.rules import hazard_open, hazard_overdue, incident_open


def _within(query: Select, column: Any, scope: Scope) -> Select:
    """Restrict a query to the scope's district (enterprise scopes are handled by the caller)."""
    return query if scope.district is None else query.where(column == scope.district)


def _scalar(engine: Engine, query: Select) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def _per_district(engine: Engine, query: Select) -> dict[str, int]:
    """Run a (district, count) query into a dict; rows without a district are dropped."""
    with engine.connect() as connection:
        return {code: int(n) for code, n in connection.execute(query) if code is not None}


# --- KPIs -----------------------------------------------------------------------------------


KPI_KEYS = (
    "alarms_active",
    "hazards_open",
    "hazards_overdue",
    "incidents_open",
    "teams_available",
    "fillings_today",
    "deliveries_today",
)


def kpis(
    engine: Engine,
    scope: Scope,
    now: datetime,
    day_start: datetime,
    scans: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """The big numbers of the screen's KPI band: the One Map's live strip, as the wall shows it."""
    if scope.enterprise_id is not None:
        return {}
    found = live_kpis(engine, scope, now, day_start, scans)
    return {key: found.get(key) or 0 for key in KPI_KEYS}


# --- the district league table --------------------------------------------------------------


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name_zh: str
    name_en: str
    objects_due: int  # due an inspection this quarter (dashboard/domain/coverage.py)
    inspected: int  # of those, inspected at least once this quarter
    hazards_open: int
    hazards_overdue: int
    incidents_30d: int
    on_time: int  # on scene within the target (dashboard/domain/response.py)
    judged: int  # incidents whose verdict can no longer change

    @property
    def coverage(self) -> float | None:
        return coverage(self.inspected, self.objects_due)

    @property
    def on_time_share(self) -> float | None:
        return None if not self.judged else self.on_time / self.judged


def district_league(
    engine: Engine, scope: Scope, now: datetime, quarter_start: datetime
) -> list[DistrictRow]:
    """Per district: inspection coverage this quarter, hazards, 30-day emergency response.

    An interim table built from what the log holds today; the official safety index (scoring
    spec) replaces it later. Sorted by coverage, then by fewest overdue hazards.
    """
    if scope.enterprise_id is not None:
        return []
    districts = _within(
        select(District.code, District.name_zh, District.name_en), District.code, scope
    )
    with engine.connect() as connection:
        names = connection.execute(districts.order_by(District.code)).all()
        due = objects_due(connection, scope, "district")
        inspected = objects_inspected(connection, scope, "district", quarter_start)
    open_hazards = _per_district(
        engine,
        _within(
            select(Hazard.district, func.count()).where(hazard_open()).group_by(Hazard.district),
            Hazard.district,
            scope,
        ),
    )
    overdue = _per_district(
        engine,
        _within(
            select(Hazard.district, func.count())
            .where(hazard_overdue(now))
            .group_by(Hazard.district),
            Hazard.district,
            scope,
        ),
    )
    response = _response_30d(engine, scope, now)
    rows = [
        DistrictRow(
            code,
            zh,
            en,
            due.get(code, 0),
            inspected.get(code, 0),
            open_hazards.get(code, 0),
            overdue.get(code, 0),
            *response.get(code, (0, 0, 0)),
        )
        for code, zh, en in names
    ]
    return sorted(rows, key=lambda r: (-(r.coverage or 0.0), r.hazards_overdue, r.code))


def _response_30d(engine: Engine, scope: Scope, now: datetime) -> dict[str, tuple[int, int, int]]:
    """(incidents, on scene in time, judged) per district over the last 30 days, by the
    domain's verdict (dashboard/domain/response.py).

    Few rows (hundreds a month even for Wuhan), so the verdicts are given here rather than in
    two SQL dialects.
    """
    query = _within(
        select(
            Incident.district, Incident.reported_at, Incident.on_scene_at, Incident.closed_at
        ).where(Incident.reported_at >= now - timedelta(days=30)),
        Incident.district,
        scope,
    )
    result: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with engine.connect() as connection:
        for code, reported, on_scene, closed in connection.execute(query):
            if code is None:
                continue
            outcome = verdict(reported, on_scene, now, closed)
            counts = result[code]
            counts[0] += 1
            counts[1] += outcome is Verdict.MET
            counts[2] += outcome in (Verdict.MET, Verdict.MISSED)
    return {code: (a, b, c) for code, (a, b, c) in result.items()}


# --- active incidents -----------------------------------------------------------------------


def active_incidents(engine: Engine, scope: Scope, limit: int = 10) -> list[dict[str, Any]]:
    """Open incidents, the longest waiting for a team on scene first, then the newest."""
    if scope.enterprise_id is not None:
        return []
    query = _within(
        select(
            Incident.id,
            Incident.kind,
            Incident.severity,
            Incident.status,
            Incident.address,
            Incident.reported_at,
            Incident.dispatched_at,
            Incident.on_scene_at,
            District.name_zh,
            District.name_en,
        )
        .join(District, District.code == Incident.district, isouter=True)
        .where(incident_open()),
        Incident.district,
        scope,
    )
    # No team on scene first (they are what the wall must see), then the oldest.
    waiting_first = Incident.on_scene_at.is_not(None)
    with engine.connect() as connection:
        rows = connection.execute(
            query.order_by(waiting_first, Incident.reported_at).limit(limit)
        ).all()
    return [dict(row._mapping) for row in rows]


# --- the cylinder chain today ---------------------------------------------------------------

CHAIN_STAGES = ("filling", "delivery")


def cylinder_stage_counts(
    engine: Engine, scope: Scope, day_start: datetime
) -> dict[str, dict[str, int]]:
    """Scans of each stage in CHAIN_STAGES since `day_start`, per district."""
    stage = EventRecord.data["stage"].as_string()
    query = _within(
        select(stage, EventRecord.district, func.count())
        .where(
            EventRecord.type == "cylinder.scanned",
            EventRecord.occurred_at >= day_start,
            stage.in_(CHAIN_STAGES),
        )
        .group_by(stage, EventRecord.district),
        EventRecord.district,
        scope,
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in CHAIN_STAGES}
    with engine.connect() as connection:
        for name, code, n in connection.execute(query):
            if code is not None:
                counts[name][code] = int(n)
    return counts


def cylinder_chain(engine: Engine, scope: Scope, day_start: datetime) -> list[dict[str, Any]]:
    """Per district today: fillings, deliveries, safety checks (passed, all four photos) and
    the open findings about black cylinders and overdue fillings."""
    if scope.enterprise_id is not None:
        return []
    stages = cylinder_stage_counts(engine, scope, day_start)
    checks = _within(
        select(
            SafetyCheck.district,
            func.count(),
            func.sum(cast(SafetyCheck.passed, Integer)),
            func.sum(cast(SafetyCheck.photos_complete, Integer)),
        )
        .where(SafetyCheck.occurred_at >= day_start)
        .group_by(SafetyCheck.district),
        SafetyCheck.district,
        scope,
    )
    findings = _within(
        select(Finding.district, Finding.kind, func.count())
        .where(
            Finding.resolved.is_(False),
            Finding.kind.in_(("black_cylinder", "overdue_filling")),
        )
        .group_by(Finding.district, Finding.kind),
        Finding.district,
        scope,
    )
    districts = _within(
        select(District.code, District.name_zh, District.name_en), District.code, scope
    )
    with engine.connect() as connection:
        names = connection.execute(districts.order_by(District.code)).all()
        checked = {row[0]: row[1:] for row in connection.execute(checks) if row[0] is not None}
        found: dict[tuple[str, str], int] = {
            (code, kind): int(n) for code, kind, n in connection.execute(findings)
        }
    rows = []
    for code, zh, en in names:
        total, passed, photos = checked.get(code, (0, 0, 0))
        rows.append(
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "fillings": stages["filling"].get(code, 0),
                "deliveries": stages["delivery"].get(code, 0),
                "checks": int(total or 0),
                "checks_passed": int(passed or 0),
                "checks_photos": int(photos or 0),
                "black_cylinders": found.get((code, "black_cylinder"), 0),
                "overdue_fillings": found.get((code, "overdue_filling"), 0),
            }
        )
    return rows
