"""Projections: current state, findings, alarms and area counts follow the event log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from data_access.eventlog import Accepted, events_since, last_seq
from data_access.models import (
    Alarm,
    Complaint,
    Customer,
    CylinderState,
    Finding,
    Hazard,
    HazardStatusChange,
    Incident,
    InspectionRecord,
    Site,
    TeamState,
)
from tests.integration.test_eventlog import (
    accepted,
    append,
    area,
    at,
    count,
    ev,
    scan,
    seed_city,
)

WEST, EAST = "420102", "420106"


def one(engine: Engine, model: Any, *where: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(model).where(*where)).one()


def findings(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(Finding.kind, Finding.subject_id).order_by(Finding.id))
        return [tuple(row) for row in rows]


# --- registry -------------------------------------------------------------------------------


def test_registry_events_upsert_their_rows(engine: Engine) -> None:
    seed_city(engine)
    assert one(engine, Site, Site.id == "s2").district == EAST
    accepted(
        append(
            engine,
            ev("customer.registered", "c1-again", 5, customer_id="c1", kind="commercial",
               district=WEST, real_name_verified=False, lat=30.6, lon=114.3),
        )
    )  # fmt: skip
    customer = one(engine, Customer, Customer.id == "c1")
    assert (customer.kind, customer.district, customer.real_name_verified) == (
        "commercial",
        WEST,
        False,
    )
    assert count(engine, Customer) == 2


# --- cylinders ------------------------------------------------------------------------------


def test_a_scan_sets_the_cylinder_state(engine: Engine) -> None:
    seed_city(engine)
    [outcome] = append(engine, scan("a", "Y1", "filling", 1, site_id="s1", worker_id="w1"))
    state = one(engine, CylinderState, CylinderState.code == "Y1")
    assert isinstance(outcome, Accepted)
    assert (state.stage, state.site_id, state.district) == ("filling", "s1", WEST)
    assert (state.holder_type, state.holder_id) == ("worker", "w1")
    assert (state.is_black, state.detained, state.seq) == (False, False, outcome.seq)
    assert findings(engine) == []


def test_a_late_scan_is_logged_but_does_not_overwrite_newer_state(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("new", "Y1", "transport", 10)))
    [late] = append(engine, scan("old", "Y1", "filling", 5, site_id="s1"))
    assert isinstance(late, Accepted)
    state = one(engine, CylinderState, CylinderState.code == "Y1")
    assert (state.stage, state.site_id) == ("transport", None)
    assert [r["id"] for r in events_since(engine, last_seq(engine) - 2)] == ["new", "old"]


def test_a_late_scan_in_the_same_batch_does_not_overwrite_either(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("new", "Y1", "transport", 10), scan("old", "Y1", "filling", 5)))
    assert one(engine, CylinderState, CylinderState.code == "Y1").stage == "transport"


def test_an_unregistered_code_is_a_black_cylinder_found_once(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "NOPE-1", "filling", 1, site_id="s1"),
            scan("b", "NOPE-1", "transport", 2, site_id="s1"),
        )
    )
    assert findings(engine) == [("black_cylinder", "NOPE-1")]
    assert one(engine, CylinderState, CylinderState.code == "NOPE-1").is_black
    assert one(engine, Finding).enterprise_id == "e1"  # from the scanning site
    assert area(engine, WEST, "black_cylinders") == 1
    assert area(engine, WEST, "findings_open") == 1


def test_a_black_cylinder_moving_district_moves_its_count(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "NOPE-1", "storage", 1, site_id="s1")))
    accepted(append(engine, scan("b", "NOPE-1", "sale", 2, site_id="s2")))
    assert (area(engine, WEST, "black_cylinders"), area(engine, EAST, "black_cylinders")) == (0, 1)


def test_registering_a_black_cylinder_clears_its_black_count(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "LATE-REG", "storage", 1, site_id="s1")))
    registered = ev(
        "cylinder.registered", "r-late", 2, code="LATE-REG", enterprise_id="e1",
        capacity_kg=15.0, manufactured_on="2020-01-01", last_inspected_on="2026-01-01",
        next_inspection_due="2027-01-01", scrap_due="2032-01-01",
    )  # fmt: skip
    accepted(append(engine, registered, source="registry"))
    assert not one(engine, CylinderState, CylinderState.code == "LATE-REG").is_black
    assert area(engine, WEST, "black_cylinders") == 0


def test_filling_past_inspection_or_scrap_due_is_a_finding(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "Y1", "filling", 1, site_id="s1"),  # in date
            scan("b", "Y2", "filling", 1, site_id="s1"),  # inspection due 2026-01-01
            scan("c", "Y3", "filling", 1, site_id="s1"),  # scrap due 2026-06-01
        )
    )
    assert findings(engine) == [("overdue_filling", "Y2"), ("overdue_filling", "Y3")]
    with engine.connect() as connection:
        details = list(connection.scalars(select(Finding.detail).order_by(Finding.id)))
    assert "inspection" in details[0] and "scrap" in details[1]
    assert area(engine, WEST, "findings_open") == 2


def test_a_stage_out_of_order_is_a_finding(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "Y1", "filling", 1),
            scan("b", "Y1", "transport", 2),
            scan("c", "Y1", "transport", 3),  # a rescan is fine
            scan("d", "Y1", "use", 4),  # skips storage, sale and delivery
        )
    )
    assert findings(engine) == [("stage_out_of_order", "Y1")]


def test_recovery_may_go_back_to_inspection_or_filling_and_scrap_is_final(
    engine: Engine,
) -> None:
    seed_city(engine)
    stages = ["inspection", "filling", "transport", "storage", "sale", "delivery", "use"]
    events = [
        scan(f"a{n}", "Y1", stage, n, customer_id="c1" if stage in ("sale", "delivery") else None)
        for n, stage in enumerate([*stages, "recovery", "filling"])
    ]
    accepted(append(engine, *events))
    assert findings(engine) == []
    accepted(append(engine, scan("x1", "Y1", "scrap", 20), scan("x2", "Y1", "filling", 21)))
    assert findings(engine) == [("stage_out_of_order", "Y1")]


def test_a_delivery_needs_a_preceding_sale_to_a_real_name_customer(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a1", "Y1", "sale", 1, customer_id="c1"),  # c1 is real-name verified
            scan("a2", "Y1", "delivery", 2, customer_id="c1"),
            scan("b1", "Y2", "sale", 1, customer_id="c2"),  # c2 is not
            scan("b2", "Y2", "delivery", 2, customer_id="c2"),
            scan("c1", "Y3", "storage", 1, site_id="s2"),
        )
    )
    accepted(append(engine, scan("c2", "Y3", "delivery", 3, customer_id="c1")))
    kinds = findings(engine)
    assert ("delivery_without_sale", "Y1") not in kinds
    assert ("delivery_without_sale", "Y2") in kinds
    assert ("delivery_without_sale", "Y3") in kinds
    state = one(engine, CylinderState, CylinderState.code == "Y1")
    assert (state.stage, state.holder_type, state.holder_id, state.district) == (
        "delivery",
        "customer",
        "c1",
        EAST,
    )


def test_detention_and_release_set_the_detained_flag(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "Y1", "storage", 1, site_id="s1")))
    detained = ev("cylinder.detained", "d1", 2, code="Y1", reason="overdue", enterprise_id="e1",
                  recall_by="2026-12-01", by="sup")  # fmt: skip
    accepted(append(engine, detained, source="system"))
    assert one(engine, CylinderState, CylinderState.code == "Y1").detained
    released = ev("cylinder.released", "d2", 3, code="Y1", by="sup", note="inspected")
    accepted(append(engine, released, source="system"))
    assert not one(engine, CylinderState, CylinderState.code == "Y1").detained


# --- inspections and hazards ----------------------------------------------------------------


def test_an_inspection_is_recorded_with_its_outcome(engine: Engine) -> None:
    seed_city(engine)
    items = [{"item": "hose", "passed": True}, {"item": "valve", "passed": False}]
    accepted(
        append(
            engine,
            ev("inspection.completed", "i1", 1, inspection_id="in1", kind="daily",
               target_type="site", target_id="s1", district=WEST, inspector_id="w9",
               items=items, lat=30.6, lon=114.3),
        )
    )  # fmt: skip
    row = one(engine, InspectionRecord, InspectionRecord.id == "in1")
    assert (row.passed, row.district, row.target_id) == (False, WEST, "s1")


def hazard_reported(event_id: str = "h-rep", minutes: float = 1) -> Any:
    return ev(
        "hazard.reported", event_id, minutes, hazard_id="h1", target_type="site",
        target_id="s1", district=WEST, category="hose", level="general",
        description="old hose", lat=30.6, lon=114.3, due_at="2026-11-30T00:00:00+08:00",
    )  # fmt: skip


def hazard_status(event_id: str, minutes: float, status: str) -> Any:
    return ev("hazard.updated", event_id, minutes, hazard_id="h1", status=status, actor="w1")


def test_a_hazard_goes_through_its_lifecycle_with_history(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, hazard_reported()))
    assert area(engine, WEST, "hazards_open") == 1
    steps = ["assigned", "rectifying", "rectified", "verified", "closed"]
    accepted(append(engine, *[hazard_status(f"u{n}", 2 + n, s) for n, s in enumerate(steps)]))
    hazard = one(engine, Hazard, Hazard.id == "h1")
    assert hazard.status == "closed" and hazard.closed_at is not None
    assert area(engine, WEST, "hazards_open") == 0

    accepted(append(engine, hazard_status("re", 20, "reopened")))
    escalated = ev("hazard.escalated", "esc", 21, hazard_id="h1", level="district", by="sys",
                   note="overdue")  # fmt: skip
    accepted(append(engine, escalated, source="system"))
    hazard = one(engine, Hazard, Hazard.id == "h1")
    assert (hazard.status, hazard.closed_at, hazard.escalation) == ("reopened", None, "district")
    assert area(engine, WEST, "hazards_open") == 1
    with engine.connect() as connection:
        history = list(
            connection.scalars(select(HazardStatusChange.status).order_by(HazardStatusChange.seq))
        )
    assert history == ["reported", *steps, "reopened", "escalated"]


def test_a_late_hazard_update_is_history_but_not_the_current_status(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, hazard_reported(), hazard_status("u2", 10, "rectifying")))
    accepted(append(engine, hazard_status("u1", 5, "assigned")))
    assert one(engine, Hazard, Hazard.id == "h1").status == "rectifying"
    assert count(engine, HazardStatusChange) == 3


# --- incidents and teams --------------------------------------------------------------------


def test_an_incident_is_dispatched_reached_and_closed(engine: Engine) -> None:
    seed_city(engine)
    reported = ev("incident.reported", "i-rep", 0, incident_id="inc1", kind="leak",
                  channel="hotline_96511", lat=30.59, lon=114.31, address="1 Road",
                  severity=2, description="smell of gas")  # fmt: skip
    accepted(append(engine, reported, source="hotline"))
    assert area(engine, WEST, "incidents_open") == 1
    system = [
        ev("incident.dispatched", "i-dis", 2, incident_id="inc1", team_ids=["t1"], by="duty",
           eta_minutes=12.0),
    ]  # fmt: skip
    accepted(append(engine, *system, source="system"))
    accepted(
        append(
            engine,
            ev("team.status", "t-st", 3, team_id="t1", status="en_route", incident_id="inc1"),
            ev("team.position", "t-pos", 4, team_id="t1", lat=30.595, lon=114.305,
               speed_kmh=40.0),
            ev("team.status", "t-on", 14, team_id="t1", status="on_scene", incident_id="inc1"),
            ev("incident.update", "i-up", 15, incident_id="inc1", author="t1", text="found it",
               status="contained"),
        )
    )  # fmt: skip
    incident = one(engine, Incident, Incident.id == "inc1")
    assert incident.district == WEST
    assert (incident.dispatched_at, incident.on_scene_at) == (at(2), at(14))
    assert incident.status == "contained"
    team = one(engine, TeamState, TeamState.team_id == "t1")
    assert (team.status, team.incident_id, team.lat, team.speed_kmh) == (
        "on_scene",
        "inc1",
        30.595,
        40.0,
    )
    closed = ev("incident.closed", "i-cl", 30, incident_id="inc1", by="duty", summary="fixed")
    accepted(append(engine, closed, source="system"))
    incident = one(engine, Incident, Incident.id == "inc1")
    assert incident.status == "closed" and incident.closed_at is not None
    assert area(engine, WEST, "incidents_open") == 0


def test_a_late_team_position_does_not_move_the_team_back(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, ev("team.position", "p2", 10, team_id="t1", lat=30.7, lon=114.2)))
    accepted(append(engine, ev("team.position", "p1", 5, team_id="t1", lat=30.1, lon=114.1)))
    assert one(engine, TeamState, TeamState.team_id == "t1").lat == 30.7


# --- sensors and alarms ---------------------------------------------------------------------


def reading(event_id: str, minutes: float, value: float) -> Any:
    return ev("sensor.reading", event_id, minutes, sensor_id="p1", value=value)


def test_a_reading_outside_the_band_raises_then_clears_one_alarm(engine: Engine) -> None:
    seed_city(engine)
    start = last_seq(engine)
    outcomes = append(
        engine,
        reading("r1", 1, 150.0),
        reading("r2", 2, 210.0),  # 10 % of the band above: warning
        reading("r3", 3, 260.0),  # still outside: no second alarm
    )
    accepted(outcomes)
    raised_by = outcomes[1].seq  # type: ignore[union-attr]
    alarm = one(engine, Alarm)
    assert alarm.id == f"alarm-p1-{raised_by}"
    assert (alarm.status, alarm.level, alarm.value, alarm.district) == (
        "raised",
        "warning",
        210.0,
        EAST,
    )
    assert area(engine, EAST, "alarms_active") == 1

    accepted(append(engine, reading("r4", 4, 180.0), reading("r5", 5, 170.0)))
    alarm = one(engine, Alarm)
    assert alarm.status == "cleared" and alarm.cleared_at is not None
    assert area(engine, EAST, "alarms_active") == 0

    log = [(r["source"], r["id"], r["type"]) for r in events_since(engine, start)]
    assert log == [
        ("ent-0001", "r1", "sensor.reading"),
        ("ent-0001", "r2", "sensor.reading"),
        ("system", alarm.id, "alarm.raised"),
        ("ent-0001", "r3", "sensor.reading"),
        ("ent-0001", "r4", "sensor.reading"),
        ("system", f"{alarm.id}-cleared", "alarm.cleared"),
        ("ent-0001", "r5", "sensor.reading"),
    ]
    raised = events_since(engine, start)[2]
    assert raised["seq"] == raised_by + 1 and raised["district"] == EAST
    assert raised["data"]["level"] == "warning" and raised["data"]["sensor_id"] == "p1"


def test_a_reading_far_outside_the_band_raises_a_critical_alarm(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, reading("r1", 1, 50.0)))  # 50 below a band 100 wide
    assert (one(engine, Alarm).level, one(engine, Alarm).kind) == ("critical", "pressure_low")


def test_a_new_alarm_can_follow_a_cleared_one(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, reading("r1", 1, 250.0), reading("r2", 2, 150.0)))
    accepted(append(engine, reading("r3", 3, 250.0)))
    with engine.connect() as connection:
        statuses = sorted(connection.scalars(select(Alarm.status)))
    assert statuses == ["cleared", "raised"]
    assert area(engine, EAST, "alarms_active") == 1


# --- complaints and area counts -------------------------------------------------------------


def test_complaints_follow_their_status_and_the_open_count(engine: Engine) -> None:
    seed_city(engine)
    received = ev("complaint.received", "q1", 1, complaint_id="k1", channel="qr_check",
                  category="wrong_enterprise", district=EAST, text="label mismatch",
                  code="Y1")  # fmt: skip
    accepted(append(engine, received))
    assert area(engine, EAST, "complaints_open") == 1
    closed = ev("complaint.updated", "q2", 2, complaint_id="k1", status="closed", actor="w",
                satisfaction=4)  # fmt: skip
    accepted(append(engine, closed))
    row = one(engine, Complaint, Complaint.id == "k1")
    assert (row.status, row.satisfaction, row.code) == ("closed", 4, "Y1")
    assert row.closed_at is not None
    assert area(engine, EAST, "complaints_open") == 0


def test_area_counts_follow_a_mixed_batch(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            hazard_reported(),
            scan("a", "BLACK-1", "storage", 1, site_id="s2"),
            scan("b", "BLACK-2", "storage", 1, site_id="s2"),
            reading("r1", 1, 999.0),
            hazard_status("u1", 2, "closed"),
        )
    )
    assert area(engine, WEST, "hazards_open") == 0
    assert area(engine, EAST, "black_cylinders") == 2
    assert area(engine, EAST, "findings_open") == 2
    assert area(engine, EAST, "alarms_active") == 1
