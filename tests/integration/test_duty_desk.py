"""The simulated duty desk (simulators/duty_desk.py) on a real database, both kinds: it waits a
human's while, sends the teams the incident page suggests through the dispatch command as its
own account, has the levels notified, closes what the crews resolved, lives with refusals and
leaves what the person at the desk did alone. Its clock is injected: no test sleeps."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from dashboard.demo import DESK_SIM, ensure_desk_user
from dashboard.domain.dispatch import NEEDS, rank_teams
from dashboard.domain.events import Event, IncidentReported, IncidentUpdate
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import EventRecord, Incident, IncidentDispatch, NotificationRequest, Team
from data_access.queries import incident_view
from data_access.queries.duty_desk import open_incidents
from simulators.duty_desk import DeskTiming, DutyDesk
from tests.support import IN_WUCHANG, desk_user

ROOT = Path(__file__).resolve().parents[2]
HUMAN = desk_user("duty")
TIMING = DeskTiming(poll_s=0.01, dispatch_after=(40.0, 150.0), close_after=(60.0, 180.0))


class Clock:
    """The desk's idea of now, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def report(engine: Engine, incident_id: str, at: datetime, severity: int = 3) -> None:
    """An incident as 96511 reports it (an ingest source, not a desk)."""
    data = IncidentReported(
        incident_id=incident_id,
        kind="leak",
        channel="hotline_96511",
        lat=IN_WUCHANG[0],
        lon=IN_WUCHANG[1],
        address="武昌区中山路 1 号",
        severity=severity,
        description="居民报告厨房燃气味浓",
    )
    event = Event.of(data, id=f"r-{incident_id}", occurred_at=at)
    assert isinstance(append_events(engine, [Incoming("hotline-96511", event)])[0], Accepted)


def resolve(engine: Engine, incident_id: str, at: datetime) -> None:
    """The first crew on scene radios "resolved" (the field app)."""
    data = IncidentUpdate(incident_id=incident_id, author="TEAM", text="已处置", status="resolved")
    event = Event.of(data, id=f"u-{incident_id}", occurred_at=at)
    assert isinstance(append_events(engine, [Incoming("field-app", event)])[0], Accepted)


def sent_teams(engine: Engine, incident_id: str) -> list[str]:
    query = select(IncidentDispatch.team_id).where(IncidentDispatch.incident_id == incident_id)
    with engine.connect() as connection:
        return sorted(connection.scalars(query))


def events_of(engine: Engine, actor: str) -> list[tuple[str, str]]:
    query = select(EventRecord.type, EventRecord.source).where(EventRecord.actor == actor)
    with engine.connect() as connection:
        return [
            (kind, source) for kind, source in connection.execute(query.order_by(EventRecord.seq))
        ]


def incident_row(engine: Engine, incident_id: str):
    table = Incident.__table__
    with engine.connect() as connection:
        return connection.execute(select(table).where(table.c.id == incident_id)).one()


def desk_on(engine: Engine, clock: Clock) -> DutyDesk:
    user = ensure_desk_user(engine)
    assert user is not None and user.username == DESK_SIM.username
    return DutyDesk(engine, user, timing=TIMING, seed=3, clock=clock)


def test_the_desk_waits_then_sends_the_suggested_teams_and_has_the_levels_told(city):
    reported = datetime.now(UTC) - timedelta(hours=1)
    report(city, "INC-desk-1", reported, severity=3)
    clock = Clock(reported + timedelta(seconds=39))
    desk = desk_on(city, clock)
    desk.step()
    assert sent_teams(city, "INC-desk-1") == []  # no officer answers within 40 s

    clock.now = reported + timedelta(seconds=151)
    [incident] = open_incidents(city, desk.user.scope)
    expected = [  # what the incident page ranks first: free, capable, nearest
        c.team.id
        for c in rank_teams(
            incident_view.team_positions(city, desk.user.scope),
            (incident.lat, incident.lon),
            "leak",
            clock.now.astimezone(desk.zone).hour,
        )
        if c.free
    ][:2]
    desk.step()
    assert sent_teams(city, "INC-desk-1") == sorted(expected)  # two teams for severity 3
    with city.connect() as connection:
        capabilities = connection.scalars(select(Team.capabilities).where(Team.id.in_(expected)))
        assert all(NEEDS["leak"] in caps for caps in capabilities)
        asked = connection.scalars(
            select(NotificationRequest.incident_id).where(
                NotificationRequest.incident_id == "INC-desk-1"
            )
        ).all()
    assert len(asked) == 1  # the four levels are notified: no more "尚未通知"
    assert events_of(city, DESK_SIM.username) == [
        ("incident.dispatched", "user:desk-sim"),
        ("incident.notify_requested", "user:desk-sim"),
    ]
    desk.step()  # a second look changes nothing
    assert len(events_of(city, DESK_SIM.username)) == 2


def test_the_desk_closes_a_resolved_incident_a_while_later_and_its_teams_head_back(city):
    reported = datetime.now(UTC) - timedelta(hours=1)
    report(city, "INC-desk-2", reported, severity=2)
    clock = Clock(reported + timedelta(seconds=151))
    desk = desk_on(city, clock)
    desk.step()
    [team] = sent_teams(city, "INC-desk-2")
    resolved = reported + timedelta(minutes=30)
    resolve(city, "INC-desk-2", resolved)
    clock.now = resolved + timedelta(seconds=59)
    desk.step()
    assert incident_row(city, "INC-desk-2").status == "resolved"  # not closed at once

    clock.now = resolved + timedelta(seconds=181)
    desk.step()
    row = incident_row(city, "INC-desk-2")
    assert (row.status, row.closed_by) == ("closed", DESK_SIM.username)
    assert "处置完毕" in row.summary
    [now_doing] = [s for s in incident_view.dispatched_teams(city, "INC-desk-2")]
    assert now_doing.team_id == team and now_doing.status == "returning"
    assert ("incident.closed", "user:desk-sim") in events_of(city, DESK_SIM.username)


def test_the_desk_leaves_what_the_person_at_the_desk_did_alone(city):
    reported = datetime.now(UTC) - timedelta(hours=1)
    report(city, "INC-desk-3", reported, severity=2)
    [mine] = [c.team.id for c in _free(city, "INC-desk-3")][:1]
    assert isinstance(commands.dispatch_teams(city, HUMAN, "INC-desk-3", [mine], 6.0), Done)
    desk = desk_on(city, Clock(reported + timedelta(minutes=10)))
    desk.step()
    assert sent_teams(city, "INC-desk-3") == [mine]  # no second wave from the desk
    assert events_of(city, DESK_SIM.username) == []  # nor a second notification


def test_a_refusal_does_not_stop_the_desk(city):
    reported = datetime.now(UTC) - timedelta(hours=1)
    clock = Clock(reported + timedelta(seconds=151))
    desk = desk_on(city, clock)
    for incident_id in ("INC-desk-4", "INC-desk-5"):
        report(city, incident_id, reported, severity=1)
    desk.step()
    for incident_id in ("INC-desk-4", "INC-desk-5"):
        resolve(city, incident_id, reported + timedelta(minutes=20))
    clock.now = reported + timedelta(minutes=30)
    seen = open_incidents(city, desk.user.scope)  # what the desk read ...
    closed = commands.close_incident(city, HUMAN, "INC-desk-4", "值班员已结案")
    assert isinstance(closed, Done)  # ... before the person at the desk closed one of them
    assert isinstance(commands.close_incident(city, HUMAN, "INC-desk-4", "x"), Refused)
    desk.attend(seen, clock.now)
    assert desk.counts["refused"] == 1
    assert incident_row(city, "INC-desk-4").closed_by == "duty"
    assert incident_row(city, "INC-desk-5").closed_by == DESK_SIM.username  # it moved on


def test_the_desk_runs_in_its_thread_until_stopped(city):
    reported = datetime.now(UTC) - timedelta(hours=1)
    report(city, "INC-desk-6", reported, severity=1)
    desk = desk_on(city, Clock(reported + timedelta(minutes=5)))
    desk.start()
    try:
        for _ in range(2000):
            if sent_teams(city, "INC-desk-6"):
                break
            desk._stopping.wait(0.01)
    finally:
        desk.stop()
    assert sent_teams(city, "INC-desk-6")
    assert desk._thread is not None and not desk._thread.is_alive()


def _free(engine: Engine, incident_id: str):
    row = incident_row(engine, incident_id)
    teams = incident_view.team_positions(engine, HUMAN.scope)
    return [c for c in rank_teams(teams, (row.lat, row.lon), row.kind, 12) if c.free]


def test_the_desk_writes_only_through_the_commands():
    """No append, no model, no SQL of its own: its only ways in are data_access.commands (to
    act) and data_access.queries (to read)."""
    tree = ast.parse((ROOT / "simulators" / "duty_desk.py").read_text())
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    touching = {m for m in modules if m and (m.startswith("data_access") or "sqlalchemy" in m)}
    assert touching <= {"data_access", "data_access.commands", "data_access.queries",
                        "data_access.queries.duty_desk", "sqlalchemy"}  # fmt: skip
    source = (ROOT / "simulators" / "duty_desk.py").read_text()
    assert "append" not in source and ".execute(" not in source
