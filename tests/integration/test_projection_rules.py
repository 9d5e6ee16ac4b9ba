"""Projections of safety checks, excavations, violations and notifications; hazards from failed
inspection items; findings resolved by later events. Through append_events, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select

from dashboard.domain.events import Event, Rejection
from dashboard.domain.hazards import RECTIFICATION_PERIOD, rule_hazard_id
from data_access import registry
from data_access.db import make_engine
from data_access.eventlog import Accepted, Duplicate, events_since, last_seq
from data_access.migrate import upgrade
from data_access.models import (
    Excavation,
    Finding,
    Hazard,
    HazardStatusChange,
    Incident,
    InspectionRecord,
    PipelineSegment,
    SafetyCheck,
    Violation,
    ViolationPoints,
)
from tests.integration.test_eventlog import accepted, append, area, at, count, ev, scan, seed_city
from tests.integration.test_projections import one

WEST, EAST = "420102", "420106"
PHOTOS = {
    "storefront": "sha256:aa",
    "cylinder_hose": "sha256:bb",
    "stove_hose": "sha256:cc",
    "surroundings": "https://photos.example/dd.jpg",
}


def rejected(outcome: Any) -> tuple[str, str]:
    assert isinstance(outcome, Rejection), outcome
    return outcome.code, outcome.field


def open_findings(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        query = (
            select(Finding.kind, Finding.subject_id)
            .where(Finding.resolved.is_(False))
            .order_by(Finding.id)
        )
        return [tuple(row) for row in connection.execute(query)]


def finding(engine: Engine, kind: str, subject: str) -> Any:
    return one(engine, Finding, Finding.kind == kind, Finding.subject_id == subject)


def worker(event_id: str, worker_id: str, enterprise_id: str = "e1") -> Event:
    return ev("worker.registered", event_id, worker_id=worker_id, enterprise_id=enterprise_id,
              role="delivery", name="Li")  # fmt: skip


def registered_cylinder(event_id: str, code: str, minutes: float, **dates: str) -> Event:
    fields = {
        "manufactured_on": "2020-01-01",
        "last_inspected_on": "2026-01-01",
        "next_inspection_due": "2027-01-01",
        "scrap_due": "2032-01-01",
        **dates,
    }
    return ev("cylinder.registered", event_id, minutes, code=code, enterprise_id="e1",
              capacity_kg=15.0, **fields)  # fmt: skip


# --- delivery safety checks -----------------------------------------------------------------


def safety_check(event_id: str, code: str = "Y1", minutes: float = 1, **data: Any) -> Event:
    body = {"customer_id": "c1", "worker_id": "w1", "passed": True, "photos": PHOTOS, **data}
    return ev("delivery.safety_checked", event_id, minutes, code=code, **body)


def test_a_safety_check_is_a_row_with_the_customers_district_and_cylinders_enterprise(
    engine: Engine,
) -> None:
    seed_city(engine)
    accepted(append(engine, worker("r-w1", "w1")))
    [outcome] = append(engine, safety_check("sc1", findings=["hose older than 2 years"]))
    assert isinstance(outcome, Accepted)
    row = one(engine, SafetyCheck)
    assert (row.seq, row.code, row.customer_id, row.worker_id) == (outcome.seq, "Y1", "c1", "w1")
    assert (row.passed, row.photos_complete, row.district, row.enterprise_id) == (
        True,
        True,
        EAST,
        "e1",
    )
    assert row.occurred_at == at(1)
    assert events_since(engine, outcome.seq - 1)[0]["district"] == EAST


def test_a_black_cylinders_safety_check_is_recorded_for_the_workers_enterprise(
    engine: Engine,
) -> None:
    seed_city(engine)
    accepted(append(engine, worker("r-w1", "w1")))
    accepted(append(engine, safety_check("sc1", code="BLACK-9", passed=False)))
    row = one(engine, SafetyCheck)
    assert (row.code, row.passed, row.enterprise_id) == ("BLACK-9", False, "e1")


@pytest.mark.parametrize(
    ("data", "field"),
    [({"customer_id": "c-x"}, "data.customer_id"), ({"worker_id": "w-x"}, "data.worker_id")],
)
def test_a_safety_check_needs_a_registered_customer_and_worker(
    engine: Engine, data: dict[str, str], field: str
) -> None:
    seed_city(engine)
    accepted(append(engine, worker("r-w1", "w1")))
    before = last_seq(engine)
    [outcome] = append(engine, safety_check("sc1", **data))
    assert rejected(outcome) == ("unknown_reference", field)
    assert last_seq(engine) == before and count(engine, SafetyCheck) == 0


# --- excavations ----------------------------------------------------------------------------

# A segment running east along 30.55 N; 0.0005 degrees of latitude are about 56 m.
SEGMENT = [[30.55, 114.35], [30.55, 114.36]]


def pipeline(event_id: str = "r-pl1", segment_id: str = "pl1", coords: Any = None) -> Event:
    return ev("pipeline.registered", event_id, segment_id=segment_id, enterprise_id="e1",
              pressure_class="medium", material="PE", laid_year=2010,
              coords=coords or SEGMENT)  # fmt: skip


def dig(
    event_id: str, minutes: float, *, signed: bool, lat: float = 30.5505, radius: float = 20.0
) -> Event:
    return ev("excavation.registered", event_id, minutes, permit_id="dig1", contractor="Acme Works",
              district=WEST, lat=lat, lon=114.355, radius_m=radius, starts_on="2026-11-24",
              ends_on="2026-12-05", agreement_signed=signed)  # fmt: skip


def test_an_unsigned_dig_near_a_pipeline_is_a_finding_for_its_owner(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, pipeline()))
    assert one(engine, PipelineSegment).min_lat == 30.55  # the box the range query uses
    [outcome] = append(engine, dig("x1", 1, signed=False))
    row = one(engine, Excavation)
    assert (row.id, row.agreement_signed, row.radius_m) == ("dig1", False, 20.0)
    assert row.seq == outcome.seq  # type: ignore[union-attr]
    found = finding(engine, "excavation_without_agreement", "dig1")
    assert (found.district, found.enterprise_id, found.resolved) == (WEST, "e1", False)
    assert "pl1" in found.detail and "56 m" in found.detail
    assert area(engine, WEST, "findings_open") == 1


@pytest.mark.parametrize(
    ("signed", "lat", "radius"),
    [(True, 30.5505, 20.0), (False, 30.56, 20.0), (False, 30.5505, 1.0)],
    ids=["signed", "far-away", "small-radius-outside-the-margin"],
)
def test_a_signed_or_distant_dig_is_no_finding(
    engine: Engine, signed: bool, lat: float, radius: float
) -> None:
    seed_city(engine)
    accepted(append(engine, pipeline()))
    accepted(append(engine, dig("x1", 1, signed=signed, lat=lat, radius=radius)))
    assert open_findings(engine) == []


def test_signing_the_agreement_later_resolves_the_finding(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, pipeline(), dig("x1", 1, signed=False)))  # pipeline in the same batch
    accepted(append(engine, dig("x2", 2, signed=False)))  # still unsigned: no second finding
    assert count(engine, Finding) == 1
    [signed] = append(engine, dig("x3", 3, signed=True))
    found = finding(engine, "excavation_without_agreement", "dig1")
    assert (found.resolved, found.resolved_seq, found.resolved_at) == (True, signed.seq, at(3))  # type: ignore[union-attr]
    assert found.resolution == "agreement signed"
    assert area(engine, WEST, "findings_open") == 0
    assert one(engine, Excavation).agreement_signed


def test_a_late_re_registration_does_not_overwrite_newer_state(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, pipeline(), dig("x2", 10, signed=False)))
    accepted(append(engine, dig("x1", 5, signed=True)))
    row = one(engine, Excavation)
    assert (row.agreement_signed, row.occurred_at) == (False, at(10))
    assert open_findings(engine) == [("excavation_without_agreement", "dig1")]


def test_segments_written_by_the_seeder_have_their_box_too(engine: Engine) -> None:
    seed_city(engine)
    segment = {"id": "pl9", "enterprise_id": "e1", "pressure_class": "low", "material": "PE",
               "laid_year": 2001, "district": WEST, "length_m": 960.0,
               "coords": SEGMENT}  # fmt: skip
    registry.insert_rows(engine, "pipeline_segments", [segment])
    assert one(engine, PipelineSegment).max_lon == 114.36
    accepted(append(engine, dig("x1", 1, signed=False)))
    assert open_findings(engine) == [("excavation_without_agreement", "dig1")]


def test_the_migration_gives_stored_segments_their_box(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")  # the schema before the boxes
        before = MetaData()
        with engine.begin() as connection:
            before.reflect(connection, only=["districts", "enterprises", "pipeline_segments"])
            tables = before.tables
            connection.execute(tables["districts"].insert(), [{"code": WEST, "name_zh": "a",
                "name_en": "a", "population": 1, "area_km2": 1.0, "centroid_lat": 30.6,
                "centroid_lon": 114.3, "geometry": {}}])  # fmt: skip
            connection.execute(tables["enterprises"].insert(), [{"id": "e1", "name": "One",
                "kind": "pipeline", "district": WEST}])  # fmt: skip
            connection.execute(tables["pipeline_segments"].insert(), [{"id": "pl1",
                "enterprise_id": "e1", "pressure_class": "low", "material": "PE",
                "laid_year": 2000, "district": WEST, "length_m": 1500.0,
                "coords": [[30.56, 114.35], [30.55, 114.36]]}])  # fmt: skip
        upgrade(engine)
        segment = one(engine, PipelineSegment)
        box = (segment.min_lat, segment.min_lon, segment.max_lat, segment.max_lon)
        assert box == (30.55, 114.35, 30.56, 114.36)
    finally:
        engine.dispose()


def test_a_dig_in_an_unknown_district_is_an_unknown_reference(engine: Engine) -> None:
    seed_city(engine)
    event = ev("excavation.registered", "x1", permit_id="d", contractor="c", district="999999",
               lat=30.5, lon=114.3, radius_m=5.0, starts_on="2026-11-24", ends_on="2026-11-25",
               agreement_signed=True)  # fmt: skip
    [outcome] = append(engine, event)
    assert rejected(outcome) == ("unknown_reference", "data.district")


# --- violations -----------------------------------------------------------------------------


def violation(
    event_id: str, points: int, *, subject: tuple[str, str] = ("worker", "w1"), when: Any = 1
) -> Event:
    subject_type, subject_id = subject
    occurred = when if isinstance(when, datetime) else at(when)
    model = ev("violation.recorded", "tmp", violation_id=event_id, subject_type=subject_type,
               subject_id=subject_id, rule="delivery without safety check",
               points=points).data  # fmt: skip
    return Event.of(model, id=event_id, occurred_at=occurred)


def points(engine: Engine, subject_type: str, subject_id: str, year: int) -> Any:
    return one(
        engine,
        ViolationPoints,
        ViolationPoints.subject_type == subject_type,
        ViolationPoints.subject_id == subject_id,
        ViolationPoints.year == year,
    )


def test_points_add_up_per_year_and_twelve_suspends(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, worker("r-w1", "w1")))
    accepted(append(engine, violation("v1", 6), violation("v2", 3, when=2)))
    total = points(engine, "worker", "w1", 2026)
    assert (total.points, total.violations, total.suspended) == (9, 2, False)
    assert (total.district, total.enterprise_id) == (WEST, "e1")  # a worker's: its enterprise's
    [third] = append(engine, violation("v3", 3, when=3))
    assert events_since(engine, third.seq - 1)[0]["district"] == WEST  # type: ignore[union-attr]
    total = points(engine, "worker", "w1", 2026)
    assert (total.points, total.suspended, total.suspended_at) == (12, True, at(3))
    row = one(engine, Violation, Violation.id == "v3")
    assert (row.points, row.year, row.district, row.rule) == (
        3,
        2026,
        WEST,
        "delivery without safety check",
    )


def test_the_year_is_the_calendar_year_in_shanghai(engine: Engine) -> None:
    seed_city(engine)
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Shanghai
    site = ("site", "s2")
    accepted(
        append(
            engine,
            violation("v1", 12, subject=site, when=new_year - timedelta(hours=1)),
            violation("v2", 2, subject=site, when=new_year),
            violation("v3", 1, subject=("enterprise", "e1")),
        )
    )
    assert points(engine, "site", "s2", 2026).suspended
    later = points(engine, "site", "s2", 2027)
    assert (later.points, later.suspended, later.district) == (2, False, EAST)  # the site's own
    assert points(engine, "enterprise", "e1", 2026).district == WEST


def test_a_violation_id_counts_once_however_often_it_arrives(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, violation("v1", 6, subject=("enterprise", "e1"))))
    again = ev("violation.recorded", "v1-resent", 9, violation_id="v1", subject_type="enterprise",
               subject_id="e1", rule="other", points=12)  # fmt: skip
    late = ev("violation.recorded", "v1-late", 0, violation_id="v1", subject_type="enterprise",
              subject_id="e1", rule="late", points=3)  # fmt: skip
    accepted(append(engine, again, late))
    assert one(engine, Violation).rule == "delivery without safety check"
    total = points(engine, "enterprise", "e1", 2026)
    assert (total.points, total.violations, total.suspended) == (6, 1, False)


@pytest.mark.parametrize("subject", [("enterprise", "e-x"), ("site", "s-x"), ("worker", "w-x")])
def test_a_violation_of_an_unregistered_subject_is_an_unknown_reference(
    engine: Engine, subject: tuple[str, str]
) -> None:
    seed_city(engine)
    [outcome] = append(engine, violation("v1", 1, subject=subject))
    assert rejected(outcome) == ("unknown_reference", "data.subject_id")
    assert subject[1] in outcome.message  # type: ignore[union-attr]


# --- incident notifications -----------------------------------------------------------------


def notified(event_id: str, minutes: float, *levels: str, incident: str = "inc1") -> Event:
    return ev("incident.notified", event_id, minutes, incident_id=incident, levels=list(levels),
              recipients=["duty@city"], channel="sms")  # fmt: skip


def test_the_incident_records_when_each_level_was_notified(engine: Engine) -> None:
    seed_city(engine)
    reported = ev("incident.reported", "i-rep", 0, incident_id="inc1", kind="leak",
                  channel="patrol", lat=30.59, lon=114.31, address="1 Road", severity=3,
                  description="gas smell")  # fmt: skip
    accepted(append(engine, reported, source="patrol"))
    accepted(append(engine, notified("n1", 2, "city", "district"), source="system"))
    incident = one(engine, Incident)
    assert incident.all_notified_at is None and set(incident.notified) == {"city", "district"}
    accepted(append(engine, notified("n2", 6, "street", "enterprise", "city"), source="system"))
    accepted(append(engine, notified("n0", 1, "city"), source="system"))  # late: an earlier call
    incident = one(engine, Incident)
    times = {level: datetime.fromisoformat(when) for level, when in incident.notified.items()}
    assert times == {"city": at(1), "district": at(2), "street": at(6), "enterprise": at(6)}
    assert incident.all_notified_at == at(6)
    assert (incident.status, incident.updated_at) == ("reported", at(0))  # nothing else changes


def test_notifying_an_unknown_incident_is_an_unknown_reference(engine: Engine) -> None:
    seed_city(engine)
    [outcome] = append(engine, notified("n1", 1, "city", incident="inc-x"), source="system")
    assert rejected(outcome) == ("unknown_reference", "data.incident_id")


# --- hazards from failed inspection items ---------------------------------------------------


def inspection(
    event_id: str, minutes: float, inspection_id: str = "in1", kind: str = "daily", **extra: Any
) -> Event:
    items = [
        {"item": "hose", "passed": True},
        {"item": "valve", "passed": False, "note": "valve leaks at the joint"},
        {"item": "ventilation", "passed": False},
    ]
    return ev("inspection.completed", event_id, minutes, inspection_id=inspection_id,
              kind=kind, target_type="site", target_id="s1", district=WEST,
              inspector_id="insp-7", items=items, lat=30.6, lon=114.3, **extra)  # fmt: skip


def test_each_failed_item_reports_a_hazard_right_after_the_inspection(engine: Engine) -> None:
    seed_city(engine)
    start = last_seq(engine)
    [outcome] = append(engine, inspection("i1", 1))
    assert isinstance(outcome, Accepted)
    log = [(r["seq"], r["source"], r["id"], r["type"]) for r in events_since(engine, start)]
    ids = [rule_hazard_id("in1", 1), rule_hazard_id("in1", 2)]
    assert log == [
        (outcome.seq, "ent-0001", "i1", "inspection.completed"),
        (outcome.seq + 1, "system", ids[0], "hazard.reported"),
        (outcome.seq + 2, "system", ids[1], "hazard.reported"),
    ]
    valve = one(engine, Hazard, Hazard.id == ids[0])
    assert (valve.inspection_id, valve.target_type, valve.target_id, valve.district) == (
        "in1",
        "site",
        "s1",
        WEST,
    )
    assert (valve.category, valve.level, valve.description) == (
        "valve",
        "general",
        "valve leaks at the joint",
    )
    assert valve.due_at == at(1) + RECTIFICATION_PERIOD and valve.reported_at == at(1)
    assert one(engine, Hazard, Hazard.id == ids[1]).description == (
        "failed inspection item: ventilation"
    )
    assert area(engine, WEST, "hazards_open") == 2
    assert count(engine, HazardStatusChange, HazardStatusChange.actor == "system") == 2


def test_the_inspection_keeps_its_items_and_task_and_its_hazards_say_how_they_were_found(
    engine: Engine,
) -> None:
    seed_city(engine)
    accepted(append(engine, inspection("i1", 1, task_id="task-7")))
    accepted(append(engine, inspection("i2", 2, "in2", kind="self_check")))
    stored = one(engine, InspectionRecord, InspectionRecord.id == "in1")
    assert stored.task_id == "task-7" and not stored.passed
    assert stored.items == [
        {"item": "hose", "passed": True},
        {"item": "valve", "passed": False, "note": "valve leaks at the joint"},
        {"item": "ventilation", "passed": False},
    ]
    assert one(engine, Hazard, Hazard.id == rule_hazard_id("in1", 1)).origin == "inspection"
    assert one(engine, Hazard, Hazard.id == rule_hazard_id("in2", 1)).origin == "self_report"


def test_an_inspection_completed_again_creates_no_second_hazards(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, inspection("i1", 1)))
    accepted(append(engine, inspection("i1-again", 2), inspection("i1-thrice", 3)))
    assert append(engine, inspection("i1", 1)) == [Duplicate("i1")]
    assert count(engine, Hazard) == 2 and area(engine, WEST, "hazards_open") == 2


def test_a_long_inspection_id_gives_a_short_stable_hazard_id(engine: Engine) -> None:
    seed_city(engine)
    long_id = "I" * 128
    accepted(append(engine, inspection("i1", 1, inspection_id=long_id)))
    hazard_id = rule_hazard_id(long_id, 1)
    assert len(hazard_id) <= 128 and hazard_id == rule_hazard_id(long_id, 1)
    assert one(engine, Hazard, Hazard.id == hazard_id).inspection_id == long_id


# --- findings resolved by later events ------------------------------------------------------


def test_registering_a_black_cylinder_resolves_its_finding(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "LATE-REG", "storage", 1, site_id="s1")))
    assert area(engine, WEST, "findings_open") == 1
    [outcome] = append(engine, registered_cylinder("r-late", "LATE-REG", 2), source="registry")
    found = finding(engine, "black_cylinder", "LATE-REG")
    assert (found.resolved, found.resolved_seq, found.resolution) == (
        True,
        outcome.seq,  # type: ignore[union-attr]
        "registered",
    )
    assert area(engine, WEST, "findings_open") == 0
    assert area(engine, WEST, "black_cylinders") == 0


def test_a_finding_raised_and_resolved_in_one_batch_is_stored_resolved(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "LATE-REG", "storage", 1, site_id="s1"),
            registered_cylinder("r-late", "LATE-REG", 2),
        )
    )
    assert finding(engine, "black_cylinder", "LATE-REG").resolved
    assert area(engine, WEST, "findings_open") == 0


@pytest.mark.parametrize(
    ("dates", "resolved"),
    [
        ({"last_inspected_on": "2026-11-20", "next_inspection_due": "2030-11-20"}, True),
        ({"last_inspected_on": "2022-01-01", "next_inspection_due": "2026-01-01"}, False),
    ],
    ids=["new-dates", "still-overdue"],
)
def test_re_registering_with_dates_in_force_resolves_an_overdue_filling(
    engine: Engine, dates: dict[str, str], resolved: bool
) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "Y2", "filling", 1, site_id="s1")))  # due 2026-01-01
    accepted(append(engine, registered_cylinder("r-y2", "Y2", 2, **dates)))
    assert finding(engine, "overdue_filling", "Y2").resolved is resolved
    assert area(engine, WEST, "findings_open") == (0 if resolved else 1)


def test_scrapping_resolves_the_cylinders_chain_findings(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "Y2", "filling", 1, site_id="s1"),  # overdue
            scan("b", "Y2", "sale", 2, customer_id="c2", site_id="s1"),  # out of order
            scan("c", "Y2", "delivery", 3, customer_id="c2", site_id="s1"),  # not real-name
        )
    )
    assert len(open_findings(engine)) == 3
    accepted(append(engine, scan("d", "Y2", "scrap", 4, site_id="s1")))
    assert open_findings(engine) == []
    with engine.connect() as connection:
        resolutions = set(connection.scalars(select(Finding.resolution)))
    assert resolutions == {"scrapped"}
    assert area(engine, WEST, "findings_open") == 0


def test_a_regular_new_cycle_resolves_out_of_order_findings(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "Y1", "filling", 1, site_id="s1"),
            scan("b", "Y1", "use", 2, site_id="s1"),  # skips four stages
            scan("c", "Y1", "recovery", 3, site_id="s1"),
            scan("d", "Y1", "recovery", 4, site_id="s1"),  # a rescan: nothing changes
        )
    )
    assert open_findings(engine) == [("stage_out_of_order", "Y1")]
    accepted(append(engine, scan("e", "Y1", "filling", 5, site_id="s1")))
    found = finding(engine, "stage_out_of_order", "Y1")
    assert found.resolved and "filling after recovery" in found.resolution
    assert area(engine, WEST, "findings_open") == 0


def test_a_filling_rescan_is_not_a_new_cycle(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("a", "Y1", "transport", 1, site_id="s1"),
            scan("b", "Y1", "filling", 2, site_id="s1"),  # out of order after transport
            scan("c", "Y1", "filling", 3, site_id="s1"),  # a rescan
        )
    )
    assert open_findings(engine) == [("stage_out_of_order", "Y1")]


def test_releasing_a_detained_cylinder_resolves_its_overdue_filling(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "Y2", "filling", 1, site_id="s1")))
    released = ev("cylinder.released", "d2", 3, code="Y2", by="sup", note="re-inspected")
    accepted(append(engine, released, source="system"))  # never detained: nothing to close out
    assert open_findings(engine) == [("overdue_filling", "Y2")]
    detained = ev("cylinder.detained", "d1", 4, code="Y2", reason="overdue", enterprise_id="e1",
                  recall_by="2026-12-01", by="sup")  # fmt: skip
    released = ev("cylinder.released", "d3", 5, code="Y2", by="sup", note="re-inspected")
    accepted(append(engine, detained, released, source="system"))
    found = finding(engine, "overdue_filling", "Y2")
    assert found.resolved and found.resolution.startswith("released after detention by sup")
    assert area(engine, WEST, "findings_open") == 0


def test_a_resent_resolving_event_changes_nothing_twice(engine: Engine) -> None:
    seed_city(engine)
    accepted(append(engine, scan("a", "B-1", "storage", 1, site_id="s1")))
    accepted(append(engine, scan("b", "B-2", "storage", 1, site_id="s1")))
    event = registered_cylinder("r-b1", "B-1", 2)
    accepted(append(engine, event))
    assert append(engine, event) == [Duplicate("r-b1")]
    assert open_findings(engine) == [("black_cylinder", "B-2")]
    assert area(engine, WEST, "findings_open") == 1
