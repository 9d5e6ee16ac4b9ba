"""Queries behind the big screen (/screen): KPIs, the district safety ranking (the rankings'
own figures, data_access/queries/rankings.py), active incidents and today's cylinder chain, each
within the viewer's scope.

Enterprise users see no authority data here (as on the One Map's live layer): those queries return
nothing for them. Times are compared in UTC; "today" and "this quarter" start at the city's
midnight, which the caller passes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Integer, Select, cast, func, select

from dashboard.domain.roles import Scope
from dashboard.domain.scoring import Period, ScoringConfig, current_quarter
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
    todays_scans,
)
from data_access.queries.one_map import AreaValues, MovingPoint, district_counts, live_points
from data_access.queries.rankings import DistrictRanking, district_ranking
from data_access.queries.rules import hazard_open, incident_open
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


# --- the district safety ranking -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WallRanking:
    """The ranking panel: the districts' safety index for the quarter so far (the same figures
    as /rankings, under the configuration in force), and the hazards under supervision (督办)
    open now per district, which the duty desk follows on the same rows."""

    ranking: DistrictRanking
    escalated: dict[str, int]


def wall_ranking(
    engine: Engine, scope: Scope, period: Period, config: ScoringConfig, now: datetime
) -> WallRanking | None:
    """None for an enterprise: a ranking of districts is the authorities' comparison."""
    if scope.enterprise_id is not None:
        return None
    return WallRanking(
        district_ranking(engine, scope, period, config, now), escalated_hazards(engine, scope)
    )


def escalated_hazards(engine: Engine, scope: Scope) -> dict[str, int]:
    """Open hazards under escalation (督办) per district."""
    return _per_district(
        engine,
        scoped(
            select(Hazard.district, func.count())
            .where(hazard_open(), Hazard.escalation.is_not(None))
            .group_by(Hazard.district),
            scope,
            Hazard,
        ),
    )


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
    """The wall's district views: counts for the hazard map, the ranking, the cylinder chain."""

    counts: AreaValues
    ranking: WallRanking | None
    chain: list[ChainRow]


@cached(
    DISTRICTS_CACHE_S,
    key=lambda scope, now, day_start, config: (scope, day_start, config.version),
)
def wall_districts(
    engine: Engine, scope: Scope, now: datetime, day_start: datetime, config: ScoringConfig
) -> WallDistricts:
    """The district views; the ranking for the quarter `now` falls in (the city's quarter,
    dashboard/domain/scoring.py), computed under `config`."""
    return WallDistricts(
        district_counts(engine, scope),
        wall_ranking(engine, scope, current_quarter(now), config, now),
        cylinder_chain(engine, scope, day_start),
    )
