"""The duty desk's actions on incidents: report, dispatch, team statuses, updates, notify, close.

Each checks, inside its one write transaction, the user's role and the scope of every object it
touches (the incident, each team), validates, and appends (data_access/commands/base.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from dashboard.domain.dispatch import DESK_TEAM_STEPS, DESK_UPDATE_STATUSES, FREE, busy_reason
from dashboard.domain.events import (
    NOTIFY_LEVELS,
    IncidentClosed,
    IncidentDispatched,
    IncidentNotifyRequested,
    IncidentReported,
    IncidentUpdate,
    TeamStatus,
)
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.incidents import is_open
from dashboard.domain.policy import Action, Place, Refused, missing, unknown
from dashboard.domain.roles import User
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.models import Incident, IncidentDispatch, NotificationRequest, Team, TeamState
from data_access.projections.batch import district_locator

__all__ = [
    "close_incident",
    "dispatch_teams",
    "new_incident_id",
    "post_incident_update",
    "report_incident",
    "report_team_status",
    "request_notification",
]


# Desk incident numbers carry the city's date, the one the duty officer's day is counted in.
DESK_ID_TIME_ZONE = ZoneInfo("Asia/Shanghai")
DESK_ID_PREFIX = "INC-"


def new_incident_id(connection: Connection, now: datetime) -> str:
    """The next desk incident number of the city's day, said aloud as "INC-20261202-0042": the
    simulators' family (theirs read INC-<run tag>-<number>, a five-letter tag, never a date).
    The caller holds the event log's write lock, so counting today's numbers here is safe; old
    ids (desk-<UTC time>-<hex>) stay valid, they are only never made again."""
    day = f"{DESK_ID_PREFIX}{now.astimezone(DESK_ID_TIME_ZONE):%Y%m%d}-"
    taken = connection.execute(select(Incident.id).where(Incident.id.startswith(day)))
    numbers = [int(tail) for (id_,) in taken if (tail := id_[len(day) :]).isdigit()]
    return f"{day}{max(numbers, default=0) + 1:04d}"


def report_incident(engine: Engine, user: User, draft: IncidentDraft) -> Result:
    """Open an incident by hand from a validated draft; `Done.subject` is its id. A district
    officer files incidents in their own district only (where the projection will file it)."""

    def body(act: Act) -> Done:
        act.require(Action.REPORT_INCIDENT)
        district = district_locator(act.connection).locate(draft.lat, draft.lon)
        refuse_outside(act.user, district)
        incident_id = new_incident_id(act.connection, act.now)
        data = IncidentReported(incident_id=incident_id, **draft.as_event_fields())
        return Done(incident_id, act.append(data))

    return run(engine, user, body)


def refuse_outside(user: User, district: str | None) -> None:
    """A district officer cannot open anything outside their district."""
    own = user.scope.district
    if own is not None and district != own:
        raise Refusal(
            Refused(
                "outside_district",
                f"the place lies in district {district}, outside {own}",
                code="out_of_range",
                field="location",
                params={"district": own},
            )
        )


def dispatch_teams(
    engine: Engine, user: User, incident_id: str, team_ids: Sequence[str], eta_minutes: float
) -> Result:
    """Send teams, each of them free and in the user's scope, to an open incident. Of two
    officers sending the same team at the same moment one succeeds and one is told why not.
    The incident's first dispatch also asks for its four-level notification (seed 000, 2.3)."""

    def body(act: Act) -> Done:
        incident = open_incident(act, Action.DISPATCH, incident_id)
        if not team_ids:
            raise Refusal(missing("team_ids", "choose at least one team"))
        act.require(Action.DISPATCH, *(team_place(act, team) for team in team_ids))
        _refuse_busy(act, incident_id, team_ids)
        data = IncidentDispatched(
            incident_id=incident_id,
            team_ids=list(team_ids),
            by=act.user.username,
            eta_minutes=round(max(eta_minutes, 0.0), 1),
        )
        seq = act.append(data)
        if not incident.notified and not _notification_asked(act, incident_id):
            act.append(_notify_request(act, incident_id, NOTIFY_LEVELS))
        return Done(incident_id, seq)

    return run(engine, user, body)


def _refuse_busy(act: Act, incident_id: str, team_ids: Sequence[str]) -> None:
    query = select(TeamState.team_id, TeamState.status, TeamState.incident_id).where(
        TeamState.team_id.in_(list(team_ids))
    )
    states = {row.team_id: row for row in act.connection.execute(query)}
    for index, team_id in enumerate(team_ids):
        state = states.get(team_id)
        if state is None:
            continue
        message = busy_reason(team_id, state.status, state.incident_id, incident_id)
        if message is None:
            continue
        if state.incident_id == incident_id:
            reason = "team_already_sent"
        else:
            reason = "team_busy" if state.incident_id else "team_unavailable"
        params = {"team": team_id, "incident": state.incident_id or ""}
        raise Refusal(Refused(reason, message, field=f"data.team_ids.{index}", params=params))


def report_team_status(
    engine: Engine, user: User, incident_id: str, team_id: str, status: str
) -> Result:
    """What a team sent to this incident radios in: en route, on scene, returning."""

    def body(act: Act) -> Done:
        open_incident(act, Action.REPORT_TEAM_STATUS, incident_id)
        act.require(Action.REPORT_TEAM_STATUS, team_place(act, team_id))
        sent = act.connection.scalar(
            select(IncidentDispatch.id).where(
                IncidentDispatch.incident_id == incident_id, IncidentDispatch.team_id == team_id
            )
        )
        if sent is None:
            raise Refusal(
                Refused(
                    "team_not_sent",
                    f"team {team_id!r} was not sent to incident {incident_id!r}",
                    field="team_id",
                    params={"team": team_id},
                )
            )
        if status not in DESK_TEAM_STEPS:
            raise Refusal(_bad_choice("status", status, DESK_TEAM_STEPS))
        data = TeamStatus(team_id=team_id, status=status, incident_id=incident_id)  # type: ignore[arg-type]
        return Done(team_id, act.append(data))

    return run(engine, user, body)


def post_incident_update(
    engine: Engine, user: User, incident_id: str, text: str, status: str | None = None
) -> Result:
    """An update from the desk for the timeline, optionally moving the incident's status on."""

    def body(act: Act) -> Done:
        open_incident(act, Action.POST_INCIDENT_UPDATE, incident_id)
        if not text.strip():
            raise Refusal(missing("text", "write what happened"))
        if status is not None and status not in DESK_UPDATE_STATUSES:
            raise Refusal(_bad_choice("status", status, DESK_UPDATE_STATUSES))
        data = IncidentUpdate(
            incident_id=incident_id,
            author=act.user.username,
            text=text.strip(),
            status=status,  # type: ignore[arg-type]
        )
        return Done(incident_id, act.append(data))

    return run(engine, user, body)


def request_notification(
    engine: Engine, user: User, incident_id: str, levels: Sequence[str]
) -> Result:
    """Ask for the incident's levels to be told (again). The request is recorded now; the
    delivery worker (dashboard/notifier.py) sends it and records what became of it."""

    def body(act: Act) -> Done:
        incident_row(act, Action.NOTIFY, incident_id)
        wanted = tuple(level for level in NOTIFY_LEVELS if level in levels)
        if not wanted:
            raise Refusal(missing("levels", "choose at least one level to notify"))
        if set(levels) - set(NOTIFY_LEVELS):
            raise Refusal(_bad_choice("levels", ",".join(levels), NOTIFY_LEVELS))
        return Done(incident_id, act.append(_notify_request(act, incident_id, wanted)))

    return run(engine, user, body)


def close_incident(
    engine: Engine, user: User, incident_id: str, summary: str, casualties: int | None = None
) -> Result:
    """Close with a summary (required); the teams still on the incident head back."""

    def body(act: Act) -> Done:
        open_incident(act, Action.CLOSE_INCIDENT, incident_id)
        if not summary.strip():
            raise Refusal(missing("summary", "closing needs a summary"))
        if casualties is not None and casualties < 0:
            raise Refusal(
                Refused(
                    "casualties",
                    "casualties cannot be negative",
                    code="out_of_range",
                    field="casualties",
                )
            )
        on_it = act.connection.scalars(
            select(TeamState.team_id).where(
                TeamState.incident_id == incident_id, TeamState.status.not_in(FREE)
            )
        ).all()
        closed = IncidentClosed(
            incident_id=incident_id,
            by=act.user.username,
            summary=summary.strip(),
            casualties=casualties,
        )
        back = [TeamStatus(team_id=t, status="returning", incident_id=incident_id) for t in on_it]
        return Done(incident_id, act.append(closed, *back))

    return run(engine, user, body)


# --- reading inside the action's transaction ------------------------------------------------


@dataclass(frozen=True)
class IncidentFacts:
    """What an action on an incident depends on."""

    id: str
    status: str
    district: str | None
    notified: dict[str, str] | None


def incident_row(act: Act, action: Action, incident_id: str) -> IncidentFacts:
    """The incident, if the user may take `action` on it (role, then scope)."""
    act.require(action)
    row = act.connection.execute(
        select(Incident.id, Incident.status, Incident.district, Incident.notified).where(
            Incident.id == incident_id
        )
    ).first()
    if row is None:
        raise Refusal(unknown("incident", incident_id, "incident_id"))
    act.require(action, Place("incident", incident_id, row.district))
    return IncidentFacts(*row)


def open_incident(act: Act, action: Action, incident_id: str) -> IncidentFacts:
    """As `incident_row`, refusing a closed incident."""
    row = incident_row(act, action, incident_id)
    if not is_open(row.status):
        raise Refusal(
            Refused(
                "incident_closed",
                f"incident {incident_id!r} is closed",
                field="incident_id",
                params={"id": incident_id},
            )
        )
    return row


def team_place(act: Act, team_id: str) -> Place:
    district = act.connection.scalar(select(Team.district).where(Team.id == team_id))
    if district is None:
        raise Refusal(unknown("team", team_id, "team_ids"))
    return Place("team", team_id, district)


def _notification_asked(act: Act, incident_id: str) -> bool:
    """Whether a notification of the incident was asked for already (and may be under way)."""
    asked = select(NotificationRequest.id).where(NotificationRequest.incident_id == incident_id)
    return act.connection.scalar(asked.limit(1)) is not None


def _notify_request(act: Act, incident_id: str, levels: Sequence[str]) -> IncidentNotifyRequested:
    return IncidentNotifyRequested(
        incident_id=incident_id,
        request_id=f"ntf-{uuid.uuid4().hex}",
        levels=list(levels),  # type: ignore[arg-type]
        by=act.user.username,
    )


def _bad_choice(field: str, value: str, choices: Sequence[str]) -> Refused:
    return Refused(
        "bad_choice",
        f"{field} {value!r} is not one of {', '.join(choices)}",
        code="invalid_field",
        field=field,
        params={"value": value},
    )
