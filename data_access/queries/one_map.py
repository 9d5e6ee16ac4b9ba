"""Queries behind the One Map: district shapes and metrics, site points, city counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Scope
from data_access.cache import cached
from data_access.models import (
    Alarm,
    AreaCount,
    Cylinder,
    District,
    Enterprise,
    Incident,
    Site,
    Team,
    TeamState,
    UserAccount,
    Worker,
)
from data_access.queries.rules import incident_open
from data_access.scope import scoped

SHAPES_CACHE_S = 3600  # district outlines change with a new city pack, not by the hour

# Per area (district or grid cell code): metric name -> value, as the map's themes read them.
AreaValues = dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class DistrictShape:
    code: str
    name_zh: str
    name_en: str
    population: int
    area_km2: float
    centroid_lat: float
    centroid_lon: float
    geometry: dict[str, Any]  # GeoJSON


@cached(SHAPES_CACHE_S)
def district_shapes(engine: Engine) -> list[DistrictShape]:
    """Every district with its outline; boundaries are public, so not scoped."""
    query = select(
        District.code,
        District.name_zh,
        District.name_en,
        District.population,
        District.area_km2,
        District.centroid_lat,
        District.centroid_lon,
        District.geometry,
    ).order_by(District.code)
    with engine.connect() as connection:
        return [DistrictShape(*row) for row in connection.execute(query)]


def district_counts(engine: Engine, scope: Scope) -> AreaValues:
    """Per district in scope, each counted metric (area_counts)."""
    if scope.enterprise_id is not None:
        # The kept counts are the districts' whole; an enterprise counts its own sites instead.
        return _enterprise_district_counts(engine, scope)
    query = select(AreaCount.area_code, AreaCount.metric, AreaCount.value).where(
        AreaCount.area_type == "district"
    )
    counts: AreaValues = defaultdict(dict)
    with engine.connect() as connection:
        for code, metric, value in connection.execute(scoped(query, scope, AreaCount)):
            counts[code][metric] = int(value)
    return dict(counts)


def _enterprise_district_counts(engine: Engine, scope: Scope) -> AreaValues:
    query = scoped(select(Site.district, func.count()).group_by(Site.district), scope, Site)
    with engine.connect() as connection:
        return {code: {"sites": int(count)} for code, count in connection.execute(query)}


@dataclass(frozen=True, slots=True)
class SitePoint:
    id: str
    name: str
    kind: str
    district: str
    lat: float
    lon: float
    enterprise: str  # its name


def site_points(engine: Engine, scope: Scope) -> list[SitePoint]:
    query = select(
        Site.id,
        Site.name,
        Site.kind,
        Site.district,
        Site.lat,
        Site.lon,
        Enterprise.name.label("enterprise"),
    ).join(Enterprise, Enterprise.id == Site.enterprise_id)
    with engine.connect() as connection:
        rows = connection.execute(scoped(query, scope, Site).order_by(Site.id))
        return [SitePoint(*row) for row in rows]


def city_counts(engine: Engine, scope: Scope) -> dict[str, int]:
    """Headline counts for the strip above the map, within the user's scope: metric -> count."""
    if scope.enterprise_id is not None:  # the kept counts are districts': count its own things
        return _enterprise_counts(engine, scope)
    totals: dict[str, int] = defaultdict(int)
    for counts in district_counts(engine, scope).values():
        for metric, value in counts.items():
            totals[metric] += value
    return dict(totals)


def _enterprise_counts(engine: Engine, scope: Scope) -> dict[str, int]:
    def count(model: type) -> int:
        query = scoped(select(func.count()).select_from(model), scope, model)
        with engine.connect() as connection:
            return int(connection.scalar(query) or 0)

    return {"sites": count(Site), "cylinders": count(Cylinder), "workers": count(Worker)}


MovingKind = Literal["alarm", "incident", "team"]


@dataclass(frozen=True, slots=True)
class MovingPoint:
    """One alarm, incident or team as the live layer and the replay describe it."""

    kind: MovingKind
    id: str
    state: str | int  # an alarm's level, an incident's severity, a team's status
    label: str  # an alarm's or incident's kind, a team's name
    lat: float
    lon: float
    district: str | None


def live_points(engine: Engine, scope: Scope) -> list[MovingPoint]:
    """What moves on the map: active alarms, open incidents and team positions, in scope
    (none for an enterprise: emergencies are the authorities' view)."""
    alarms = select(Alarm.id, Alarm.level, Alarm.kind, Alarm.lat, Alarm.lon, Alarm.district).where(
        Alarm.status != "cleared"
    )
    incidents = select(
        Incident.id, Incident.severity, Incident.kind, Incident.lat, Incident.lon, Incident.district
    ).where(incident_open())
    # A team that has reported nothing yet stands by at its base.
    teams = select(
        Team.id,
        func.coalesce(TeamState.status, "available"),
        Team.name,
        func.coalesce(TeamState.lat, Team.lat),
        func.coalesce(TeamState.lon, Team.lon),
        Team.district,
    ).join(TeamState, TeamState.team_id == Team.id, isouter=True)
    with engine.connect() as connection:
        return [
            *(
                MovingPoint("alarm", *row)
                for row in connection.execute(scoped(alarms, scope, Alarm))
            ),
            *(
                MovingPoint("incident", *row)
                for row in connection.execute(scoped(incidents, scope, Incident))
            ),
            *(MovingPoint("team", *row) for row in connection.execute(scoped(teams, scope, Team))),
        ]


@dataclass(frozen=True, slots=True)
class ActiveAlarm:
    id: str
    kind: str
    level: str
    status: str
    value: float | None
    raised_at: datetime
    acknowledged_by: str | None  # the person's name (their login if the account is gone)
    name_zh: str | None  # the district's names
    name_en: str | None


def active_alarms(engine: Engine, scope: Scope, limit: int = 8) -> list[ActiveAlarm]:
    """The newest alarms not yet cleared, for the duty desk's list."""
    query = (
        select(
            Alarm.id,
            Alarm.kind,
            Alarm.level,
            Alarm.status,
            Alarm.value,
            Alarm.raised_at,
            func.coalesce(UserAccount.display_name, Alarm.acknowledged_by),
            District.name_zh,
            District.name_en,
        )
        .join(District, District.code == Alarm.district, isouter=True)
        .join(UserAccount, UserAccount.username == Alarm.acknowledged_by, isouter=True)
        .where(Alarm.status != "cleared")
        .order_by(Alarm.raised_at.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [ActiveAlarm(*row) for row in connection.execute(scoped(query, scope, Alarm))]
