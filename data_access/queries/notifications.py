"""Queries behind incident notifications: what the notifier needs to word a message and find
its recipients, and the notification centre's and the incident view's lists.

The notifier's two look-ups (`incident_notice`, `responsible_enterprise`) run for the system, not
for a signed-in user, so they take no `Scope`; everything a user sees goes through one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Scope
from data_access.models import Enterprise, Incident, IncidentNotification, PipelineSegment, Site
from data_access.projections.excavations import M_PER_DEG_LAT, distance_m
from data_access.registry import pipeline_box
from data_access.scope import scoped

ENTERPRISE_REACH_M = 1000.0  # the gas enterprise answerable for a place: its assets this close
CENTRE_LIMIT = 200  # rows the notification centre shows at most

__all__ = [
    "ENTERPRISE_REACH_M",
    "CentreNotification",
    "IncidentNotice",
    "Notification",
    "ResponsibleEnterprise",
    "channels",
    "failures_since",
    "incident_notice",
    "notification_centre",
    "notification_list",
    "responsible_enterprise",
]


# --- for the notifier (system) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentNotice:
    """What a notification says about an incident."""

    id: str
    kind: str
    severity: int
    address: str
    district: str | None
    lat: float
    lon: float
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class ResponsibleEnterprise:
    """The gas enterprise answerable for a place, and what ties it there."""

    id: str
    name: str
    via: str  # pipeline | site
    distance_m: float


def incident_notice(engine: Engine, incident_id: str) -> IncidentNotice | None:
    """What a notification says about an incident: kind, severity, place, district, time."""
    query = select(
        Incident.id,
        Incident.kind,
        Incident.severity,
        Incident.address,
        Incident.district,
        Incident.lat,
        Incident.lon,
        Incident.reported_at,
    ).where(Incident.id == incident_id)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return IncidentNotice(*row) if row is not None else None


def responsible_enterprise(
    engine: Engine, lat: float, lon: float, within_m: float = ENTERPRISE_REACH_M
) -> ResponsibleEnterprise | None:
    """The gas enterprise whose pipeline segment or site is nearest to (lat, lon), within
    `within_m` metres; None if none.

    Two range queries (segments by their bounding box, sites by their point) bring the few
    candidates; exact distances are then measured in metres (projections/excavations.py)."""
    dlat = within_m / M_PER_DEG_LAT
    dlon = within_m / (M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    south, north, west, east = lat - dlat, lat + dlat, lon - dlon, lon + dlon
    candidates: list[tuple[float, str, str]] = []  # (metres, enterprise id, via)
    segments = select(
        PipelineSegment.enterprise_id,
        PipelineSegment.coords,
        PipelineSegment.min_lat,
        PipelineSegment.min_lon,
        PipelineSegment.max_lat,
        PipelineSegment.max_lon,
    ).where(
        # Segments written before the box columns existed have none: check those in Python.
        (PipelineSegment.min_lat.is_(None))
        | (
            (PipelineSegment.min_lat <= north)
            & (PipelineSegment.max_lat >= south)
            & (PipelineSegment.min_lon <= east)
            & (PipelineSegment.max_lon >= west)
        )
    )
    sites = select(Site.enterprise_id, Site.lat, Site.lon).where(
        Site.lat.between(south, north), Site.lon.between(west, east)
    )
    with engine.connect() as connection:
        segment_rows = connection.execute(segments).all()
        site_rows = connection.execute(sites).all()
    for owner, coords, min_lat, min_lon, max_lat, max_lon in segment_rows:
        if not coords:
            continue
        if min_lat is None or min_lon is None or max_lat is None or max_lon is None:
            box = pipeline_box(coords)
            min_lat, min_lon = box["min_lat"], box["min_lon"]
            max_lat, max_lon = box["max_lat"], box["max_lon"]
        if min_lat > north or max_lat < south or min_lon > east or max_lon < west:
            continue
        candidates.append((distance_m(lat, lon, coords), owner, "pipeline"))
    for owner, site_lat, site_lon in site_rows:
        candidates.append((distance_m(lat, lon, [[site_lat, site_lon]]), owner, "site"))
    near = sorted(c for c in candidates if c[0] <= within_m)
    if not near:
        return None
    metres, enterprise_id, via = near[0]
    with engine.connect() as connection:
        name = connection.scalar(select(Enterprise.name).where(Enterprise.id == enterprise_id))
    return ResponsibleEnterprise(enterprise_id, name or enterprise_id, via, metres)


# --- for people: always scoped (data_access/scope.py: the city's desk, a district its own) ------


@dataclass(frozen=True, slots=True)
class Notification:
    """One delivery of an incident's notification over one channel, and what became of it."""

    seq: int
    incident_id: str
    levels: list[str]
    recipients: list[str]
    channel: str
    outcome: str  # delivered | failed
    attempts: int | None
    error: str | None
    district: str | None
    occurred_at: datetime  # UTC


@dataclass(frozen=True, slots=True)
class CentreNotification(Notification):
    """A notification as the centre lists it, with what its incident is."""

    kind: str
    address: str
    severity: int


_COLUMNS = (  # named as Notification's fields: rows are read into it by name
    IncidentNotification.seq,
    IncidentNotification.incident_id,
    IncidentNotification.levels,
    IncidentNotification.recipients,
    IncidentNotification.channel,
    IncidentNotification.outcome,
    IncidentNotification.attempts,
    IncidentNotification.error,
    IncidentNotification.district,
    IncidentNotification.occurred_at,
)


def notification_centre(
    engine: Engine,
    scope: Scope,
    *,
    failed_only: bool = False,
    channel: str | None = None,
    limit: int = CENTRE_LIMIT,
) -> list[CentreNotification]:
    """The newest notifications in scope, with their incident's kind, address and severity.

    Newest first from the log; the page puts failures on top (`order_for_centre`)."""
    query = select(
        *_COLUMNS,
        Incident.kind,
        Incident.address,
        Incident.severity,
    ).join(Incident, Incident.id == IncidentNotification.incident_id)
    if failed_only:
        query = query.where(IncidentNotification.outcome == "failed")
    if channel:
        query = query.where(IncidentNotification.channel == channel)
    query = scoped(query, scope, IncidentNotification)
    query = query.order_by(IncidentNotification.seq.desc()).limit(limit)
    with engine.connect() as connection:
        rows = [CentreNotification(**row._mapping) for row in connection.execute(query)]
    return order_for_centre(rows)


def order_for_centre(rows: list[CentreNotification]) -> list[CentreNotification]:
    """Failures first (they need someone to act), each group newest first."""
    return sorted(rows, key=lambda r: (r.outcome != "failed", -r.seq))


def failures_since(engine: Engine, scope: Scope, since: datetime) -> int:
    """How many deliveries failed in scope since `since` (aware UTC)."""
    query = (
        select(func.count())
        .select_from(IncidentNotification)
        .where(IncidentNotification.outcome == "failed", IncidentNotification.occurred_at >= since)
    )
    with engine.connect() as connection:
        return int(connection.scalar(scoped(query, scope, IncidentNotification)) or 0)


def channels(engine: Engine, scope: Scope) -> list[str]:
    """The channels that have carried notifications in scope (the centre's filter choices)."""
    query = select(IncidentNotification.channel).distinct().order_by(IncidentNotification.channel)
    with engine.connect() as connection:
        return list(connection.scalars(scoped(query, scope, IncidentNotification)))


def notification_list(engine: Engine, incident_id: str, scope: Scope) -> list[Notification]:
    """Every notification of one incident in log order, for the incident view. Empty when the
    incident is outside the scope."""
    query = (
        select(*_COLUMNS)
        .where(IncidentNotification.incident_id == incident_id)
        .order_by(IncidentNotification.seq)
    )
    query = scoped(query, scope, IncidentNotification)
    with engine.connect() as connection:
        return [Notification(**row._mapping) for row in connection.execute(query)]
