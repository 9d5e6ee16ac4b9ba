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

from sqlalchemy import Engine, Integer, Select, cast, func, select

from dashboard.domain.coverage import coverage
from dashboard.domain.response import Verdict, verdict
from dashboard.domain.roles import Scope
from data_access.cache import cached
from data_access.models import (
    District,
    EventRecord,
    Finding,
    Hazard,
    Incident,
    SafetyCheck,
)
from data_access.queries.map_layers import (
    LiveKpis,
    live_kpis,
    objects_due,
    objects_inspected,
    todays_scans,
)
from data_access.queries.one_map import AreaValues, MovingPoint, district_counts, live_points
from data_access.queries.rules import hazard_open, hazard_overdue, incident_open
from data_access.scope import scoped

LIVE_CACHE_S = 3  # every wall of one scope shares one recount per live tick
DISTRICTS_CACHE_S = 25  # rankings and the cylinder chain: heavier, and they move slowly


def _per_district(engine: Engine, query: Select[str, int]) -> dict[str, int]:
    """Run a (district, count) query into a dict; rows without a district are dropped."""
    with engine.connect() as connection:
        return {code: int(n) for code, n in connection.execute(query) if code is not None}


# --- KPIs -----------------------------------------------------------------------------------


def kpis(
    engine: Engine,
    scope: Scope,
    now: datetime,
    day_start: datetime,
    scans: Mapping[str, int] | None = None,
) -> LiveKpis | None:
    """The big numbers of the screen's KPI band: the One Map's live strip, as the wall shows it
    (its authority numbers among them); None for an enterprise: the wall has no band for it."""
    if scope.enterprise_id is not None:
        return None
    return live_kpis(engine, scope, now, day_start, scans)


# --- the district league table --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DistrictRow:
    code: str
    name_zh: str
    name_en: str
    objects_due: int  # due an inspection this quarter (dashboard/domain/coverage.py)
    inspected: int  # of those, inspected at least once this quarter
    hazards_open: int
    hazards_overdue: int
    hazards_escalated: int  # open and escalated (督办)
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
        return []  # a league of districts is the authorities' comparison
    districts = scoped(select(District.code, District.name_zh, District.name_en), scope, District)
    with engine.connect() as connection:
        names = connection.execute(districts.order_by(District.code)).all()
        due = objects_due(connection, scope, "district")
        inspected = objects_inspected(connection, scope, "district", quarter_start)
    open_hazards = _per_district(
        engine,
        scoped(
            select(Hazard.district, func.count()).where(hazard_open()).group_by(Hazard.district),
            scope,
            Hazard,
        ),
    )
    overdue = _per_district(
        engine,
        scoped(
            select(Hazard.district, func.count())
            .where(hazard_overdue(now))
            .group_by(Hazard.district),
            scope,
            Hazard,
        ),
    )
    escalated = _per_district(
        engine,
        scoped(
            select(Hazard.district, func.count())
            .where(hazard_open(), Hazard.escalation.is_not(None))
            .group_by(Hazard.district),
            scope,
            Hazard,
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
            escalated.get(code, 0),
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
    query = scoped(
        select(
            Incident.district, Incident.reported_at, Incident.on_scene_at, Incident.closed_at
        ).where(Incident.reported_at >= now - timedelta(days=30)),
        scope,
        Incident,
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


@dataclass(frozen=True, slots=True)
class ActiveIncident:
    id: str
    kind: str
    severity: int
    address: str
    reported_at: datetime
    dispatched_at: datetime | None
    on_scene_at: datetime | None
    name_zh: str | None  # the district's names
    name_en: str | None


def active_incidents(engine: Engine, scope: Scope, limit: int = 10) -> list[ActiveIncident]:
    """Open incidents, the longest waiting for a team on scene first, then the newest."""
    query = scoped(
        select(
            Incident.id,
            Incident.kind,
            Incident.severity,
            Incident.address,
            Incident.reported_at,
            Incident.dispatched_at,
            Incident.on_scene_at,
            District.name_zh,
            District.name_en,
        )
        .join(District, District.code == Incident.district, isouter=True)
        .where(incident_open()),
        scope,
        Incident,
    )
    # No team on scene first (they are what the wall must see), then the oldest.
    waiting_first = Incident.on_scene_at.is_not(None)
    with engine.connect() as connection:
        rows = connection.execute(
            query.order_by(waiting_first, Incident.reported_at).limit(limit)
        ).all()
    return [ActiveIncident(*row) for row in rows]


def open_incident_count(engine: Engine, scope: Scope) -> int:
    """How many incidents are open in scope: the wall says how many its rows leave out."""
    query = scoped(
        select(func.count()).select_from(Incident).where(incident_open()), scope, Incident
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


# --- the cylinder chain today ---------------------------------------------------------------

CHAIN_STAGES = ("filling", "delivery")


def cylinder_stage_counts(
    engine: Engine, scope: Scope, day_start: datetime
) -> dict[str, dict[str, int]]:
    """Scans of each stage in CHAIN_STAGES since `day_start`, per district."""
    stage = EventRecord.data["stage"].as_string()
    query = scoped(
        select(stage, EventRecord.district, func.count())
        .where(
            EventRecord.type == "cylinder.scanned",
            EventRecord.occurred_at >= day_start,
            stage.in_(CHAIN_STAGES),
        )
        .group_by(stage, EventRecord.district),
        scope,
        EventRecord,
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in CHAIN_STAGES}
    with engine.connect() as connection:
        for name, code, n in connection.execute(query):
            if code is not None:
                counts[name][code] = int(n)
    return counts


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One district's cylinder chain today (or the total of several: code "")."""

    code: str
    name_zh: str
    name_en: str
    fillings: int
    deliveries: int
    checks: int
    checks_passed: int  # of the checks, those passed
    checks_photos: int  # of the checks, those with all four photos
    black_cylinders: int  # open findings
    overdue_fillings: int


def cylinder_chain(engine: Engine, scope: Scope, day_start: datetime) -> list[ChainRow]:
    """Per district today: fillings, deliveries, safety checks (passed, all four photos) and
    the open findings about black cylinders and overdue fillings."""
    if scope.enterprise_id is not None:
        return []  # the wall's chain compares districts, as its league does
    stages = cylinder_stage_counts(engine, scope, day_start)
    checks = scoped(
        select(
            SafetyCheck.district,
            func.count(),
            func.sum(cast(SafetyCheck.passed, Integer)),
            func.sum(cast(SafetyCheck.photos_complete, Integer)),
        )
        .where(SafetyCheck.occurred_at >= day_start)
        .group_by(SafetyCheck.district),
        scope,
        SafetyCheck,
    )
    findings = scoped(
        select(Finding.district, Finding.kind, func.count())
        .where(
            Finding.resolved.is_(False),
            Finding.kind.in_(("black_cylinder", "overdue_filling")),
        )
        .group_by(Finding.district, Finding.kind),
        scope,
        Finding,
    )
    districts = scoped(select(District.code, District.name_zh, District.name_en), scope, District)
    with engine.connect() as connection:
        names = connection.execute(districts.order_by(District.code)).all()
        checked = {row[0]: row[1:] for row in connection.execute(checks) if row[0] is not None}
        found: dict[tuple[str | None, str], int] = {
            (code, kind): int(n) for code, kind, n in connection.execute(findings)
        }
    rows = []
    for code, zh, en in names:
        total, passed, photos = checked.get(code, (0, 0, 0))
        rows.append(
            ChainRow(
                code=code,
                name_zh=zh,
                name_en=en,
                fillings=stages["filling"].get(code, 0),
                deliveries=stages["delivery"].get(code, 0),
                checks=int(total or 0),
                checks_passed=int(passed or 0),
                checks_photos=int(photos or 0),
                black_cylinders=found.get((code, "black_cylinder"), 0),
                overdue_fillings=found.get((code, "overdue_filling"), 0),
            )
        )
    return rows


# --- what the wall's callbacks read, shared by every wall of one scope ----------------------


@dataclass(frozen=True, slots=True)
class WallLive:
    """What live events change on the wall: the KPI band, the incident clocks, the points."""

    kpis: LiveKpis | None
    incidents: list[ActiveIncident]  # the most urgent, at most a screenful
    points: list[MovingPoint]
    incidents_open: int  # all open in scope, listed or not


@cached(LIVE_CACHE_S, key=lambda scope, now, day_start: (scope, day_start), follows_log=True)
def wall_live(engine: Engine, scope: Scope, now: datetime, day_start: datetime) -> WallLive:
    """The wall's live part, with today's scans from the running tally."""
    return WallLive(
        kpis(engine, scope, now, day_start, todays_scans(engine, scope, day_start)),
        active_incidents(engine, scope),
        live_points(engine, scope),
        open_incident_count(engine, scope),
    )


@dataclass(frozen=True, slots=True)
class WallDistricts:
    """The wall's district views: counts for the hazard map, the league, the cylinder chain."""

    counts: AreaValues
    league: list[DistrictRow]
    chain: list[ChainRow]


@cached(
    DISTRICTS_CACHE_S,
    key=lambda scope, now, day_start, quarter_start: (scope, day_start, quarter_start),
)
def wall_districts(
    engine: Engine, scope: Scope, now: datetime, day_start: datetime, quarter_start: datetime
) -> WallDistricts:
    return WallDistricts(
        district_counts(engine, scope),
        district_league(engine, scope, now, quarter_start),
        cylinder_chain(engine, scope, day_start),
    )
