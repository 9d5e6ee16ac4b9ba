"""Per-object not_permitted: a source bound to one enterprise acts only on that one's objects.

Through append_events on both databases, and once end to end through the gateway's websocket.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from dashboard.domain.events import Event, Rejection
from dashboard.gateway.ingest import IngestConfig
from dashboard.gateway.server import city_bounds
from data_access.eventlog import Accepted, Incoming, append_events, last_seq
from data_access.models import CylinderState
from tests.integration.test_eventlog import accepted, append, count, ev, scan, seed_city
from tests.integration.test_gateway import ThreadGateway, hello, logged, send_events
from tests.integration.test_projection_rules import PHOTOS
from tests.support import issue_token

BOUND = "ent-e1"  # the source of a token bound to enterprise e1
WEST, EAST = "420102", "420106"


def seed_two_enterprises(engine: Engine) -> None:
    """seed_city (enterprise e1) plus enterprise e2 with one object of every kind."""
    seed_city(engine)
    registry = [
        ev("enterprise.registered", "r-e2", enterprise_id="e2", name="LPG Two", kind="bottled",
           district=EAST),
        ev("site.registered", "r-s3", site_id="s3", enterprise_id="e2", kind="supply_point",
           name="Supply 3", district=EAST, lat=30.51, lon=114.41),
        ev("worker.registered", "r-w1", worker_id="w1", enterprise_id="e1", role="delivery",
           name="Li"),
        ev("worker.registered", "r-w2", worker_id="w2", enterprise_id="e2", role="delivery",
           name="Wang"),
        ev("customer.registered", "r-c3", customer_id="c3", kind="household", district=EAST,
           real_name_verified=True, lat=30.52, lon=114.41, enterprise_id="e2"),
        ev("cylinder.registered", "r-z1", code="Z1", enterprise_id="e2", capacity_kg=15.0,
           manufactured_on="2020-01-01", last_inspected_on="2026-01-01",
           next_inspection_due="2027-01-01", scrap_due="2032-01-01"),
        ev("pipeline.registered", "r-pl2", segment_id="pl2", enterprise_id="e2",
           pressure_class="low", material="PE", laid_year=2015,
           coords=[[30.50, 114.40], [30.50, 114.41]]),
        ev("sensor.registered", "r-p2", sensor_id="p2", kind="pressure", segment_id="pl2",
           lat=30.50, lon=114.405, low=100.0, high=200.0),
        ev("sensor.registered", "r-p3", sensor_id="p3", kind="methane", site_id="s3",
           lat=30.51, lon=114.41, high=10.0),
        ev("team.registered", "r-t2", team_id="t2", level="enterprise", owner_id="e2",
           district=EAST, members=4, capabilities=["cylinder"], lat=30.5, lon=114.4),
        ev("team.registered", "r-t3", team_id="t3", level="enterprise", owner_id="e1",
           district=WEST, members=4, capabilities=["cylinder"], lat=30.6, lon=114.3),
        ev("resource.registered", "r-r2", resource_id="r2", kind="vehicle", name="Truck",
           team_id="t2"),
        ev("hazard.reported", "r-h1", hazard_id="h1", target_type="site", target_id="s1",
           district=WEST, category="hose", level="general", description="old hose", lat=30.6,
           lon=114.3, due_at="2026-11-30T00:00:00+08:00"),
        ev("hazard.reported", "r-h2", hazard_id="h2", target_type="site", target_id="s3",
           district=EAST, category="hose", level="general", description="old hose", lat=30.51,
           lon=114.41, due_at="2026-11-30T00:00:00+08:00"),
        ev("incident.reported", "r-i1", incident_id="inc1", kind="leak", channel="patrol",
           lat=30.5, lon=114.4, address="2 Road", severity=2, description="smell"),
    ]  # fmt: skip
    accepted(append(engine, *registry, source="registry"))
    alarm = ev("alarm.raised", "a3", alarm_id="a3", sensor_id="p3", kind="methane_high",
               level="warning", value=12.0, lat=30.51, lon=114.41)  # fmt: skip
    accepted(append(engine, alarm, source="system"))


def bound(engine: Engine, *events: Event, enterprise: str = "e1") -> list[Any]:
    return append_events(
        engine, [Incoming(BOUND, event, enterprise=enterprise) for event in events]
    )


def inspection(event_id: str, target_id: str, inspector_id: str = "insp-7") -> Event:
    return ev("inspection.completed", event_id, 1, inspection_id=event_id, kind="daily",
              target_type="site", target_id=target_id, district=EAST, inspector_id=inspector_id,
              items=[{"item": "hose", "passed": True}], lat=30.51, lon=114.41)  # fmt: skip


def safety_check(event_id: str, code: str, worker_id: str) -> Event:
    return ev("delivery.safety_checked", event_id, 1, code=code, customer_id="c1",
              worker_id=worker_id, passed=True, photos=PHOTOS)  # fmt: skip


ANOTHERS = [
    (ev("enterprise.registered", "x", enterprise_id="e2", name="Mine now", kind="bottled",
        district=EAST), "data.enterprise_id", "'e2'"),
    (ev("site.registered", "x", site_id="s9", enterprise_id="e2", kind="storage", name="n",
        district=EAST, lat=30.5, lon=114.4), "data.enterprise_id", "'e2'"),
    (ev("site.registered", "x", site_id="s3", enterprise_id="e1", kind="storage", name="taken",
        district=EAST, lat=30.5, lon=114.4), "data.site_id", "enterprise 'e2'"),
    (ev("cylinder.registered", "x", code="Z1", enterprise_id="e1", capacity_kg=15.0,
        manufactured_on="2020-01-01", last_inspected_on="2026-01-01",
        next_inspection_due="2027-01-01", scrap_due="2032-01-01"), "data.code", "'e2'"),
    (ev("customer.registered", "x", customer_id="c3", kind="household", district=EAST,
        real_name_verified=True, lat=30.52, lon=114.41), "data.customer_id", "'e2'"),
    (ev("team.registered", "x", team_id="t9", level="enterprise", owner_id="e2",
        district=EAST, members=1, capabilities=[], lat=30.5, lon=114.4), "data.owner_id", "'e2'"),
    (ev("sensor.registered", "x", sensor_id="p9", kind="flow", segment_id="pl2", lat=30.5,
        lon=114.405), "data.segment_id", "'e2'"),
    (ev("resource.registered", "x", resource_id="r9", kind="expert", name="Dr Hu",
        team_id="t2"), "data.team_id", "'e2'"),
    (scan("x", "Z1", "filling", 1, site_id="s1"), "data.code", "cylinder 'Z1'"),
    (scan("x", "Y1", "storage", 1, site_id="s3"), "data.site_id", "site 's3'"),
    (scan("x", "Y1", "storage", 1, worker_id="w2"), "data.worker_id", "worker 'w2'"),
    (safety_check("x", "Z1", "w1"), "data.code", "'e2'"),
    (safety_check("x", "Y1", "w2"), "data.worker_id", "'e2'"),
    (ev("cylinder.detained", "x", code="Y1", reason="r", enterprise_id="e2",
        recall_by="2026-12-01", by="sup"), "data.enterprise_id", "'e2'"),
    (ev("cylinder.released", "x", code="Z1", by="sup", note="ok"), "data.code", "'e2'"),
    (inspection("x", "s3"), "data.target_id", "site 's3'"),
    (inspection("x", "s1", inspector_id="w2"), "data.inspector_id", "worker 'w2'"),
    (ev("hazard.reported", "x", hazard_id="h9", target_type="pipeline", target_id="pl2",
        district=EAST, category="c", level="major", description="d", lat=30.5, lon=114.4,
        due_at="2026-11-30T00:00:00+08:00"), "data.target_id", "pipeline segment 'pl2'"),
    (ev("hazard.updated", "x", hazard_id="h2", status="assigned", actor="w1"),
     "data.hazard_id", "hazard 'h2'"),
    (ev("sensor.reading", "x", sensor_id="p2", value=150.0), "data.sensor_id", "'e2'"),
    (ev("sensor.reading", "x", sensor_id="p3", value=1.0), "data.sensor_id", "'e2'"),
    (ev("alarm.acknowledged", "x", alarm_id="a3", by="duty"), "data.alarm_id", "'e2'"),
    (ev("team.position", "x", team_id="t2", lat=30.5, lon=114.4), "data.team_id", "'e2'"),
    (ev("team.status", "x", team_id="t1", status="available"), "data.team_id",
     "'gov' (a district team)"),
    (ev("incident.dispatched", "x", incident_id="inc1", team_ids=["t3", "t2"], by="duty",
        eta_minutes=9.0), "data.team_ids.1", "team 't2'"),
    (ev("violation.recorded", "x", violation_id="v1", subject_type="worker", subject_id="w2",
        rule="r", points=3), "data.subject_id", "worker 'w2'"),
]  # fmt: skip


def renumbered(cases: list[tuple[Event, str, str]]) -> list[Event]:
    """The cases' events with distinct ids x0, x1, ..., to send them in one batch."""
    return [event.model_copy(update={"id": f"x{n}"}) for n, (event, _, _) in enumerate(cases)]


def test_acting_on_another_enterprises_object_is_not_permitted(engine: Engine) -> None:
    seed_two_enterprises(engine)
    before = last_seq(engine)
    alone = [bound(engine, event)[0] for event, _, _ in ANOTHERS]
    together = bound(engine, *renumbered(ANOTHERS))  # one batch: one preload for all
    for n, (event, field, owner) in enumerate(ANOTHERS):
        for outcome, event_id in ((alone[n], "x"), (together[n], f"x{n}")):
            assert isinstance(outcome, Rejection), (event.type, outcome)
            assert (outcome.code, outcome.field, outcome.event_id) == (
                "not_permitted",
                field,
                event_id,
            ), event.type
            assert owner in outcome.message and "'e1'" in outcome.message, outcome.message
    assert last_seq(engine) == before


def test_an_unbound_source_may_act_on_any_enterprises_object(engine: Engine) -> None:
    seed_two_enterprises(engine)
    accepted(append_events(engine, [Incoming("city", event) for event in renumbered(ANOTHERS)]))


OWN_OR_OWNERLESS = [
    scan("ok1", "Y1", "storage", 1, site_id="s1", worker_id="w1"),
    scan("ok2", "BLACK-1", "storage", 1, site_id="s1"),  # unknown code: a black cylinder
    scan("ok3", "Y1", "storage", 1, site_id="s-unknown"),  # scans may name unknown sites
    safety_check("ok4", "BLACK-2", "w1"),
    ev("site.registered", "ok5", site_id="s9", enterprise_id="e1", kind="storage", name="n",
       district=WEST, lat=30.6, lon=114.3),
    ev("customer.registered", "ok6", customer_id="c9", kind="household", district=EAST,
       real_name_verified=False, lat=30.52, lon=114.42),
    ev("hazard.updated", "ok7", hazard_id="h1", status="assigned", actor="w1"),
    ev("team.position", "ok8", team_id="t3", lat=30.6, lon=114.3),
    ev("incident.update", "ok9", incident_id="inc1", author="w1", text="on our way"),
    inspection("ok10", "s1"),
]  # fmt: skip


def test_its_own_and_ownerless_objects_are_permitted(engine: Engine) -> None:
    seed_two_enterprises(engine)
    accepted(bound(engine, *OWN_OR_OWNERLESS))


def test_unknown_objects_stay_unknown_references(engine: Engine) -> None:
    seed_two_enterprises(engine)
    [outcome] = bound(engine, ev("sensor.reading", "r1", sensor_id="p-x", value=1.0))
    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.field) == ("unknown_reference", "data.sensor_id")


def test_a_batch_mixes_bound_and_unbound_sources_and_sees_its_own_changes(engine: Engine) -> None:
    seed_two_enterprises(engine)
    site = ev("site.registered", "s5", site_id="s5", enterprise_id="e2", kind="storage",
              name="new", district=EAST, lat=30.5, lon=114.4)  # fmt: skip
    outcomes = append_events(
        engine,
        [
            Incoming(BOUND, scan("a", "Y1", "filling", 1, site_id="s1"), enterprise="e1"),
            Incoming("registry", site),  # unbound: any enterprise's site
            Incoming(BOUND, scan("b", "Y1", "transport", 2, site_id="s5"), enterprise="e1"),
            Incoming("ent-e2", scan("b", "Y1", "transport", 2, site_id="s5"), enterprise="e2"),
        ],
    )
    assert isinstance(outcomes[0], Accepted) and isinstance(outcomes[1], Accepted)
    assert isinstance(outcomes[2], Rejection) and outcomes[2].field == "data.site_id"
    assert isinstance(outcomes[3], Rejection) and outcomes[3].field == "data.code"  # Y1 is e1's
    assert count(engine, CylinderState, CylinderState.site_id == "s5") == 0


# --- end to end through the gateway ---------------------------------------------------------


@pytest.fixture
def gateway(engine: Engine) -> Iterator[ThreadGateway]:
    seed_two_enterprises(engine)
    started = ThreadGateway(engine, IngestConfig(bounds=city_bounds("wuhan")))
    yield started
    started.close()


def test_the_gateway_rejects_another_enterprises_cylinder_as_not_permitted(
    engine: Engine, gateway: ThreadGateway
) -> None:
    token = issue_token(engine, BOUND, ["cylinder.scanned"], "e1's app", enterprise="e1")[1]
    ws, welcome = hello(gateway.url, token)
    assert welcome["source"] == BOUND
    events = [wire(scan("mine", "Y1", "storage", site_id="s1")), wire(scan("theirs", "Z1", "sale"))]
    ack = send_events(ws, "f1", events)
    ws.close()
    assert ack["accepted"] == ["mine"] and ack["duplicate"] == []
    [entry] = ack["rejected"]
    assert (entry["index"], entry["id"], entry["code"], entry["field"]) == (
        1,
        "theirs",
        "not_permitted",
        "data.code",
    )
    assert "'e2'" in entry["message"] and "'e1'" in entry["message"]
    assert logged(engine, BOUND) == 1  # only the permitted scan is in the log


def wire(event: Event) -> dict[str, Any]:
    recent = datetime.now(UTC) - timedelta(seconds=5)  # inside the gateway's time window
    return {**event.to_wire(), "occurred_at": recent.isoformat()}
