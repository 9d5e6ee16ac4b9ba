"""Incidents, the teams sent to them, and everything that happens to them on the way.

- `incidents`: one row per incident with its status (reported, dispatched, en_route, on_scene,
  contained, resolved, closed; closing is final) and the first time of each step: dispatched,
  en route (the first team setting off), on scene (the first team there), closed.
- `incident_dispatches`: one row per team sent to an incident (`incident.dispatched`), with the
  times the field app reports for it (`team.status` en_route, on_scene, then returning or
  available: released).
- `incident_timeline`: every event about an incident in log order, for the incident view and
  the close-out report.
- `incident_notifications`: every notification sent or tried (`incident.notified`, optionally
  with `outcome` failed). A delivered one records on the incident when each of the four levels
  (city, district, street, enterprise) was first notified (`notified`), and when the last of them
  was (`all_notified_at`).
- `notification_requests`: the outbox of notifications asked for (`incident.notify_requested`),
  which the delivery worker takes from (data_access/outbox.py).

`incident.dispatched` also marks its teams dispatched to the incident (their status changes
everywhere at once). From a duty officer ("user:" sources) it is refused when a team is not free:
this is what makes two officers dispatching the same team at once end in one success and one
refusal, as the event log appends under one write lock. Outside systems' dispatch records are
facts from their own desks and are recorded as they come.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dashboard.domain.dispatch import busy_reason
from dashboard.domain.events import NOTIFY_LEVELS, Event, Rejection
from dashboard.domain.incidents import CLOSED, PROGRESS, is_open, update_author
from data_access.projections.batch import Batch
from data_access.projections.projection import (
    Projection,
    References,
    Wanted,
    check_references,
    want_references,
)

# How far along an incident is: a report of an earlier step never moves it back.
_PROGRESS = {status: rank for rank, status in enumerate(PROGRESS)}
USER_PREFIX = "user:"
_REFERENCES: References = {  # rows an event names, which must be known
    "incident.dispatched": (("incident_id", "incidents"),),
    "incident.notified": (("incident_id", "incidents"),),
    "incident.notify_requested": (("incident_id", "incidents"),),
    "incident.update": (("incident_id", "incidents"),),
    "incident.closed": (("incident_id", "incidents"),),
    "team.position": (("team_id", "teams"),),
    "team.status": (("team_id", "teams"), ("incident_id", "incidents")),
}


def dispatch_key(incident_id: str, team_id: str) -> str:
    return f"{incident_id}/{team_id}"


def wants(event: Event, wanted: Wanted) -> None:
    data: Any = event.data
    keys = wanted.keys
    want_references(event, wanted, _REFERENCES)
    if event.type == "incident.reported":
        keys["incidents"].add(data.incident_id)
    elif event.type == "incident.dispatched":
        keys["teams"].update(data.team_ids)
        keys["team_states"].update(data.team_ids)
        keys["incident_dispatches"].update(
            dispatch_key(data.incident_id, team) for team in data.team_ids
        )
    elif event.type.startswith("team."):
        keys["team_states"].add(data.team_id)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    rejection = check_references(b, event, _REFERENCES)
    if rejection is not None or event.type != "incident.dispatched":
        return rejection
    data: Any = event.data
    for index, team_id in enumerate(data.team_ids):
        if b["teams"].get(team_id) is None:
            message = f"team {team_id!r} is not known"
            return Rejection("unknown_reference", f"data.team_ids.{index}", message, event.id)
    return check_dispatch(b, event, source)


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if hasattr(data, "district"):
        return data.district
    if event.type.startswith("team."):
        row = b["teams"].get(data.team_id)
    elif event.type != "incident.reported":
        row = b["incidents"].get(data.incident_id)
    else:
        return b.nearest_district(data.lat, data.lon)
    return row["district"] if row else None


def check_dispatch(b: Batch, event: Event, source: str | None) -> Rejection | None:
    """A duty officer may send only free teams, and only to an incident still open."""
    if source is None or not source.startswith(USER_PREFIX):
        return None
    data: Any = event.data
    incident = b["incidents"].get(data.incident_id)
    if incident is not None and incident["status"] == CLOSED:
        message = f"incident {data.incident_id!r} is closed"
        return Rejection("not_permitted", "data.incident_id", message, event.id)
    for index, team_id in enumerate(data.team_ids):
        state = b["team_states"].get(team_id)
        if state is None:
            continue
        busy = busy_reason(team_id, state["status"], state["incident_id"], data.incident_id)
        if busy is not None:
            return Rejection("not_permitted", f"data.team_ids.{index}", busy, event.id)
    return None


# --- incidents ------------------------------------------------------------------------------


def _earliest(current: datetime | None, when: datetime) -> datetime:
    return when if current is None or when < current else current


def apply_incident(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    if event.type == "incident.reported":
        _reported(b, event, seq, source)
        return
    row = b["incidents"].get(data.incident_id)
    if row is None:
        return
    when = event.occurred_at
    if event.type == "incident.notified":
        _notification(b, row, event, seq)
        return
    if event.type == "incident.notify_requested":
        _notify_requested(b, row, event, seq)
        return
    if event.type == "incident.dispatched":
        _timeline(b, seq, row, event, "dispatched", "dispatched", data.by, " ".join(data.team_ids))
        row["dispatched_at"] = _earliest(row["dispatched_at"], when)
        for team_id in data.team_ids:
            _send_team(b, row, team_id, event, data)
        _advance(b, row, "dispatched", when)
    elif event.type == "incident.update":
        author = update_author(source, data.author)
        _timeline(b, seq, row, event, "update", data.status, author, data.text, data.photos)
        if data.status == "on_scene":
            row["on_scene_at"] = _earliest(row["on_scene_at"], when)
        if data.status is not None:
            _advance(b, row, data.status, when)
    elif event.type == "incident.closed":
        _timeline(b, seq, row, event, "closed", "closed", data.by, data.summary)
        if row["closed_at"] is None or when < row["closed_at"]:
            row |= {"summary": data.summary, "casualties": data.casualties, "closed_by": data.by}
        row["closed_at"] = _earliest(row["closed_at"], when)
        _advance(b, row, "closed", when)
    b["incidents"].put(row)


def _reported(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    if b["incidents"].get(data.incident_id) is not None:
        return
    fields = ("kind", "channel", "lat", "lon", "address", "severity", "description")
    row = {name: getattr(data, name) for name in fields}
    district = b.nearest_district(data.lat, data.lon)
    when = event.occurred_at
    row |= {
        "id": data.incident_id,
        "district": district,
        "status": "reported",
        "reported_at": when,
        "dispatched_at": None,
        "en_route_at": None,
        "on_scene_at": None,
        "closed_at": None,
        "updated_at": when,
        "notified": None,
        "all_notified_at": None,
        "summary": None,
        "casualties": None,
        "closed_by": None,
    }
    b["incidents"].put(row)
    b.count(district, "incidents_open", 1)
    _timeline(b, seq, row, event, "reported", "reported", source, data.description)


def _advance(b: Batch, row: dict[str, Any], status: str, when: datetime) -> None:
    """Move the incident on to `status`; never back (a late report of an earlier step stays in
    the timeline only), and nothing reopens a closed incident."""
    was_open = is_open(row["status"])
    if _PROGRESS.get(status, 0) > _PROGRESS.get(row["status"], 0):
        row["status"] = status
    row["updated_at"] = max(row["updated_at"], when)
    now_open = is_open(row["status"])
    b.count(row["district"], "incidents_open", int(now_open) - int(was_open))


def _notification(b: Batch, row: dict[str, Any], event: Event, seq: int) -> None:
    data: Any = event.data
    outcome = data.outcome or "delivered"
    b.notifications.append(
        {
            "seq": seq,
            "incident_id": row["id"],
            "levels": list(data.levels),
            "recipients": list(data.recipients),
            "channel": data.channel,
            "outcome": outcome,
            "attempts": data.attempts,
            "error": data.error,
            "actor": None,
            "district": row["district"],
            "occurred_at": event.occurred_at,
            "request_id": data.request_id,
        }
    )
    text = f"{data.channel}: {', '.join(data.levels)}"
    _timeline(b, seq, row, event, "notified", outcome, data.channel, text)
    if outcome == "delivered":
        _notified(row, data.levels, event.occurred_at)
        b["incidents"].put(row)


def _notify_requested(b: Batch, row: dict[str, Any], event: Event, seq: int) -> None:
    """A request for the delivery worker's outbox (dashboard/notifier.py)."""
    data: Any = event.data
    b.requests.append(
        {
            "id": data.request_id,
            "incident_id": row["id"],
            "levels": list(data.levels),
            "requested_by": data.by,
            "requested_at": event.occurred_at,
            "seq": seq,
            "done_at": None,
            "claimed_by": None,
            "claimed_until": None,
        }
    )


def _notified(row: dict[str, Any], levels: list[str], when: datetime) -> None:
    """Keep each level's first notification time, whatever the order of arrival."""
    notified = dict(row["notified"] or {})
    for level in levels:
        first = notified.get(level)
        if first is None or when < datetime.fromisoformat(first):
            notified[level] = when.astimezone(UTC).isoformat()
    row["notified"] = notified
    if all(level in notified for level in NOTIFY_LEVELS):
        row["all_notified_at"] = max(datetime.fromisoformat(notified[k]) for k in NOTIFY_LEVELS)


def _timeline(
    b: Batch,
    seq: int,
    row: dict[str, Any],
    event: Event,
    kind: str,
    status: str | None,
    actor: str | None,
    text: str | None,
    photos: list[str] | None = None,
    team_id: str | None = None,
) -> None:
    b.timeline.append(
        {
            "seq": seq,
            "incident_id": row["id"],
            "kind": kind,
            "status": status,
            "actor": actor[:128] if actor else None,
            "team_id": team_id,
            "text": text,
            "photos": photos,
            "occurred_at": event.occurred_at,
        }
    )


# --- teams ----------------------------------------------------------------------------------


def _send_team(b: Batch, incident: dict[str, Any], team_id: str, event: Event, data: Any) -> None:
    when = event.occurred_at
    dispatches = b["incident_dispatches"]
    key = dispatch_key(incident["id"], team_id)
    dispatches.load(b.connection, [key])
    sent = dispatches.get(key)
    if sent is None or sent["released_at"] is not None:  # first time, or sent again
        dispatches.put(_dispatch_row(incident["id"], team_id, when, data.by, data.eta_minutes))
    state = _team_state(b, team_id)
    if when >= state["updated_at"]:
        _release_previous(b, state, incident["id"], when)
        state |= {"status": "dispatched", "incident_id": incident["id"], "updated_at": when}
        b["team_states"].put(state)


def _release_previous(b: Batch, state: dict[str, Any], incident_id: str, when: datetime) -> None:
    """A team sent to another incident has left the one it was on (another desk, or a field app
    that reassigned it, may not have said so)."""
    previous = state["incident_id"]
    if previous is None or previous == incident_id:
        return
    key = dispatch_key(previous, state["team_id"])
    b["incident_dispatches"].load(b.connection, [key])
    sent = b["incident_dispatches"].get(key)
    if sent is not None and sent["released_at"] is None:
        sent["released_at"] = when
        b["incident_dispatches"].put(sent)


def _dispatch_row(
    incident_id: str, team_id: str, when: datetime, by: str, eta_minutes: float | None
) -> dict[str, Any]:
    return {
        "id": dispatch_key(incident_id, team_id),
        "incident_id": incident_id,
        "team_id": team_id,
        "dispatched_at": when,
        "by": by[:64],
        "eta_minutes": None if eta_minutes is None else float(eta_minutes),
        "en_route_at": None,
        "on_scene_at": None,
        "released_at": None,
    }


def _team_state(b: Batch, team_id: str) -> dict[str, Any]:
    state = b["team_states"].get(team_id)
    if state is not None:
        return state
    team = b["teams"].get(team_id)
    assert team is not None  # checked before
    return {
        "team_id": team_id,
        "status": "available",
        "incident_id": None,
        "lat": team["lat"],
        "lon": team["lon"],
        "speed_kmh": None,
        "heading": None,
        "updated_at": datetime.min.replace(tzinfo=UTC),
    }


def apply_team(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    state = _team_state(b, data.team_id)
    if event.type == "team.status":
        # The job it reports on: the one named, else the one the team was on.
        incident_id = data.incident_id or state["incident_id"]
        if event.occurred_at >= state["updated_at"] and incident_id is not None:
            _release_previous(b, state, incident_id, event.occurred_at)
        _team_on_incident(b, event, seq, source, incident_id)
    if event.occurred_at < state["updated_at"]:
        return
    state["updated_at"] = event.occurred_at
    if event.type == "team.position":
        state |= {"lat": data.lat, "lon": data.lon}
        state |= {"speed_kmh": data.speed_kmh, "heading": data.heading}
    else:
        state["status"] = data.status
        if data.incident_id is not None or data.status in ("available", "off_duty"):
            state["incident_id"] = data.incident_id
    b["team_states"].put(state)


def _team_on_incident(
    b: Batch, event: Event, seq: int, source: str, incident_id: str | None
) -> None:
    """What a team's status says about its incident: the first team setting off or arriving
    moves the incident on; the team's own dispatch row keeps its times."""
    data: Any = event.data
    if incident_id is None:
        return
    b["incidents"].load(b.connection, [incident_id])
    incident = b["incidents"].get(incident_id)
    if incident is None:
        return
    when = event.occurred_at
    _timeline(b, seq, incident, event, "team", data.status, source, None, team_id=data.team_id)
    if data.status == "en_route":
        incident["en_route_at"] = _earliest(incident["en_route_at"], when)
        _advance(b, incident, "en_route", when)
    elif data.status == "on_scene":
        incident["on_scene_at"] = _earliest(incident["on_scene_at"], when)
        _advance(b, incident, "on_scene", when)
    dispatches = b["incident_dispatches"]
    key = dispatch_key(incident_id, data.team_id)
    dispatches.load(b.connection, [key])
    sent = dispatches.get(key)
    if sent is None and data.status == "dispatched" and data.incident_id is not None:
        # A field app reporting a dispatch the desk did not make (another desk's, or the
        # simulators' stand-in): the team is on the job all the same.
        incident["dispatched_at"] = _earliest(incident["dispatched_at"], when)
        _advance(b, incident, "dispatched", when)
        sent = _dispatch_row(incident_id, data.team_id, when, source, None)
    b["incidents"].put(incident)
    if sent is None:
        return
    column = {"en_route": "en_route_at", "on_scene": "on_scene_at"}.get(data.status)
    if column is not None:
        sent[column] = _earliest(sent[column], when)
    elif data.status in ("returning", "available", "off_duty") and sent["released_at"] is None:
        sent["released_at"] = when
    dispatches.put(sent)


PROJECTION = Projection(
    apply={
        "incident.reported": apply_incident,
        "incident.dispatched": apply_incident,
        "incident.notified": apply_incident,
        "incident.notify_requested": apply_incident,
        "incident.update": apply_incident,
        "incident.closed": apply_incident,
        "team.position": apply_team,
        "team.status": apply_team,
    },
    wants=wants,
    check=check,
    district=district,
)
