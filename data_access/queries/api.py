"""What the JSON API lists (docs/api.md): hazards, incidents, teams, alarms, complaints and
enterprises, within the user's scope, filtered and paged; and an incident with its timeline.

Paging is by key ("keyset"): each list is ordered by its id, and a page asks for the ids after
the last one it saw. Unlike an offset, a page boundary stays put while events keep adding rows
(an offset would skip or repeat rows as the log grows), and every page is one index range scan.

Filters (each optional) apply on top of the scope, never instead of it: a district officer who
asks for another district gets an empty list. The enterprise filter means what the scope means
for an enterprise (`REACH[...].owned`), written once in data_access/scope.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Engine, Select, false, select

from dashboard.domain.roles import Scope
from data_access.models import Alarm, Complaint, Enterprise, Hazard, Incident, Team, TeamState
from data_access.queries import incident_view
from data_access.scope import REACH, scoped

__all__ = [
    "AlarmRow",
    "ComplaintRow",
    "EnterpriseRow",
    "Filters",
    "HazardRow",
    "IncidentDetail",
    "IncidentRow",
    "Page",
    "TeamRow",
    "alarms",
    "complaints",
    "enterprises",
    "hazards",
    "incident_detail",
    "incidents",
    "teams",
]

TIMELINE_LIMIT = 500  # the newest entries of an incident's timeline
Row = TypeVar("Row")
AnySelect = Select[*tuple[Any, ...]]  # of any number of columns


@dataclass(frozen=True, slots=True)
class Filters:
    """One page's request: at most `limit` rows with ids after `after`, and the filters."""

    limit: int
    after: str | None = None
    status: str | None = None
    district: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    enterprise_id: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[Row]):
    items: list[Row]
    last_id: str | None  # the last row's id when more rows follow, else None


@dataclass(frozen=True, slots=True)
class HazardRow:
    id: str
    district: str
    category: str
    level: str
    status: str
    escalation: str | None
    target_type: str
    target_id: str
    description: str
    lat: float
    lon: float
    reported_at: datetime
    due_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: str
    kind: str
    channel: str
    district: str | None
    address: str
    severity: int
    description: str
    status: str
    lat: float
    lon: float
    reported_at: datetime
    dispatched_at: datetime | None
    on_scene_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    incident: IncidentRow
    timeline: list[incident_view.TimelineRow]  # oldest first


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: str
    name: str
    level: str
    district: str
    members: int
    capabilities: list[str]
    status: str | None  # None: it never reported
    incident_id: str | None
    lat: float  # where it is now, or its base
    lon: float
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlarmRow:
    id: str
    sensor_id: str | None
    kind: str
    level: str
    value: float | None
    district: str | None
    status: str
    lat: float
    lon: float
    raised_at: datetime
    acknowledged_by: str | None
    cleared_at: datetime | None


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: str
    channel: str
    category: str
    district: str
    text: str
    status: str
    satisfaction: int | None
    received_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    id: str
    name: str
    kind: str
    district: str
    licence_no: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Listing:
    """How one kind of object is listed: its model, id, and the columns its filters use
    (None: the filter does not apply to it)."""

    model: type
    id: Any
    status: Any = None
    district: Any = None
    time: Any = None


def _filtered(query: AnySelect, listing: Listing, filters: Filters) -> AnySelect:
    wheres: list[ColumnElement[bool]] = []
    if filters.after is not None:
        wheres.append(listing.id > filters.after)
    if filters.status is not None and listing.status is not None:
        wheres.append(listing.status == filters.status)
    if filters.district is not None and listing.district is not None:
        wheres.append(listing.district == filters.district)
    if filters.since is not None and listing.time is not None:
        wheres.append(listing.time >= filters.since)
    if filters.until is not None and listing.time is not None:
        wheres.append(listing.time < filters.until)
    if filters.enterprise_id is not None:
        owned = REACH[listing.model].owned
        wheres.append(owned(filters.enterprise_id) if owned is not None else false())
    return query.where(*wheres)


def _page(
    engine: Engine,
    query: AnySelect,
    listing: Listing,
    scope: Scope,
    filters: Filters,
    build: Callable[[Sequence[Any]], Row],
) -> Page[Row]:
    """One page of `query` (over `listing.model`, its id first) in `scope`, ordered by id."""
    query = _filtered(scoped(query, scope, listing.model), listing, filters)
    query = query.order_by(listing.id).limit(filters.limit + 1)  # one more: are there more?
    with engine.connect() as connection:
        rows = list(connection.execute(query))
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    # every listing's first column is its id
    return Page([build(row) for row in rows], rows[-1][0] if more and rows else None)


HAZARDS = Listing(Hazard, Hazard.id, Hazard.status, Hazard.district, Hazard.reported_at)
INCIDENTS = Listing(Incident, Incident.id, Incident.status, Incident.district, Incident.reported_at)
TEAMS = Listing(Team, Team.id, TeamState.status, Team.district)
ALARMS = Listing(Alarm, Alarm.id, Alarm.status, Alarm.district, Alarm.raised_at)
COMPLAINTS = Listing(
    Complaint, Complaint.id, Complaint.status, Complaint.district, Complaint.received_at
)
ENTERPRISES = Listing(Enterprise, Enterprise.id, None, Enterprise.district)

HAZARD_COLUMNS = (
    Hazard.id,
    Hazard.district,
    Hazard.category,
    Hazard.level,
    Hazard.status,
    Hazard.escalation,
    Hazard.target_type,
    Hazard.target_id,
    Hazard.description,
    Hazard.lat,
    Hazard.lon,
    Hazard.reported_at,
    Hazard.due_at,
    Hazard.closed_at,
)
INCIDENT_COLUMNS = (
    Incident.id,
    Incident.kind,
    Incident.channel,
    Incident.district,
    Incident.address,
    Incident.severity,
    Incident.description,
    Incident.status,
    Incident.lat,
    Incident.lon,
    Incident.reported_at,
    Incident.dispatched_at,
    Incident.on_scene_at,
    Incident.closed_at,
)


def hazards(engine: Engine, scope: Scope, filters: Filters) -> Page[HazardRow]:
    return _page(engine, select(*HAZARD_COLUMNS), HAZARDS, scope, filters, lambda r: HazardRow(*r))


def incidents(engine: Engine, scope: Scope, filters: Filters) -> Page[IncidentRow]:
    return _page(
        engine, select(*INCIDENT_COLUMNS), INCIDENTS, scope, filters, lambda r: IncidentRow(*r)
    )


def incident_detail(engine: Engine, scope: Scope, incident_id: str) -> IncidentDetail | None:
    """An incident and its timeline (the incident view's), or None when it is unknown or
    outside `scope`."""
    query = scoped(select(*INCIDENT_COLUMNS), scope, Incident).where(Incident.id == incident_id)
    with engine.connect() as connection:
        row: Any = connection.execute(query).first()
    if row is None:
        return None
    entries = incident_view.timeline(engine, incident_id, newest=TIMELINE_LIMIT)
    return IncidentDetail(IncidentRow(*row), entries)


def teams(engine: Engine, scope: Scope, filters: Filters) -> Page[TeamRow]:
    query = select(
        Team.id,
        Team.name,
        Team.level,
        Team.district,
        Team.members,
        Team.capabilities,
        TeamState.status,
        TeamState.incident_id,
        Team.lat,
        Team.lon,
        TeamState.lat,
        TeamState.lon,
        TeamState.updated_at,
    ).outerjoin(TeamState, TeamState.team_id == Team.id)
    return _page(engine, query, TEAMS, scope, filters, _team)


def _team(row: Sequence[Any]) -> TeamRow:
    (id_, name, level, district, members, capabilities, status, incident_id) = row[:8]
    base_lat, base_lon, lat, lon, updated_at = row[8:]
    return TeamRow(
        id_,
        name,
        level,
        district,
        members,
        list(capabilities or []),
        status,
        incident_id,
        lat if lat is not None else base_lat,
        lon if lon is not None else base_lon,
        updated_at,
    )


def alarms(engine: Engine, scope: Scope, filters: Filters) -> Page[AlarmRow]:
    query = select(
        Alarm.id,
        Alarm.sensor_id,
        Alarm.kind,
        Alarm.level,
        Alarm.value,
        Alarm.district,
        Alarm.status,
        Alarm.lat,
        Alarm.lon,
        Alarm.raised_at,
        Alarm.acknowledged_by,
        Alarm.cleared_at,
    )
    return _page(engine, query, ALARMS, scope, filters, lambda r: AlarmRow(*r))


def complaints(engine: Engine, scope: Scope, filters: Filters) -> Page[ComplaintRow]:
    query = select(
        Complaint.id,
        Complaint.channel,
        Complaint.category,
        Complaint.district,
        Complaint.text,
        Complaint.status,
        Complaint.satisfaction,
        Complaint.received_at,
        Complaint.closed_at,
    )
    return _page(engine, query, COMPLAINTS, scope, filters, lambda r: ComplaintRow(*r))


def enterprises(engine: Engine, scope: Scope, filters: Filters) -> Page[EnterpriseRow]:
    query = select(
        Enterprise.id,
        Enterprise.name,
        Enterprise.kind,
        Enterprise.district,
        Enterprise.licence_no,
        Enterprise.lat,
        Enterprise.lon,
    )
    return _page(engine, query, ENTERPRISES, scope, filters, lambda r: EnterpriseRow(*r))
