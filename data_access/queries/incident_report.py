"""The close-out report of one incident: what was reported, who went and when, who was told,
everything that happened in log order, and how it ended; read from the incident projections
(data_access/projections/incidents.py) within the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from dashboard.domain.events import NOTIFY_LEVELS
from dashboard.domain.response import IncidentResponse, incident_response, minutes_between
from dashboard.domain.roles import Scope
from data_access.models import Incident, IncidentDispatch, IncidentNotification, Team, TeamState
from data_access.queries.incident_view import (
    FACT_COLUMNS,
    IncidentFacts,
    TimelineRow,
    actor_keys,
    actor_names,
    last_team_statuses,
    status_on_incident,
    timeline_of,
)
from data_access.scope import scoped


@dataclass(frozen=True, slots=True)
class TeamRow:
    team_id: str
    name: str
    level: str  # city | district | street | enterprise
    dispatched_at: datetime
    by: str
    eta_minutes: float | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    released_at: datetime | None
    status_here: str  # what it did on THIS incident (incident_view.status_on_incident)

    @property
    def response_min(self) -> float | None:
        """This team's own minutes from being sent to being there (compare with its ETA)."""
        return minutes_between(self.dispatched_at, self.on_scene_at)


@dataclass(frozen=True, slots=True)
class NotificationRow:
    seq: int
    levels: tuple[str, ...]
    recipients: tuple[str, ...]
    channel: str
    outcome: str  # delivered | failed
    attempts: int | None
    error: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class IncidentReport:
    incident: IncidentFacts
    response: IncidentResponse
    timeline: tuple[TimelineRow, ...]
    teams: tuple[TeamRow, ...]
    notifications: tuple[NotificationRow, ...]
    notified: dict[str, datetime | None]  # each of the four levels: first delivered, or None
    all_notified_at: datetime | None
    generated_at: datetime
    names: dict[str, str]  # logins, enterprise and team ids -> names (dashboard/actors.py)


def incident_report(
    engine: Engine, incident_id: str, scope: Scope, now: datetime
) -> IncidentReport | None:
    """The report as of `now`, or None when the incident is unknown or outside `scope` (the
    caller cannot tell which: both look the same to the user)."""
    query = scoped(
        select(*FACT_COLUMNS, Incident.notified, Incident.all_notified_at), scope, Incident
    )
    with engine.connect() as connection:
        row = connection.execute(query.where(Incident.id == incident_id)).first()
        if row is None:
            return None
        facts = IncidentFacts(*row[: len(FACT_COLUMNS)])
        timeline = tuple(timeline_of(connection, incident_id))
        teams = _teams(connection, incident_id)
        notifications = _notifications(connection, incident_id)
        names = actor_names(connection, _actors(facts, timeline, teams))
    notified = {
        level: datetime.fromisoformat(row.notified[level])
        if row.notified and level in row.notified
        else None
        for level in NOTIFY_LEVELS
    }
    response = incident_response(
        facts.reported_at,
        facts.dispatched_at,
        facts.en_route_at,
        facts.on_scene_at,
        facts.closed_at,
        now,
    )
    return IncidentReport(
        facts, response, timeline, teams, notifications, notified, row.all_notified_at, now, names
    )


def _actors(
    facts: IncidentFacts, timeline: tuple[TimelineRow, ...], teams: tuple[TeamRow, ...]
) -> set[str]:
    """Everyone the report names: who acted, who sent each team, who closed it, and the teams
    a dispatch entry lists by id."""
    actors = [entry.actor for entry in timeline] + [team.by for team in teams]
    team_ids = [
        team
        for entry in timeline
        if entry.kind == "dispatched"
        for team in (entry.text or "").split()
    ]
    return actor_keys([*actors, facts.closed_by, *team_ids])


def _teams(connection: Connection, incident_id: str) -> tuple[TeamRow, ...]:
    sent = IncidentDispatch
    query = (
        select(
            sent.team_id,
            Team.name,
            Team.level,
            sent.dispatched_at,
            sent.by,
            sent.eta_minutes,
            sent.en_route_at,
            sent.on_scene_at,
            sent.released_at,
            TeamState.incident_id,
            TeamState.status,
        )
        .join(Team, Team.id == sent.team_id)
        .join(TeamState, TeamState.team_id == sent.team_id, isouter=True)
        .where(sent.incident_id == incident_id)
        .order_by(sent.dispatched_at, sent.team_id)
    )
    reported = last_team_statuses(connection, incident_id)
    return tuple(
        TeamRow(
            *row[:9],
            status_on_incident(
                incident_id, reported.get(row.team_id), row.released_at, row[9], row[10]
            ),
        )
        for row in connection.execute(query)
    )


def _notifications(connection: Connection, incident_id: str) -> tuple[NotificationRow, ...]:
    sent = IncidentNotification
    query = (
        select(
            sent.seq,
            sent.levels,
            sent.recipients,
            sent.channel,
            sent.outcome,
            sent.attempts,
            sent.error,
            sent.occurred_at,
        )
        .where(sent.incident_id == incident_id)
        .order_by(sent.seq)
    )
    return tuple(
        NotificationRow(
            seq, tuple(levels or ()), tuple(recipients or ()), channel, outcome, attempts, error, at
        )
        for seq, levels, recipients, channel, outcome, attempts, error, at in connection.execute(
            query
        )
    )
