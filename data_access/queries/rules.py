"""The domain's rules as SQL conditions, for queries that filter and count in the database.

Each condition states no rule of its own: it reads it from dashboard/domain (incidents,
response, hazards), so the SQL and the Python agree by construction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from dashboard.domain import hazards, incidents
from dashboard.domain.response import LATE_AT
from data_access.models import Hazard, Incident


def incident_open() -> ColumnElement[bool]:
    return Incident.status.in_(incidents.OPEN_STATUSES)


def incident_late_without_team(now: datetime) -> ColumnElement[bool]:
    """No team on scene and past the target in whole seconds (response.late_without_team)."""
    return and_(Incident.on_scene_at.is_(None), Incident.reported_at <= now - LATE_AT)


def hazard_open() -> ColumnElement[bool]:
    return Hazard.status != hazards.CLOSED


def hazard_overdue(now: datetime) -> ColumnElement[bool]:
    return and_(hazard_open(), Hazard.due_at < now)
