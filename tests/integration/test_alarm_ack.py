"""Acknowledging an alarm from the One Map: one system event in the log, with its actor."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dashboard.domain.events import Event, SensorReading
from data_access.eventlog import Incoming, append_events
from data_access.models import Alarm, EventRecord, Incident, Sensor
from tests.conftest import sign_in


@pytest.fixture
def alarm_id(demo_app) -> str:
    """A real alarm: a Jiang'an sensor reads far above its band."""
    engine = demo_app.server.config["GASCC_ENGINE"]
    with engine.connect() as connection:
        sensor = connection.execute(
            select(Sensor.id, Sensor.high).where(
                Sensor.high.is_not(None), Sensor.district == "420102"
            )
        ).first()
    reading = Event.of(
        SensorReading(sensor_id=sensor.id, value=sensor.high * 3),
        id="reading-1",
        occurred_at=datetime.now(UTC),
    )
    append_events(engine, [Incoming("scada", reading)])
    with engine.connect() as connection:
        return connection.scalar(select(Alarm.id).where(Alarm.sensor_id == sensor.id))


def press_acknowledge(client, alarm: str) -> str:
    button = {"type": "alarm-ack", "alarm": alarm}
    key = json.dumps(button, separators=(",", ":"), sort_keys=True)
    body = {
        "output": "one-map-alarm-feedback.children",
        "outputs": {"id": "one-map-alarm-feedback", "property": "children"},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [f"{key}.n_clicks"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]["one-map-alarm-feedback"]["children"]


def alarm_state(demo_app, alarm: str) -> tuple[str, str | None]:
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        row = connection.execute(
            select(Alarm.status, Alarm.acknowledged_by).where(Alarm.id == alarm)
        ).one()
    return row.status, row.acknowledged_by


def test_a_duty_officer_acknowledges_an_alarm_through_the_event_log(client, demo_app, alarm_id):
    sign_in(client, "duty")
    assert "已确认报警" in press_acknowledge(client, alarm_id)
    assert alarm_state(demo_app, alarm_id) == ("acknowledged", "duty")
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        event = connection.execute(
            select(EventRecord.actor, EventRecord.source, EventRecord.data).where(
                EventRecord.type == "alarm.acknowledged"
            )
        ).one()
    assert (event.actor, event.source, event.data["alarm_id"]) == ("duty", "user:duty", alarm_id)


def test_the_alarm_list_names_the_person_who_acknowledged(client, demo_app, alarm_id):
    from dashboard.domain.roles import Scope
    from data_access.queries.one_map import active_alarms

    sign_in(client, "duty")
    press_acknowledge(client, alarm_id)
    engine = demo_app.server.config["GASCC_ENGINE"]
    [alarm] = [a for a in active_alarms(engine, Scope()) if a.id == alarm_id]
    assert alarm.acknowledged_by == "值班员 王敏"  # the person, not the login `duty`


@pytest.mark.parametrize("username", ["screen", "leader", "enterprise"])
def test_read_only_roles_cannot_acknowledge(client, demo_app, alarm_id, username) -> None:
    sign_in(client, username)
    assert press_acknowledge(client, alarm_id) == "您的角色不能确认报警。"
    assert alarm_state(demo_app, alarm_id) == ("raised", None)


def test_the_district_officer_of_the_alarms_district_may_acknowledge(client, demo_app, alarm_id):
    sign_in(client, "jiangan")
    press_acknowledge(client, alarm_id)
    assert alarm_state(demo_app, alarm_id) == ("acknowledged", "jiangan")


def press_escalate(client, alarm: str) -> str:
    button = {"type": "alarm-escalate", "alarm": alarm}
    key = json.dumps(button, separators=(",", ":"), sort_keys=True)
    [registered] = [
        c
        for c in client.get("/_dash-dependencies").get_json()
        if '"type":"alarm-escalate"' in c["inputs"][0]["id"]
    ]
    output_id, output_property = registered["output"].rsplit(".", 1)
    body = {
        "output": registered["output"],
        "outputs": {"id": output_id, "property": output_property},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [f"{key}.n_clicks"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


def sensor_incidents(demo_app) -> list[tuple[str, str, int]]:
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        rows = connection.execute(
            select(Incident.id, Incident.kind, Incident.severity).where(
                Incident.channel == "sensor"
            )
        )
        return [tuple(row) for row in rows]


def test_a_duty_officer_escalates_an_alarm_into_an_incident(client, demo_app, alarm_id):
    sign_in(client, "duty")
    answer = press_escalate(client, alarm_id)
    [(incident_id, kind, severity)] = sensor_incidents(demo_app)
    assert f"/incident/{incident_id}" in answer
    assert kind in ("leak", "pipeline_damage") and severity in (2, 3)


@pytest.mark.parametrize("username", ["leader", "supervisor"])
def test_roles_that_do_not_dispatch_cannot_escalate(client, demo_app, alarm_id, username):
    sign_in(client, username)
    assert "无权" in press_escalate(client, alarm_id)
    assert sensor_incidents(demo_app) == []
