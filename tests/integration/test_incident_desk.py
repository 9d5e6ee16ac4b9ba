"""The duty desk's incident actions through the single write path: open, dispatch (and the race
for a team), team statuses, updates, close; each an event with its actor, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from dashboard.domain.events import (
    Event,
    IncidentDispatched,
    IncidentReported,
    TeamStatus,
)
from dashboard.domain.incident_form import IncidentDraft
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import (
    EventRecord,
    Incident,
    IncidentDispatch,
    IncidentTimelineEntry,
    Team,
    TeamState,
)
from tests.support import desk_user

DUTY = desk_user()
DRAFT = IncidentDraft(
    kind="leak",
    severity=3,
    channel="hotline_96511",
    lat=30.55,
    lon=114.31,
    address="武昌区中山路 1 号",
    description="居民报告厨房燃气味浓",
)


def open_incident(engine: Engine, user: str = "duty") -> str:
    result = commands.report_incident(engine, desk_user(user), DRAFT)
    assert isinstance(result, Done), result
    return result.subject


def free_teams(engine: Engine, count: int) -> list[str]:
    with engine.connect() as connection:
        busy = set(connection.scalars(select(TeamState.team_id)))
        teams = connection.scalars(select(Team.id).order_by(Team.id)).all()
    return [team for team in teams if team not in busy][:count]


def incident(engine: Engine, incident_id: str):
    table = Incident.__table__
    with engine.connect() as connection:
        return connection.execute(select(table).where(table.c.id == incident_id)).one()


def team_state(engine: Engine, team_id: str):
    table = TeamState.__table__
    with engine.connect() as connection:
        return connection.execute(select(table).where(table.c.team_id == team_id)).one()


def test_an_incident_opened_at_the_desk_is_logged_with_its_officer(city):
    incident_id = open_incident(city, "zhang")
    row = incident(city, incident_id)
    assert (row.status, row.kind, row.channel, row.district) == (
        "reported",
        "leak",
        "hotline_96511",
        "420106",
    )
    with city.connect() as connection:
        logged = connection.execute(
            select(EventRecord.source, EventRecord.actor).where(
                EventRecord.type == "incident.reported"
            )
        ).one()
    assert logged == ("user:zhang", "zhang")


def test_dispatching_marks_the_teams_dispatched_and_the_incident_too(city):
    incident_id = open_incident(city)
    team_a, team_b = free_teams(city, 2)
    outcome = commands.dispatch_teams(city, DUTY, incident_id, [team_a, team_b], 7.5)
    assert isinstance(outcome, Done), outcome
    assert incident(city, incident_id).status == "dispatched"
    for team in (team_a, team_b):
        state = team_state(city, team)
        assert (state.status, state.incident_id) == ("dispatched", incident_id)
    with city.connect() as connection:
        rows = connection.execute(
            select(IncidentDispatch.team_id, IncidentDispatch.by, IncidentDispatch.eta_minutes)
            .where(IncidentDispatch.incident_id == incident_id)
            .order_by(IncidentDispatch.team_id)
        ).all()
    assert [tuple(r) for r in rows] == [(team_a, "duty", 7.5), (team_b, "duty", 7.5)]


def test_a_team_already_on_a_job_cannot_be_dispatched_again(city):
    first, second = open_incident(city), open_incident(city)
    [team] = free_teams(city, 1)
    assert isinstance(commands.dispatch_teams(city, DUTY, first, [team], 5), Done)
    refused = commands.dispatch_teams(city, desk_user("li"), second, [team], 5)
    assert isinstance(refused, Refused)
    assert refused.code == "not_permitted"
    assert refused.field == "data.team_ids.0"
    assert first in refused.message and team in refused.message
    assert incident(city, second).status == "reported"  # nothing of the refused dispatch stays


def test_two_officers_dispatching_the_same_team_at_once_get_one_success_and_one_refusal(city):
    incidents = [open_incident(city) for _ in range(2)]
    [team] = free_teams(city, 1)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def dispatch(officer: str, incident_id: str) -> None:
        start.wait()
        outcomes[officer] = commands.dispatch_teams(
            city, desk_user(officer), incident_id, [team], 6
        )

    threads = [
        threading.Thread(target=dispatch, args=(officer, incident_id))
        for officer, incident_id in zip(("wang", "zhao"), incidents, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    accepted = [o for o in outcomes.values() if isinstance(o, Done)]
    refused = [o for o in outcomes.values() if isinstance(o, Refused)]
    assert len(accepted) == 1 and len(refused) == 1, outcomes
    assert "already dispatched" in refused[0].message
    state = team_state(city, team)
    assert state.status == "dispatched" and state.incident_id in incidents
    with city.connect() as connection:
        dispatches = connection.scalars(
            select(IncidentDispatch.incident_id).where(IncidentDispatch.team_id == team)
        ).all()
    assert dispatches == [state.incident_id]


def test_an_outside_desk_may_record_a_dispatch_of_a_busy_team(city):
    """Dispatch records from outside systems are facts from their own desks: recorded as sent."""
    first, second = open_incident(city), open_incident(city)
    [team] = free_teams(city, 1)
    commands.dispatch_teams(city, DUTY, first, [team], 5)
    data = IncidentDispatched(
        incident_id=second, team_ids=[team], by="district-desk", eta_minutes=9
    )
    event = Event.of(data, id="outside-dispatch-1", occurred_at=datetime.now(UTC))
    [outcome] = append_events(city, [Incoming("district-desk", event)])
    assert isinstance(outcome, Accepted)
    assert team_state(city, team).incident_id == second


def test_team_statuses_move_the_incident_along_and_keep_each_teams_times(city):
    incident_id = open_incident(city)
    [team] = free_teams(city, 1)
    commands.dispatch_teams(city, DUTY, incident_id, [team], 5)
    commands.report_team_status(city, DUTY, incident_id, team, "en_route")
    assert incident(city, incident_id).status == "en_route"
    commands.report_team_status(city, DUTY, incident_id, team, "on_scene")
    row = incident(city, incident_id)
    assert row.status == "on_scene" and row.on_scene_at is not None and row.en_route_at
    commands.post_incident_update(city, DUTY, incident_id, "阀门已关闭", status="contained")
    assert incident(city, incident_id).status == "contained"
    # a late on_scene report does not move a contained incident back
    commands.post_incident_update(city, DUTY, incident_id, "补报到场", status="on_scene")
    assert incident(city, incident_id).status == "contained"
    with city.connect() as connection:
        table = IncidentDispatch.__table__
        sent = connection.execute(select(table).where(table.c.team_id == team)).one()
        kinds = connection.scalars(
            select(IncidentTimelineEntry.kind)
            .where(IncidentTimelineEntry.incident_id == incident_id)
            .order_by(IncidentTimelineEntry.seq)
        ).all()
    assert sent.en_route_at is not None and sent.on_scene_at is not None
    assert kinds == ["reported", "dispatched", "team", "team", "update", "update"]


def test_closing_needs_a_summary_and_sends_the_teams_back(city):
    incident_id = open_incident(city)
    [team] = free_teams(city, 1)
    commands.dispatch_teams(city, DUTY, incident_id, [team], 5)
    refused = commands.close_incident(city, DUTY, incident_id, "   ")
    assert isinstance(refused, Refused) and refused.field == "summary"
    assert incident(city, incident_id).status == "dispatched"
    outcome = commands.close_incident(city, DUTY, incident_id, "漏点已修复，恢复供气", 0)
    assert isinstance(outcome, Done), outcome
    row = incident(city, incident_id)
    assert (row.status, row.summary, row.casualties, row.closed_by) == (
        "closed",
        "漏点已修复，恢复供气",
        0,
        "duty",
    )
    assert team_state(city, team).status == "returning"
    again = commands.close_incident(city, DUTY, incident_id, "again")
    assert isinstance(again, Refused) and again.code == "not_permitted"
    late = commands.dispatch_teams(city, DUTY, incident_id, free_teams(city, 1), 5)
    assert isinstance(late, Refused) and "closed" in late.message


def test_a_field_app_dispatch_report_counts_as_the_team_sent(city):
    """The simulators' stand-in desk (and other desks) report team.status dispatched only."""
    incident_id = "inc-field-1"
    reported = IncidentReported(
        incident_id=incident_id,
        kind="odor",
        channel="patrol",
        lat=30.55,
        lon=114.31,
        address="x",
        severity=2,
        description="odour",
    )
    [team] = free_teams(city, 1)
    now = datetime.now(UTC)
    events = [
        Incoming("patrol", Event.of(reported, id="r1", occurred_at=now)),
        Incoming(
            "field-app",
            Event.of(
                TeamStatus(team_id=team, status="dispatched", incident_id=incident_id),
                id="s1",
                occurred_at=now,
            ),
        ),
    ]
    assert all(isinstance(o, Accepted) for o in append_events(city, events))
    row = incident(city, incident_id)
    assert row.status == "dispatched" and row.dispatched_at is not None
    with city.connect() as connection:
        by = connection.scalar(
            select(IncidentDispatch.by).where(IncidentDispatch.incident_id == incident_id)
        )
    assert by == "field-app"


def test_an_alarm_escalated_by_the_desk_becomes_a_sensor_incident(city):
    from dashboard.domain.events import SensorReading
    from data_access.models import Alarm, Sensor

    with city.connect() as connection:
        sensor = connection.execute(
            select(Sensor.id, Sensor.high).where(Sensor.high.is_not(None))
        ).first()
    reading = Event.of(
        SensorReading(sensor_id=sensor.id, value=sensor.high * 3),
        id="reading-esc",
        occurred_at=datetime.now(UTC),
    )
    append_events(city, [Incoming("scada", reading)])
    with city.connect() as connection:
        alarm_id = connection.scalar(select(Alarm.id).where(Alarm.sensor_id == sensor.id))
    outcome = commands.escalate_alarm(city, DUTY, alarm_id)
    assert isinstance(outcome, Done)
    row = incident(city, outcome.subject)
    assert row.channel == "sensor" and alarm_id in row.description
    refused = commands.escalate_alarm(city, DUTY, "no-such-alarm")
    assert isinstance(refused, Refused) and refused.code == "unknown_reference"


@pytest.mark.parametrize("bad", ["", "   "])
def test_an_empty_desk_update_is_refused(city, bad):
    incident_id = open_incident(city)
    refused = commands.post_incident_update(city, DUTY, incident_id, bad)
    assert isinstance(refused, Refused) and refused.field == "text"


def test_a_team_sent_elsewhere_leaves_the_incident_it_was_on(city):
    first, second = open_incident(city), open_incident(city)
    [team] = free_teams(city, 1)
    commands.dispatch_teams(city, DUTY, first, [team], 5)
    commands.report_team_status(city, DUTY, first, team, "on_scene")
    # another desk's field app moves the team on without a word about the first job
    moved_on = TeamStatus(team_id=team, status="dispatched", incident_id=second)
    event = Event.of(moved_on, id="field-app-moved-on", occurred_at=datetime.now(UTC))
    [outcome] = append_events(city, [Incoming("field-app", event)])
    assert isinstance(outcome, Accepted)
    table = IncidentDispatch.__table__
    with city.connect() as connection:
        rows = dict(
            connection.execute(
                select(table.c.incident_id, table.c.released_at).where(table.c.team_id == team)
            ).all()
        )
    assert rows[first] is not None and rows[second] is None
