"""What the One Map's detail panel shows for a clicked feature, within the user's scope.

Each function returns None when the object does not exist OR lies outside the scope: the panel
cannot tell the two apart, so it reveals nothing about other districts' or enterprises' objects.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from dashboard.domain.roles import Scope
from data_access.models import (
    Cylinder,
    CylinderState,
    EventRecord,
    Hazard,
    HazardStatusChange,
    Incident,
    Site,
    Team,
    TeamState,
)

CHAIN_LIMIT = 50  # a cylinder's newest scans shown
TIMELINE_LIMIT = 100
# The event types that name an incident (incident_id in their data).
INCIDENT_EVENT_TYPES = (
    "incident.reported",
    "incident.dispatched",
    "incident.notified",
    "incident.update",
    "incident.closed",
    "team.status",
)


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def cylinder_chain(engine: Engine, scope: Scope, code: str) -> dict[str, Any] | None:
    """A cylinder's current state and its `cylinder.scanned` events, newest first."""
    state = _rows(engine, select(CylinderState.__table__).where(CylinderState.code == code))
    owner = _rows(engine, select(Cylinder.enterprise_id).where(Cylinder.code == code))
    if not state and not owner:
        return None
    enterprise = owner[0]["enterprise_id"] if owner else None
    district = state[0]["district"] if state else None
    if scope.enterprise_id is not None and enterprise != scope.enterprise_id:
        return None
    if scope.district is not None and district != scope.district:
        return None
    scans = select(EventRecord.seq, EventRecord.occurred_at, EventRecord.district, EventRecord.data)
    scans = scans.where(
        EventRecord.type == "cylinder.scanned",
        EventRecord.data["code"].as_string() == code,
    )
    events = _rows(engine, scans.order_by(EventRecord.seq.desc()).limit(CHAIN_LIMIT))
    current = state[0] if state else None
    return {
        "code": code,
        "enterprise_id": enterprise,
        "stage": current["stage"] if current else None,
        "is_black": bool(current["is_black"]) if current else enterprise is None,
        "scans": [
            {
                "occurred_at": e["occurred_at"],
                "stage": e["data"].get("stage"),
                "site_id": e["data"].get("site_id"),
                "worker_id": e["data"].get("worker_id"),
                "customer_id": e["data"].get("customer_id"),
            }
            for e in events
        ],
    }


def hazard_history(engine: Engine, scope: Scope, hazard_id: str) -> dict[str, Any] | None:
    """A hazard and its status changes, oldest first."""
    hazards = _rows(engine, select(Hazard.__table__).where(Hazard.id == hazard_id))
    if not hazards or not _hazard_in_scope(engine, scope, hazards[0]):
        return None
    history = _rows(
        engine,
        select(
            HazardStatusChange.status,
            HazardStatusChange.actor,
            HazardStatusChange.note,
            HazardStatusChange.occurred_at,
        )
        .where(HazardStatusChange.hazard_id == hazard_id)
        .order_by(HazardStatusChange.seq, HazardStatusChange.id),
    )
    return {**hazards[0], "history": history}


def _hazard_in_scope(engine: Engine, scope: Scope, hazard: dict[str, Any]) -> bool:
    if scope.district is not None and hazard["district"] != scope.district:
        return False
    if scope.enterprise_id is None:
        return True
    if hazard["target_type"] == "enterprise":
        return hazard["target_id"] == scope.enterprise_id
    if hazard["target_type"] != "site":
        return False
    owner = _rows(engine, select(Site.enterprise_id).where(Site.id == hazard["target_id"]))
    return bool(owner) and owner[0]["enterprise_id"] == scope.enterprise_id


def incident_timeline(engine: Engine, scope: Scope, incident_id: str) -> dict[str, Any] | None:
    """An incident and every logged event naming it, oldest first; authorities only."""
    if scope.enterprise_id is not None:
        return None
    query = select(Incident.__table__).where(Incident.id == incident_id)
    if scope.district is not None:
        query = query.where(Incident.district == scope.district)
    incidents = _rows(engine, query)
    if not incidents:
        return None
    events = select(EventRecord.seq, EventRecord.type, EventRecord.occurred_at, EventRecord.data)
    events = events.where(
        EventRecord.type.in_(INCIDENT_EVENT_TYPES),  # the type index, not the whole log
        EventRecord.data["incident_id"].as_string() == incident_id,
    )
    timeline = _rows(engine, events.order_by(EventRecord.seq).limit(TIMELINE_LIMIT))
    return {**incidents[0], "timeline": timeline}


def team_detail(engine: Engine, scope: Scope, team_id: str) -> dict[str, Any] | None:
    """A team: its registry record, current status and place, and the incident it serves."""
    if scope.enterprise_id is not None:
        return None
    query = (
        select(
            Team.id,
            Team.name,
            Team.level,
            Team.district,
            Team.members,
            Team.capabilities,
            TeamState.status,
            TeamState.incident_id,
            TeamState.speed_kmh,
            TeamState.updated_at,
        )
        .join(TeamState, TeamState.team_id == Team.id, isouter=True)
        .where(Team.id == team_id)
    )
    if scope.district is not None:
        query = query.where(Team.district == scope.district)
    rows = _rows(engine, query)
    return rows[0] if rows else None
