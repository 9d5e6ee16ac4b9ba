"""The event log: one write path, idempotent per (source, id), one transaction per batch."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from dashboard.domain.events import EVENT_TYPES, Event, Rejection
from data_access import registry
from data_access.commands import Done, Refused, acknowledge_alarm
from data_access.eventlog import (
    Accepted,
    Duplicate,
    Incoming,
    Outcome,
    append_events,
    events_since,
    last_seq,
)
from data_access.models import Alarm, AreaCount, CylinderState, EventRecord, Finding
from data_access.projections.batch import Batch
from tests.support import desk_user

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SOURCE = "ent-0001"

# Two districts far enough apart that the nearest-centroid lookup is unambiguous.
DISTRICTS = {"420102": (30.60, 114.30), "420106": (30.50, 114.40)}


# --- helpers shared with test_projections ---------------------------------------------------


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(event_type: str, event_id: str, minutes: float = 0, /, **data: Any) -> Event:
    model = EVENT_TYPES[event_type]
    return Event.of(model(**data), id=event_id, occurred_at=at(minutes))


def append(
    engine: Engine, *events: Event, source: str = SOURCE, actor: str | None = None
) -> list[Outcome]:
    return append_events(engine, [Incoming(source, event, actor) for event in events])


def accepted(outcomes: Sequence[Outcome]) -> None:
    rejected = [o for o in outcomes if not isinstance(o, Accepted)]
    assert not rejected, rejected


def seed_city(engine: Engine) -> None:
    """Two districts (registry rows) and a small registry written through registry events."""
    registry.insert_rows(
        engine,
        "districts",
        [
            {
                "code": code,
                "name_zh": code,
                "name_en": code,
                "population": 1000,
                "area_km2": 10.0,
                "centroid_lat": lat,
                "centroid_lon": lon,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            for code, (lat, lon) in DISTRICTS.items()
        ],
    )
    a, b = DISTRICTS
    events = [
        ev("enterprise.registered", "r-e1", enterprise_id="e1", name="LPG One", kind="bottled",
           district=a),
        ev("site.registered", "r-s1", site_id="s1", enterprise_id="e1", kind="filling_station",
           name="Station 1", district=a, lat=30.60, lon=114.30),
        ev("site.registered", "r-s2", site_id="s2", enterprise_id="e1", kind="supply_point",
           name="Supply 2", district=b, lat=30.50, lon=114.40),
        ev("customer.registered", "r-c1", customer_id="c1", kind="household", district=b,
           real_name_verified=True, lat=30.51, lon=114.41),
        ev("customer.registered", "r-c2", customer_id="c2", kind="household", district=b,
           real_name_verified=False, lat=30.52, lon=114.42),
        ev("cylinder.registered", "r-y1", code="Y1", enterprise_id="e1", capacity_kg=15.0,
           manufactured_on="2020-01-01", last_inspected_on="2026-01-01",
           next_inspection_due="2027-01-01", scrap_due="2032-01-01"),
        ev("cylinder.registered", "r-y2", code="Y2", enterprise_id="e1", capacity_kg=15.0,
           manufactured_on="2010-01-01", last_inspected_on="2022-01-01",
           next_inspection_due="2026-01-01", scrap_due="2030-01-01"),
        ev("cylinder.registered", "r-y3", code="Y3", enterprise_id="e1", capacity_kg=15.0,
           manufactured_on="2006-01-01", last_inspected_on="2025-06-01",
           next_inspection_due="2027-06-01", scrap_due="2026-06-01"),
        ev("sensor.registered", "r-p1", sensor_id="p1", kind="pressure", site_id="s2",
           lat=30.50, lon=114.40, low=100.0, high=200.0),
        ev("team.registered", "r-t1", team_id="t1", level="district", owner_id="gov",
           district=a, members=6, capabilities=["leak_repair"], lat=30.60, lon=114.30),
    ]  # fmt: skip
    accepted(append(engine, *events, source="registry"))


def scan(event_id: str, code: str, stage: str, minutes: float = 0, **extra: Any) -> Event:
    extra.setdefault("lat", 30.55)
    extra.setdefault("lon", 114.35)
    return ev("cylinder.scanned", event_id, minutes, code=code, stage=stage, **extra)


def count(engine: Engine, model: Any, *where: Any) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model).where(*where)) or 0


def area(engine: Engine, district: str, metric: str) -> int:
    with engine.connect() as connection:
        value = connection.scalar(
            select(AreaCount.value).where(
                AreaCount.area_type == "district",
                AreaCount.area_code == district,
                AreaCount.metric == metric,
            )
        )
    return value or 0


# --- duplicates and idempotency -------------------------------------------------------------


def test_accepted_events_get_consecutive_sequence_numbers(engine: Engine) -> None:
    outcomes = append(engine, scan("a", "X1", "filling"), scan("b", "X2", "filling"))
    assert outcomes == [Accepted("a", 1), Accepted("b", 2)]
    assert last_seq(engine) == 2


def test_a_duplicate_within_one_batch_is_applied_once(engine: Engine) -> None:
    outcomes = append(engine, scan("a", "X1", "filling"), scan("a", "X1", "filling"))
    assert outcomes == [Accepted("a", 1), Duplicate("a")]
    assert count(engine, EventRecord) == 1


def test_a_duplicate_across_batches_is_reported_and_not_logged_again(engine: Engine) -> None:
    append(engine, scan("a", "X1", "filling"))
    assert append(engine, scan("a", "X1", "filling", 5)) == [Duplicate("a")]
    assert count(engine, EventRecord) == 1


def test_the_same_id_from_another_source_is_a_different_event(engine: Engine) -> None:
    append(engine, scan("a", "X1", "filling"))
    outcomes = append(engine, scan("a", "X1", "transport", 1), source="ent-0002")
    assert outcomes == [Accepted("a", 2)]


def test_reappending_a_batch_gives_duplicates_and_no_second_projection_effect(
    engine: Engine,
) -> None:
    seed_city(engine)
    batch = [scan("k1", "BLACK-1", "filling", 1), scan("k2", "BLACK-1", "transport", 2)]
    first = append(engine, *batch)
    before = (
        count(engine, EventRecord),
        count(engine, Finding),
        area(engine, "420102", "black_cylinders"),
    )
    again = append(engine, *batch)
    assert all(isinstance(o, Accepted) for o in first)
    assert again == [Duplicate("k1"), Duplicate("k2")]
    after = (
        count(engine, EventRecord),
        count(engine, Finding),
        area(engine, "420102", "black_cylinders"),
    )
    assert after == before
    assert before[2] == 1


def test_a_rejected_event_does_not_make_a_later_one_a_duplicate(engine: Engine) -> None:
    seed_city(engine)
    reading = ev("sensor.reading", "r1", sensor_id="nope", value=1.0)
    ok = ev("sensor.reading", "r1", sensor_id="p1", value=150.0)
    outcomes = append(engine, reading, ok)
    assert isinstance(outcomes[0], Rejection)
    assert isinstance(outcomes[1], Accepted)


def test_concurrent_appends_get_distinct_gap_free_sequence_numbers(engine: Engine) -> None:
    def writer(n: int) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for b in range(5):
            batch = [scan(f"w{n}-{b}-{i}", f"X{n}-{i}", "filling", b) for i in range(40)]
            outcomes += append(engine, *batch, source=f"src-{n}")
        return outcomes

    with ThreadPoolExecutor(4) as pool:
        results = [o for outcomes in pool.map(writer, range(4)) for o in outcomes]
    seqs = sorted(o.seq for o in results if isinstance(o, Accepted))
    assert seqs == list(range(1, 801))
    assert count(engine, EventRecord) == 800
    assert count(engine, CylinderState) == 4 * 40


# --- unknown references ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (ev("hazard.updated", "u1", hazard_id="h-x", status="assigned", actor="w"),
         "data.hazard_id"),
        (ev("sensor.reading", "u2", sensor_id="s-x", value=1.0), "data.sensor_id"),
        (ev("incident.update", "u3", incident_id="i-x", author="a", text="t"),
         "data.incident_id"),
        (ev("team.position", "u4", team_id="t-x", lat=30.5, lon=114.3), "data.team_id"),
        (ev("team.status", "u5", team_id="t-x", status="available"), "data.team_id"),
        (ev("alarm.acknowledged", "u6", alarm_id="a-x", by="duty"), "data.alarm_id"),
        (ev("complaint.updated", "u7", complaint_id="c-x", status="closed", actor="w"),
         "data.complaint_id"),
        (ev("site.registered", "u8", site_id="s9", enterprise_id="e-x", kind="storage",
            name="n", district="420102", lat=30.5, lon=114.3), "data.enterprise_id"),
    ],
)  # fmt: skip
def test_an_unknown_reference_is_rejected_and_changes_nothing(
    engine: Engine, event: Event, field: str
) -> None:
    seed_city(engine)
    before = last_seq(engine)
    [outcome] = append(engine, event)
    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.field, outcome.event_id) == ("unknown_reference", field, event.id)
    assert "not" in outcome.message
    assert last_seq(engine) == before


def test_a_reference_registered_earlier_in_the_same_batch_is_known(engine: Engine) -> None:
    seed_city(engine)
    outcomes = append(
        engine,
        ev("team.registered", "t2r", team_id="t2", level="city", owner_id="gov",
           district="420106", members=3, capabilities=["fire"], lat=30.5, lon=114.4),
        ev("team.position", "t2p", 1, team_id="t2", lat=30.51, lon=114.41),
    )  # fmt: skip
    accepted(outcomes)


def test_a_value_too_long_for_its_column_is_rejected_not_a_failed_batch(engine: Engine) -> None:
    long_code = "C" * 65  # a valid wire id (up to 128) but cylinder codes are kept in 64
    outcomes = append(engine, scan("a", long_code, "filling"), scan("b", "X1", "filling"))
    assert isinstance(outcomes[0], Rejection)
    assert (outcomes[0].code, outcomes[0].field) == ("invalid_field", "data.code")
    assert outcomes[1] == Accepted("b", 1)


# --- reading the log ------------------------------------------------------------------------


def test_events_since_returns_the_log_after_a_sequence_number(engine: Engine) -> None:
    seed_city(engine)
    start = last_seq(engine)
    append(engine, scan("a", "Y1", "filling", 1, site_id="s1"), scan("b", "Y1", "transport", 2))
    rows = events_since(engine, start)
    assert [(r["seq"], r["id"], r["type"]) for r in rows] == [
        (start + 1, "a", "cylinder.scanned"),
        (start + 2, "b", "cylinder.scanned"),
    ]
    first = rows[0]
    assert first["source"] == SOURCE and first["district"] == "420102"
    assert first["data"]["code"] == "Y1" and first["data"]["site_id"] == "s1"
    assert datetime.fromisoformat(first["occurred_at"]) == at(1)
    assert events_since(engine, start, limit=1) == rows[:1]
    assert events_since(engine, start + 2) == []


def test_events_since_filters_by_district(engine: Engine) -> None:
    seed_city(engine)
    start = last_seq(engine)
    append(
        engine,
        scan("a", "Y1", "filling", 1, site_id="s1"),
        scan("b", "Y2", "storage", 1, site_id="s2"),
        ev("sensor.reading", "c", 1, sensor_id="p1", value=150.0),
    )
    west = events_since(engine, start, district="420102")
    east = events_since(engine, start, district="420106")
    assert [r["id"] for r in west] == ["a"]
    assert [r["id"] for r in east] == ["b", "c"]


# --- failures -------------------------------------------------------------------------------


def test_a_database_failure_mid_batch_commits_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_city(engine)
    before_seq = last_seq(engine)
    flush = Batch.flush

    def failing_flush(self: Batch) -> None:
        flush(self)  # the log rows and projections are written, then the database fails
        self.connection.execute(text("INSERT INTO no_such_table VALUES (1)"))

    monkeypatch.setattr(Batch, "flush", failing_flush)
    batch = [scan("f1", "BLACK-9", "filling", 1), scan("f2", "Y1", "filling", 1)]
    with pytest.raises(Exception, match="no_such_table"):
        append(engine, *batch)
    assert last_seq(engine) == before_seq
    assert count(engine, CylinderState) == 0
    assert count(engine, Finding) == 0
    assert area(engine, "420106", "black_cylinders") == 0

    monkeypatch.setattr(Batch, "flush", flush)
    accepted(append(engine, *batch))  # nothing half-done is left in the way
    assert count(engine, CylinderState) == 2


# --- commands -------------------------------------------------------------------------------


def raise_alarm(engine: Engine) -> str:
    accepted(append(engine, ev("sensor.reading", "hi", 1, sensor_id="p1", value=230.0)))
    with engine.connect() as connection:
        return connection.scalar(select(Alarm.id))


def test_acknowledge_alarm_records_the_acting_user(engine: Engine) -> None:
    seed_city(engine)
    alarm_id = raise_alarm(engine)
    outcome = acknowledge_alarm(engine, desk_user("zhang"), alarm_id, note="on my way")
    assert isinstance(outcome, Done)
    with engine.connect() as connection:
        row = connection.execute(select(EventRecord).where(EventRecord.seq == outcome.seq)).one()
        alarm = connection.execute(select(Alarm).where(Alarm.id == alarm_id)).one()
    assert (row.type, row.source, row.actor) == ("alarm.acknowledged", "user:zhang", "zhang")
    assert row.event_id.startswith(f"ack-{alarm_id}-")
    assert row.data == {"alarm_id": alarm_id, "by": "zhang", "note": "on my way"}
    assert row.district == "420106"
    assert (alarm.status, alarm.acknowledged_by) == ("acknowledged", "zhang")
    assert area(engine, "420106", "alarms_active") == 1


def test_acknowledge_alarm_refuses_unknown_and_cleared_alarms(engine: Engine) -> None:
    seed_city(engine)
    unknown = acknowledge_alarm(engine, desk_user("zhang"), "alarm-nope")
    assert isinstance(unknown, Refused) and unknown.code == "unknown_reference"
    alarm_id = raise_alarm(engine)
    accepted(append(engine, ev("sensor.reading", "ok", 2, sensor_id="p1", value=150.0)))
    before = last_seq(engine)
    cleared = acknowledge_alarm(engine, desk_user("zhang"), alarm_id)
    assert isinstance(cleared, Refused) and cleared.code == "not_permitted"
    assert "cleared" in cleared.message
    assert last_seq(engine) == before
