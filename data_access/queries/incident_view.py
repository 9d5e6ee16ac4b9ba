"""What the incident view shows: the incident, its timeline and teams, what lies around it, and
the teams that could go, with their positions for the dispatch ranking.

Everything is scoped by data_access/scope.py: a district officer sees their district's incidents,
teams and surroundings; an enterprise sees no incident (so never opens the view).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Connection, Engine, Row, Select, and_, exists, func, select

from dashboard.domain.dispatch import TeamPosition
from dashboard.domain.incidents import CLOSED, DESK_SOURCE_PREFIX, SOURCE_ACTOR_PREFIX
from dashboard.domain.roles import Scope
from dashboard.geo import haversine_km
from data_access.models import (
    Alarm,
    Customer,
    CylinderState,
    Enterprise,
    Excavation,
    Incident,
    IncidentDispatch,
    IncidentTimelineEntry,
    PipelineSegment,
    Resource,
    SafetyCheck,
    Sensor,
    Team,
    TeamState,
    UserAccount,
    Worker,
)
from data_access.projections.excavations import M_PER_DEG_LAT
from data_access.queries.map_layers import ExcavationSite
from data_access.scope import scoped

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])  # a query, whatever its columns
Ts = TypeVarTuple("Ts")  # its columns' types, kept by `_all`

NEAR_M = 1000  # pipelines, sensors and digs worth knowing about around an incident
ADDRESS_M = 60  # "registered at this address": a building and its neighbours
LIST_LIMIT = 30
NEAREST_DEPOTS = 3
NEAREST_EXPERTS = 6


# --- the incident, its timeline and its teams -------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """An incident as the desk reads it: what was reported, where, and how far it has come."""

    id: str
    kind: str
    severity: int
    address: str
    district: str | None
    channel: str
    description: str
    status: str
    lat: float
    lon: float
    reported_at: datetime
    dispatched_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    closed_at: datetime | None
    summary: str | None
    casualties: int | None
    closed_by: str | None

    @property
    def closed(self) -> bool:
        return self.status == CLOSED


FACT_COLUMNS = tuple(getattr(Incident, field.name) for field in fields(IncidentFacts))


@dataclass(frozen=True, slots=True)
class TimelineRow:
    seq: int
    kind: str  # reported | dispatched | update | notified | closed | team
    status: str | None
    actor: str | None
    team_id: str | None
    team_name: str | None
    text: str | None
    photos: tuple[str, ...]
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class SentTeam:
    """A team sent to the incident, and what it is doing now (it may be on another job)."""

    team_id: str
    incident_id: str
    name: str
    level: str  # city | district | street | enterprise
    members: int
    dispatched_at: datetime
    by: str
    eta_minutes: float | None  # None: not sent by this desk
    en_route_at: datetime | None
    on_scene_at: datetime | None
    released_at: datetime | None  # returning or available again
    status: str | None  # now; None: it never reported
    now_on: str | None  # the incident it serves now
    lat: float | None
    lon: float | None
    status_here: str = "dispatched"  # its status on THIS incident (`status_on_incident`)


def incident(engine: Engine, incident_id: str, scope: Scope) -> IncidentFacts | None:
    """The incident, or None when it is unknown or outside `scope`."""
    query = scoped(select(*FACT_COLUMNS), scope, Incident).where(Incident.id == incident_id)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return IncidentFacts(*row) if row is not None else None


def timeline(engine: Engine, incident_id: str, newest: int | None = None) -> list[TimelineRow]:
    """Every entry (or the `newest` ones), oldest first, with the team's name for team
    entries."""
    with engine.connect() as connection:
        return timeline_of(connection, incident_id, newest)


def timeline_of(
    connection: Connection, incident_id: str, newest: int | None = None
) -> list[TimelineRow]:
    """`timeline` within a connection the caller holds (the report reads all in one)."""
    entry = IncidentTimelineEntry
    query = (
        select(
            entry.seq,
            entry.kind,
            entry.status,
            entry.actor,
            entry.team_id,
            Team.name,
            entry.text,
            entry.photos,
            entry.occurred_at,
        )
        .outerjoin(Team, Team.id == entry.team_id)
        .where(entry.incident_id == incident_id)
        .order_by(entry.seq.desc())
        .limit(newest)
    )
    rows = [
        TimelineRow(
            seq, kind, status, actor, team_id, team_name, text, tuple(photos or ()), occurred_at
        )
        for seq, kind, status, actor, team_id, team_name, text, photos, occurred_at in (
            connection.execute(query)
        )
    ]
    return rows[::-1]  # oldest first


def dispatched_teams(engine: Engine, incident_id: str) -> list[SentTeam]:
    """The teams sent, first sent first, with what each is doing now."""
    sent = IncidentDispatch
    query = (
        select(
            sent.team_id,
            sent.incident_id,
            Team.name,
            Team.level,
            Team.members,
            sent.dispatched_at,
            sent.by,
            sent.eta_minutes,
            sent.en_route_at,
            sent.on_scene_at,
            sent.released_at,
            TeamState.status,
            TeamState.incident_id.label("now_on"),
            TeamState.lat,
            TeamState.lon,
        )
        .join(Team, Team.id == sent.team_id)
        .join(TeamState, TeamState.team_id == sent.team_id, isouter=True)
        .where(sent.incident_id == incident_id)
        .order_by(sent.dispatched_at, sent.team_id)
    )
    with engine.connect() as connection:  # by name: wider than SQLAlchemy types rows (10)
        reported = last_team_statuses(connection, incident_id)
        rows = [row._mapping for row in connection.execute(query)]
    return [
        SentTeam(
            **row,
            status_here=status_on_incident(
                incident_id,
                reported.get(row["team_id"]),
                row["released_at"],
                row["now_on"],
                row["status"],
            ),
        )
        for row in rows
    ]


# A team that reported one of these has left the incident of its own accord.
_LEFT_ON_ITS_OWN = ("returning", "available", "off_duty")


def status_on_incident(
    incident_id: str,
    last_reported: str | None,
    released_at: datetime | None,
    now_on: str | None,
    status_now: str | None,
) -> str:
    """What a team sent to `incident_id` is (or was last) doing THERE: its live status while
    it is still on the incident; once it has left, the last status it reported on this
    incident, or "released" when it was taken off it (sent on to another incident) while still
    working here. A team's current status would show a team busy elsewhere as on scene here."""
    if released_at is None and now_on == incident_id and status_now:
        return status_now
    if last_reported in _LEFT_ON_ITS_OWN or (released_at is None and last_reported):
        return last_reported or "dispatched"
    return "released" if released_at is not None else "dispatched"


def last_team_statuses(connection: Connection, incident_id: str) -> dict[str, str]:
    """Each team's last status reported on this incident (from its timeline)."""
    entry = IncidentTimelineEntry
    query = (
        select(entry.team_id, entry.status)
        .where(entry.incident_id == incident_id, entry.kind == "team")
        .order_by(entry.seq)
    )
    return {team: status for team, status in connection.execute(query) if team and status}


def actor_key(actor: str) -> str:
    """The login or source an actor of the log names, without its prefix (`user:`,
    `source:`)."""
    return actor.removeprefix(DESK_SOURCE_PREFIX).removeprefix(SOURCE_ACTOR_PREFIX)


def actor_keys(actors: Iterable[str | None]) -> set[str]:
    """What to look names up for, of these actors."""
    return {actor_key(actor) for actor in actors if actor}


def actor_names(connection: Connection, keys: set[str]) -> dict[str, str]:
    """Names for the logins, enterprise, worker and team ids among `keys` (dashboard/actors.py
    `who`): users by their display name, the others by their registered name."""
    if not keys:
        return {}
    wanted = sorted(keys)
    names: dict[str, str] = {}
    for key_column, name_column in (
        (Team.id, Team.name),
        (Enterprise.id, Enterprise.name),
        (Worker.id, Worker.name),  # an inspector acting on a hazard
        (UserAccount.username, UserAccount.display_name),
    ):
        query = select(key_column, name_column).where(key_column.in_(wanted))
        names.update({key: name for key, name in connection.execute(query) if name})
    return names


def actor_names_for(engine: Engine, keys: set[str]) -> dict[str, str]:
    with engine.connect() as connection:
        return actor_names(connection, keys)


def team_positions(engine: Engine, scope: Scope) -> list[TeamPosition]:
    """Every team in scope where it is now (at base, available, if it never reported)."""
    query = select(
        Team.id,
        Team.name,
        Team.capabilities,
        func.coalesce(TeamState.status, "available"),
        func.coalesce(TeamState.lat, Team.lat),
        func.coalesce(TeamState.lon, Team.lon),
    ).join(TeamState, TeamState.team_id == Team.id, isouter=True)
    query = scoped(query, scope, Team).order_by(Team.id)
    with engine.connect() as connection:
        return [
            TeamPosition(team_id, name, tuple(capabilities or ()), status, lat, lon)
            for team_id, name, capabilities, status, lat, lon in connection.execute(query)
        ]


# --- what lies around the incident ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PipelineNear:
    id: str
    pressure_class: str  # low | medium | high
    material: str
    laid_year: int
    coords: list[list[float]]  # [[lat, lon], ...]
    enterprise: str  # its owner's name


@dataclass(frozen=True, slots=True)
class SensorNear:
    id: str
    kind: str  # pressure | flow | methane
    lat: float
    lon: float
    segment_id: str | None
    site_id: str | None
    in_alarm: bool  # one of its alarms is not cleared


@dataclass(frozen=True, slots=True)
class CustomerAt:
    """A customer registered at the address, and their last delivery's safety check."""

    id: str
    kind: str  # household | commercial | industrial
    real_name_verified: bool
    lat: float
    lon: float
    enterprise: str | None  # their supplier's name
    distance_m: float
    code: str | None = None  # the cylinder last delivered; None: no delivery on record
    check_passed: bool | None = None
    last_delivery_at: datetime | None = None
    cylinder_stage: str | None = None  # where that cylinder is now


@dataclass(frozen=True, slots=True)
class Depot:
    id: str
    name: str
    lat: float
    lon: float
    skills: tuple[str, ...]
    district: str | None
    distance_km: float


@dataclass(frozen=True, slots=True)
class Expert:
    id: str
    name: str
    lat: float | None
    lon: float | None
    skills: tuple[str, ...]
    district: str | None
    distance_km: float | None  # None: no place in the registry (reached by phone)


@dataclass(frozen=True, slots=True)
class Surroundings:
    pipelines: list[PipelineNear]
    sensors: list[SensorNear]
    excavations: list[ExcavationSite]  # the One Map's rows of digs
    customers: list[CustomerAt]
    depots: list[Depot]
    experts: list[Expert]


def _box(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """Half the side of a box of `metres` around a point, in degrees of latitude and longitude."""
    d_lat = metres / M_PER_DEG_LAT
    d_lon = metres / (M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return d_lat, d_lon


def _within(query: Q, lat_col: Any, lon_col: Any, lat: float, lon: float, m: float) -> Q:
    d_lat, d_lon = _box(lat, lon, m)
    return query.where(
        lat_col.between(lat - d_lat, lat + d_lat), lon_col.between(lon - d_lon, lon + d_lon)
    )


def segments_reaching(query: Q, lat: float, lon: float, metres: float) -> Q:
    """Pipeline segments whose bounding box comes within `metres` of the point (an index-backed
    first cut; the caller measures the polyline's distance where it matters)."""
    d_lat, d_lon = _box(lat, lon, metres)
    return query.where(
        PipelineSegment.min_lat <= lat + d_lat,
        PipelineSegment.max_lat >= lat - d_lat,
        PipelineSegment.min_lon <= lon + d_lon,
        PipelineSegment.max_lon >= lon - d_lon,
    )


def _all(engine: Engine, query: Select[*Ts]) -> list[Row[*Ts]]:
    with engine.connect() as connection:
        return list(connection.execute(query))


def surroundings(engine: Engine, lat: float, lon: float, scope: Scope, today: date) -> Surroundings:
    """Pipelines, sensors and digs within NEAR_M, customers at the address, depots, experts."""
    return Surroundings(
        pipelines=pipelines_near(engine, lat, lon, scope),
        sensors=sensors_near(engine, lat, lon, scope),
        excavations=digs_near(engine, lat, lon, scope, today),
        customers=customers_at(engine, lat, lon, scope),
        depots=nearest_depots(engine, lat, lon, scope, NEAREST_DEPOTS),
        experts=experts(engine, lat, lon, scope),
    )


def pipelines_near(engine: Engine, lat: float, lon: float, scope: Scope) -> list[PipelineNear]:
    """Segments whose bounding box reaches within NEAR_M of the point."""
    query = segments_reaching(
        select(
            PipelineSegment.id,
            PipelineSegment.pressure_class,
            PipelineSegment.material,
            PipelineSegment.laid_year,
            PipelineSegment.coords,
            Enterprise.name,
        ).join(Enterprise, Enterprise.id == PipelineSegment.enterprise_id),
        lat,
        lon,
        NEAR_M,
    )
    query = query.order_by(PipelineSegment.pressure_class.desc(), PipelineSegment.id)
    query = query.limit(LIST_LIMIT)
    return [PipelineNear(*row) for row in _all(engine, scoped(query, scope, PipelineSegment))]


def sensors_near(engine: Engine, lat: float, lon: float, scope: Scope) -> list[SensorNear]:
    """Sensors within NEAR_M, each saying whether one of its alarms is not cleared."""
    alarmed = exists().where(Alarm.sensor_id == Sensor.id, Alarm.status != "cleared")
    query = _within(
        select(
            Sensor.id,
            Sensor.kind,
            Sensor.lat,
            Sensor.lon,
            Sensor.segment_id,
            Sensor.site_id,
            alarmed.label("in_alarm"),
        ),
        Sensor.lat,
        Sensor.lon,
        lat,
        lon,
        NEAR_M,
    )
    query = scoped(query, scope, Sensor).order_by(Sensor.id).limit(LIST_LIMIT)
    return [SensorNear(*row) for row in _all(engine, query)]


def digs_near(
    engine: Engine, lat: float, lon: float, scope: Scope, today: date
) -> list[ExcavationSite]:
    """Excavations not yet over within NEAR_M (their centre), newest first."""
    query = _within(
        select(
            Excavation.id,
            Excavation.contractor,
            Excavation.lat,
            Excavation.lon,
            Excavation.radius_m,
            Excavation.starts_on,
            Excavation.ends_on,
            Excavation.agreement_signed,
        ).where(Excavation.ends_on >= today),
        Excavation.lat,
        Excavation.lon,
        lat,
        lon,
        NEAR_M,
    )
    query = scoped(query, scope, Excavation).order_by(Excavation.starts_on.desc()).limit(LIST_LIMIT)
    return [ExcavationSite(*row) for row in _all(engine, query)]


def customers_at(engine: Engine, lat: float, lon: float, scope: Scope) -> list[CustomerAt]:
    """Customers registered within ADDRESS_M, nearest first, each with their last delivery's
    safety check (随瓶安检: one per delivery) and the cylinder it was for, where it is now."""
    query = _within(
        select(
            Customer.id,
            Customer.kind,
            Customer.real_name_verified,
            Customer.lat,
            Customer.lon,
            Enterprise.name,
        ).join(Enterprise, Enterprise.id == Customer.enterprise_id, isouter=True),
        Customer.lat,
        Customer.lon,
        lat,
        lon,
        ADDRESS_M,
    )
    found = [
        (*row, _metres(lat, lon, row.lat, row.lon))
        for row in _all(engine, scoped(query, scope, Customer).limit(200))
    ]
    nearest = sorted(found, key=lambda row: row[-1])[:LIST_LIMIT]
    last = _last_checks(engine, [row[0] for row in nearest])
    return [CustomerAt(*row, *last.get(row[0], ())) for row in nearest]


def _last_checks(
    engine: Engine, customer_ids: list[str]
) -> dict[str, tuple[str, bool, datetime, str | None]]:
    """Each customer's last safety check: (code, passed, occurred_at, where the cylinder is)."""
    if not customer_ids:
        return {}
    newest = (
        select(SafetyCheck.customer_id, func.max(SafetyCheck.seq).label("seq"))
        .where(SafetyCheck.customer_id.in_(customer_ids))
        .group_by(SafetyCheck.customer_id)
        .subquery()
    )
    query = (
        select(
            SafetyCheck.customer_id,
            SafetyCheck.code,
            SafetyCheck.passed,
            SafetyCheck.occurred_at,
            CylinderState.stage,
        )
        .join(
            newest,
            and_(newest.c.customer_id == SafetyCheck.customer_id, newest.c.seq == SafetyCheck.seq),
        )
        .join(CylinderState, CylinderState.code == SafetyCheck.code, isouter=True)
    )
    return {
        customer: (code, passed, at, stage)
        for customer, code, passed, at, stage in _all(engine, query)
    }


_RESOURCE_COLUMNS = (
    Resource.id,
    Resource.name,
    Resource.lat,
    Resource.lon,
    Resource.skills,
    Resource.district,
)


def nearest_depots(engine: Engine, lat: float, lon: float, scope: Scope, limit: int) -> list[Depot]:
    """Supply depots with a place, nearest first, with their straight-line distance."""
    query = select(*_RESOURCE_COLUMNS).where(Resource.kind == "supply_depot")
    depots = [
        Depot(
            key,
            name,
            at_lat,
            at_lon,
            tuple(skills or ()),
            district,
            haversine_km(lat, lon, at_lat, at_lon),
        )
        for key, name, at_lat, at_lon, skills, district in _all(
            engine, scoped(query, scope, Resource)
        )
        if at_lat is not None and at_lon is not None
    ]
    return sorted(depots, key=lambda depot: (depot.distance_km, depot.id))[:limit]


def experts(engine: Engine, lat: float, lon: float, scope: Scope) -> list[Expert]:
    """Every expert in scope with skills; the distance where the registry gives a place (most
    experts are reached by phone and have none)."""
    query = select(*_RESOURCE_COLUMNS).where(Resource.kind == "expert")
    return [
        Expert(
            key,
            name,
            at_lat,
            at_lon,
            tuple(skills or ()),
            district,
            None if at_lat is None or at_lon is None else haversine_km(lat, lon, at_lat, at_lon),
        )
        for key, name, at_lat, at_lon, skills, district in _all(
            engine, scoped(query, scope, Resource).order_by(Resource.id)
        )
    ]


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return haversine_km(lat1, lon1, lat2, lon2) * 1000
