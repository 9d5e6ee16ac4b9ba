"""Queries behind incident notifications: what the notifier needs to word a message and find
its recipients, and the notification centre's and the incident view's lists.

The notifier's two look-ups (`incident_notice`, `responsible_enterprise`) run for the system, not
for a signed-in user, so they take no `Scope`; everything a user sees goes through one."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, false, func, select

from dashboard.domain.roles import Scope
from data_access.models import Enterprise, Incident, IncidentNotification, PipelineSegment, Site
from data_access.projections.excavations import M_PER_DEG_LAT, distance_m
from data_access.registry import pipeline_box

ENTERPRISE_REACH_M = 1000.0  # the gas enterprise answerable for a place: its assets this close
CENTRE_LIMIT = 200  # rows the notification centre shows at most

__all__ = [
    "ENTERPRISE_REACH_M",
    "channels",
    "failures_since",
    "incident_notice",
    "notification_centre",
    "notification_list",
    "responsible_enterprise",
]


def _rows(engine: Engine, query: Select) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


# --- for the notifier (system) ----------------------------------------------------------------


def incident_notice(engine: Engine, incident_id: str) -> dict[str, Any] | None:
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
    rows = _rows(engine, query)
    return rows[0] if rows else None


def responsible_enterprise(
    engine: Engine, lat: float, lon: float, within_m: float = ENTERPRISE_REACH_M
) -> dict[str, Any] | None:
    """The gas enterprise whose pipeline segment or site is nearest to (lat, lon), within
    `within_m` metres: {"id", "name", "via": "pipeline" | "site", "distance_m"}; None if none.

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
    for row in _rows(engine, segments):
        if not row["coords"]:
            continue
        box = row if row["min_lat"] is not None else pipeline_box(row["coords"])
        if box["min_lat"] > north or box["max_lat"] < south:
            continue
        if box["min_lon"] > east or box["max_lon"] < west:
            continue
        candidates.append((distance_m(lat, lon, row["coords"]), row["enterprise_id"], "pipeline"))
    sites = select(Site.enterprise_id, Site.lat, Site.lon).where(
        Site.lat.between(south, north), Site.lon.between(west, east)
    )
    for row in _rows(engine, sites):
        candidates.append(
            (distance_m(lat, lon, [[row["lat"], row["lon"]]]), row["enterprise_id"], "site")
        )
    near = sorted(c for c in candidates if c[0] <= within_m)
    if not near:
        return None
    metres, enterprise_id, via = near[0]
    with engine.connect() as connection:
        name = connection.scalar(select(Enterprise.name).where(Enterprise.id == enterprise_id))
    return {"id": enterprise_id, "name": name or enterprise_id, "via": via, "distance_m": metres}


# --- for people: always scoped ------------------------------------------------------------------


def _scoped(query: Select, scope: Scope) -> Select:
    """Notifications belong to the city's incident desk: a district officer sees their
    district's, an enterprise none (as with incidents, data_access/queries/incident_scope.py)."""
    if scope.enterprise_id is not None:
        return query.where(false())
    if scope.district is not None:
        return query.where(IncidentNotification.district == scope.district)
    return query


_COLUMNS = (
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
) -> list[dict[str, Any]]:
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
    query = query.order_by(IncidentNotification.seq.desc()).limit(limit)
    return order_for_centre(_rows(engine, _scoped(query, scope)))


def order_for_centre(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures first (they need someone to act), each group newest first."""
    return sorted(rows, key=lambda r: (r["outcome"] != "failed", -r["seq"]))


def failures_since(engine: Engine, scope: Scope, since: datetime) -> int:
    """How many deliveries failed in scope since `since` (aware UTC)."""
    query = select(func.count()).where(
        IncidentNotification.outcome == "failed", IncidentNotification.occurred_at >= since
    )
    with engine.connect() as connection:
        return int(connection.scalar(_scoped(query.select_from(IncidentNotification), scope)) or 0)


def channels(engine: Engine, scope: Scope) -> list[str]:
    """The channels that have carried notifications in scope (the centre's filter choices)."""
    query = select(IncidentNotification.channel).distinct().order_by(IncidentNotification.channel)
    return [row["channel"] for row in _rows(engine, _scoped(query, scope))]


def notification_list(engine: Engine, incident_id: str, scope: Scope) -> list[dict[str, Any]]:
    """Every notification of one incident in log order, for the incident view: levels, channel,
    recipients, outcome (delivered | failed), attempts, error, occurred_at (UTC). Empty when the
    incident is outside the scope."""
    query = (
        select(*_COLUMNS)
        .where(IncidentNotification.incident_id == incident_id)
        .order_by(IncidentNotification.seq)
    )
    return _rows(engine, _scoped(query, scope))
