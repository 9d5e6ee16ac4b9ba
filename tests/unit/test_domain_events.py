"""The event catalogue models and the wire parser (shared/spec/events.md, ingest-protocol.md)."""

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dashboard.domain.events import (
    ADMIN_EVENT_TYPES,
    EVENT_TYPES,
    LOGGED_EVENT_TYPES,
    REGISTRY_EVENT_TYPES,
    SYSTEM_EVENT_TYPES,
    Bounds,
    CylinderScanned,
    Event,
    EventData,
    IncidentReported,
    Rejection,
    SensorReading,
    UserDeactivated,
    parse_event,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AT = "2026-11-23T17:58:00+08:00"  # two minutes before NOW
WUHAN = Bounds(south=29.97, west=113.68, north=31.37, east=115.08)
# Content hashes: https photo URLs need an allowed host (tests/security/test_photo_refs.py).
PHOTOS = {
    "storefront": "sha256:" + "1" * 64,
    "cylinder_hose": "sha256:" + "2" * 64,
    "stove_hose": "sha256:" + "3" * 64,
    "surroundings": "sha256:" + "4" * 64,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "enterprise.registered": {
        "enterprise_id": "ent-0012",
        "name": "武汉燃气",
        "kind": "bottled",
        "district": "420102",
    },
    "site.registered": {
        "site_id": "site-1",
        "enterprise_id": "ent-0012",
        "kind": "filling_station",
        "name": "汉阳充装站",
        "district": "420105",
        "lat": 30.55,
        "lon": 114.21,
    },
    "worker.registered": {
        "worker_id": "w-1",
        "enterprise_id": "ent-0012",
        "role": "delivery",
        "name": "张三",
        "certificate_no": "C-778",
        "certificate_expires": "2027-05-01",
    },
    "customer.registered": {
        "customer_id": "cu-1",
        "kind": "household",
        "district": "420102",
        "real_name_verified": True,
        "lat": 30.6,
        "lon": 114.3,
    },
    "cylinder.registered": {
        "code": "CYL-0001",
        "enterprise_id": "ent-0012",
        "capacity_kg": 14.5,
        "manufactured_on": "2020-03-01",
        "last_inspected_on": "2024-03-01",
        "next_inspection_due": "2028-03-01",
        "scrap_due": "2036-03-01",
    },
    "pipeline.registered": {
        "segment_id": "seg-9",
        "enterprise_id": "ent-0001",
        "pressure_class": "medium",
        "material": "PE100",
        "laid_year": 2009,
        "coords": [[30.58, 114.27], [30.59, 114.29], [30.6, 114.3]],
    },
    "sensor.registered": {
        "sensor_id": "sen-1",
        "kind": "methane",
        "segment_id": "seg-9",
        "lat": 30.59,
        "lon": 114.29,
        "low": 0,
        "high": 20,
    },
    "team.registered": {
        "team_id": "t-1",
        "level": "district",
        "owner_id": "420102",
        "district": "420102",
        "members": 8,
        "capabilities": ["leak_repair", "fire"],
        "lat": 30.6,
        "lon": 114.3,
    },
    "resource.registered": {
        "resource_id": "r-1",
        "kind": "expert",
        "name": "李工",
        "skills": ["pipeline", "lpg"],
    },
    "cylinder.scanned": {
        "code": "CYL-0001",
        "stage": "filling",
        "site_id": "site-1",
        "worker_id": "w-1",
        "lat": 30.55,
        "lon": 114.21,
    },
    "delivery.safety_checked": {
        "code": "CYL-0001",
        "customer_id": "cu-1",
        "worker_id": "w-1",
        "passed": False,
        "photos": PHOTOS,
        "findings": ["hose older than 2 years"],
    },
    "cylinder.detained": {
        "code": "CYL-0001",
        "reason": "past scrap date",
        "enterprise_id": "ent-0012",
        "recall_by": "2026-12-01",
        "by": "rule:scrap_due",
    },
    "cylinder.released": {"code": "CYL-0001", "by": "officer-3", "note": "re-inspected"},
    "cylinder.recalled": {"code": "CYL-0001", "site_id": "SITE-1", "by": "ent-user-1"},
    "cylinder.recall_escalated": {"code": "CYL-0001", "by": "rules", "note": "recall late"},
    "cylinder.notified": {
        "code": "CYL-0001",
        "detention_id": "detention-CYL-0001-20261203",
        "request_id": "recall-late:detention-CYL-0001-20261203",
        "reason": "recall_escalated",
        "levels": ["city", "district", "enterprise"],
        "recipients": ["武汉市燃气主管部门", "江岸区燃气管理办公室", "武汉燃气集团"],
        "channel": "webhook",
        "outcome": "failed",
        "attempts": 3,
        "error": "HTTP 500",
    },
    "inspection.completed": {
        "inspection_id": "ins-1",
        "kind": "daily",
        "target_type": "customer",
        "target_id": "cu-1",
        "district": "420102",
        "inspector_id": "w-7",
        "items": [
            {"item": "hose", "passed": True},
            {"item": "alarm", "passed": False, "note": "x"},
        ],
        "lat": 30.6,
        "lon": 114.3,
    },
    "hazard.reported": {
        "hazard_id": "hz-1",
        "inspection_id": "ins-1",
        "target_type": "customer",
        "target_id": "cu-1",
        "district": "420102",
        "category": "no_alarm",
        "level": "general",
        "description": "no gas alarm installed",
        "lat": 30.6,
        "lon": 114.3,
        "due_at": "2026-11-30T18:00:00+08:00",
    },
    "hazard.updated": {
        "hazard_id": "hz-1",
        "status": "rectified",
        "actor": "w-7",
        "photos": ["sha256:" + "e" * 64],
    },
    "hazard.redated": {
        "hazard_id": "hz-1",
        "due_at": "2026-12-20T10:00:00+08:00",
        "by": "city",
        "note": "企业申请延期",
    },
    "hazard.escalated": {
        "hazard_id": "hz-1",
        "level": "city",
        "by": "rule:overdue",
        "note": "late",
    },
    "hazard.notified": {
        "hazard_id": "hz-1",
        "request_id": "escalate:hz-1:city",
        "levels": ["city", "district", "enterprise"],
        "recipients": ["武汉市燃气主管部门", "江岸区燃气管理办公室"],
        "channel": "sms",
        "outcome": "delivered",
        "attempts": 1,
    },
    "checklist.published": {
        "checklist_id": "lpg-restaurants-8",
        "title": "瓶装液化石油气餐饮用户安全检查八项",
        "items": ["钢瓶合格且在检验有效期内、有追溯标签", "灶具有熄火保护装置"],
        "campaign": True,
        "by": "city",
    },
    "task.issued": {
        "task_id": "task-1",
        "title": "瓶装液化石油气餐饮用户安全专项检查",
        "checklist_id": "lpg-restaurants-8",
        "assignee": "420102",
        "districts": ["420102", "420106"],
        "target_types": ["customer"],
        "customer_kinds": ["commercial"],
        "enterprise_ids": ["ent-1"],
        "deadline": "2026-12-20T18:00:00+08:00",
        "by": "city",
        "office": "city",
        "note": "12月20日前完成",
    },
    "task.completed": {"task_id": "task-1", "by": "jiangan", "note": "已全部检查"},
    "task.cancelled": {"task_id": "task-1", "by": "city", "reason": "重复下发"},
    "excavation.registered": {
        "permit_id": "p-1",
        "contractor": "城建三公司",
        "district": "420106",
        "lat": 30.52,
        "lon": 114.33,
        "radius_m": 50,
        "starts_on": "2026-11-20",
        "ends_on": "2026-12-20",
        "agreement_signed": True,
    },
    "sensor.reading": {"sensor_id": "sen-1", "value": 12.5},
    "alarm.raised": {
        "alarm_id": "al-1",
        "sensor_id": "sen-1",
        "kind": "methane_high",
        "level": "critical",
        "value": 25,
        "lat": 30.59,
        "lon": 114.29,
    },
    "alarm.acknowledged": {"alarm_id": "al-1", "by": "officer-3"},
    "alarm.cleared": {"alarm_id": "al-1"},
    "incident.reported": {
        "incident_id": "inc-1",
        "kind": "leak",
        "channel": "fire_119",
        "lat": 30.6,
        "lon": 114.3,
        "address": "江汉路 1 号",
        "severity": 3,
        "description": "strong smell of gas",
    },
    "incident.dispatched": {
        "incident_id": "inc-1",
        "team_ids": ["t-1", "t-2"],
        "by": "officer-3",
        "eta_minutes": 12,
    },
    "incident.notified": {
        "incident_id": "inc-1",
        "levels": ["city", "district"],
        "recipients": ["duty-city", "duty-420102"],
        "channel": "sms",
    },
    "incident.notify_requested": {
        "incident_id": "inc-1",
        "request_id": "ntf-1",
        "levels": ["city", "district", "street", "enterprise"],
        "by": "duty",
    },
    "team.position": {"team_id": "t-1", "lat": 30.6, "lon": 114.3, "speed_kmh": 42, "heading": 270},
    "team.status": {"team_id": "t-1", "status": "en_route", "incident_id": "inc-1"},
    "incident.update": {
        "incident_id": "inc-1",
        "author": "t-1",
        "text": "valve closed",
        "status": "contained",
    },
    "incident.closed": {
        "incident_id": "inc-1",
        "by": "officer-3",
        "summary": "ok",
        "casualties": 0,
    },
    "complaint.received": {
        "complaint_id": "cp-1",
        "channel": "qr_check",
        "category": "overdue_inspection",
        "district": "420102",
        "text": "cylinder inspection overdue",
        "lat": 30.6,
        "lon": 114.3,
        "code": "CYL-0001",
    },
    "complaint.updated": {
        "complaint_id": "cp-1",
        "status": "closed",
        "actor": "hotline-2",
        "satisfaction": 5,
    },
    "violation.recorded": {
        "violation_id": "v-1",
        "subject_type": "worker",
        "subject_id": "w-1",
        "rule": "delivery_without_check",
        "points": 6,
    },
}


def wire(event_type: str, data: dict[str, Any] | None = None, **envelope: Any) -> dict[str, Any]:
    raw = {
        "id": "evt-1",
        "type": event_type,
        "occurred_at": AT,
        "data": copy.deepcopy(EXAMPLES[event_type] if data is None else data),
    }
    return raw | envelope


def with_data(event_type: str, **changes: Any) -> dict[str, Any]:
    return wire(event_type, EXAMPLES[event_type] | changes)


def without(event_type: str, field: str) -> dict[str, Any]:
    return wire(event_type, {k: v for k, v in EXAMPLES[event_type].items() if k != field})


def rejected(raw: object, **kwargs: Any) -> Rejection:
    result = parse_event(raw, now=kwargs.pop("now", NOW), **kwargs)
    assert isinstance(result, Rejection), f"expected a rejection, got {result!r}"
    return result


def accepted(raw: object, **kwargs: Any) -> Event:
    result = parse_event(raw, now=kwargs.pop("now", NOW), **kwargs)
    assert isinstance(result, Event), f"expected an event, got {result!r}"
    return result


# --- the catalogue ---


# Types this project added to the shared catalogue (compatibly: system events only, documented
# in docs/events.md); the spec's own 32 are all still there.
ADDITIONS = {
    "incident.notify_requested",
    "hazard.redated",
    "hazard.notified",
    "checklist.published",
    "task.issued",
    "task.completed",
    "task.cancelled",
    "cylinder.recalled",
    "cylinder.recall_escalated",
    "cylinder.notified",
}


def test_examples_cover_every_catalogue_type() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == 32 + len(ADDITIONS)


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_valid_example_of_each_type_parses_into_its_data_model(event_type: str) -> None:
    event = accepted(wire(event_type), bounds=WUHAN)
    assert type(event.data) is EVENT_TYPES[event_type]
    assert event.data.event_type == event_type
    assert event.id == "evt-1"


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_each_event_survives_a_round_trip_through_the_wire(event_type: str) -> None:
    event = accepted(wire(event_type))
    assert accepted(event.to_wire()) == event


def test_system_types_are_exactly_those_marked_system_in_the_spec() -> None:
    assert {
        "cylinder.detained",
        "cylinder.released",
        "hazard.escalated",
        "alarm.raised",
        "alarm.acknowledged",
        "incident.dispatched",
        "incident.notified",
        "incident.closed",
    } | ADDITIONS == SYSTEM_EVENT_TYPES
    assert "alarm.cleared" not in SYSTEM_EVENT_TYPES
    assert set(EVENT_TYPES) >= SYSTEM_EVENT_TYPES


def test_registry_types_are_the_master_data_registrations() -> None:
    assert all(name.endswith(".registered") for name in REGISTRY_EVENT_TYPES)
    assert len(REGISTRY_EVENT_TYPES) == 9
    assert set(EVENT_TYPES) >= REGISTRY_EVENT_TYPES


def test_typed_fields_are_python_values() -> None:
    registered = accepted(wire("cylinder.registered")).data
    assert registered.scrap_due == date(2036, 3, 1)
    hazard = accepted(wire("hazard.reported")).data
    assert hazard.due_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert accepted(wire("pipeline.registered")).data.coords[0] == (30.58, 114.27)


# --- building events from Python ---


def test_simulator_builds_an_event_from_a_data_model_and_gets_rfc3339_wire_form() -> None:
    data = CylinderScanned(code="CYL-9", stage="sale", lat=30.6, lon=114.3)
    at = datetime(2026, 11, 23, 18, 2, 11, tzinfo=timezone(timedelta(hours=8)))
    event = Event.of(data, id="sim-1", occurred_at=at)
    assert event.to_wire() == {
        "id": "sim-1",
        "type": "cylinder.scanned",
        "occurred_at": "2026-11-23T18:02:11+08:00",
        "data": {"code": "CYL-9", "stage": "sale", "lat": 30.6, "lon": 114.3},
    }


def test_event_accepts_data_as_a_mapping_and_types_it() -> None:
    event = Event.model_validate(wire("sensor.reading"))
    assert event.data == SensorReading(sensor_id="sen-1", value=12.5)


def test_event_refuses_data_of_another_type() -> None:
    data = SensorReading(sensor_id="sen-1", value=1)
    with pytest.raises(ValidationError):
        Event(id="e", type="alarm.cleared", occurred_at=NOW, data=data)


def test_event_refuses_an_unknown_type_and_a_naive_time_from_python() -> None:
    data = SensorReading(sensor_id="sen-1", value=1)
    with pytest.raises(ValidationError):
        Event(id="e", type="sensor.bogus", occurred_at=NOW, data=data)
    with pytest.raises(ValidationError):
        Event.of(data, id="e", occurred_at=datetime(2026, 11, 23, 10, 0))


def test_data_models_validate_when_built_from_python() -> None:
    with pytest.raises(ValidationError):
        IncidentReported(
            incident_id="i",
            kind="leak",
            channel="public",
            lat=30,
            lon=114,
            address="a",
            severity=5,
            description="d",
        )


def test_rejection_renders_as_an_ack_entry() -> None:
    rejection = rejected(with_data("cylinder.scanned", lat=91.2))
    assert rejection.to_ack(3) == {
        "index": 3,
        "id": "evt-1",
        "code": "invalid_field",
        "field": "data.lat",
        "message": "latitude 91.2 is outside -90..90",
    }


# --- invalid_field and missing_field ---


def test_latitude_outside_the_globe_is_invalid_field_in_plain_words() -> None:
    rejection = rejected(with_data("cylinder.scanned", lat=91.2))
    assert (rejection.code, rejection.field) == ("invalid_field", "data.lat")
    assert rejection.message == "latitude 91.2 is outside -90..90"
    assert rejection.event_id == "evt-1"


def test_longitude_outside_the_globe_is_invalid_field() -> None:
    rejection = rejected(with_data("team.position", lon=-180.5))
    assert (rejection.code, rejection.field) == ("invalid_field", "data.lon")
    assert rejection.message == "longitude -180.5 is outside -180..180"


def test_scan_of_unknown_stage_is_rejected_as_invalid_field() -> None:
    rejection = rejected(with_data("cylinder.scanned", stage="teleport"))
    assert (rejection.code, rejection.field) == ("invalid_field", "data.stage")
    assert "'teleport'" in rejection.message
    assert "'scrap'" in rejection.message


def test_scan_without_code_is_rejected_as_missing_field() -> None:
    rejection = rejected(without("cylinder.scanned", "code"))
    assert (rejection.code, rejection.field) == ("missing_field", "data.code")
    assert rejection.message == "field data.code is required"


@pytest.mark.parametrize("field", ["id", "type", "occurred_at", "data"])
def test_event_without_an_envelope_field_is_missing_field(field: str) -> None:
    raw = wire("sensor.reading")
    del raw[field]
    rejection = rejected(raw)
    assert (rejection.code, rejection.field) == ("missing_field", field)
    assert rejection.message == f"field {field} is required"


def test_failed_inspection_item_without_passed_names_the_nested_path() -> None:
    items = [{"item": "hose", "passed": True}, {"item": "valve"}]
    rejection = rejected(with_data("inspection.completed", items=items))
    assert (rejection.code, rejection.field) == ("missing_field", "data.items.1.passed")


def test_pipeline_point_off_the_globe_names_its_index() -> None:
    coords = [[30.5, 114.2], [30.5, 214.2]]
    rejection = rejected(with_data("pipeline.registered", coords=coords))
    assert (rejection.code, rejection.field) == ("invalid_field", "data.coords.1.1")


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("incident.reported", "severity", 0),
        ("incident.reported", "severity", 5),
        ("incident.reported", "severity", "3"),
        ("incident.reported", "severity", 2.0),
        ("complaint.updated", "satisfaction", 6),
        ("complaint.updated", "satisfaction", 0),
        ("violation.recorded", "points", 4),
        ("violation.recorded", "points", True),
        ("violation.recorded", "points", 24),
        ("team.registered", "members", 0),
        ("cylinder.registered", "capacity_kg", 0),
        ("cylinder.registered", "capacity_kg", -14.5),
        ("cylinder.scanned", "lat", "30.5"),
        ("cylinder.scanned", "lat", float("nan")),
        ("customer.registered", "real_name_verified", "yes"),
        ("customer.registered", "real_name_verified", 1),
        ("cylinder.scanned", "code", ""),
        ("cylinder.scanned", "code", 12345),
        ("cylinder.registered", "scrap_due", "2036-03-01T00:00:00+08:00"),
        ("cylinder.registered", "scrap_due", "2036-02-30"),
        ("cylinder.registered", "scrap_due", 20360301),
        ("hazard.reported", "due_at", "2026-11-30"),
        ("hazard.reported", "due_at", "2026-11-30T18:00:00"),
        ("incident.notified", "levels", []),
        ("incident.notified", "levels", ["province"]),
        ("incident.dispatched", "team_ids", "t-1"),
        ("delivery.safety_checked", "photos", ["a", "b", "c", "d"]),
        ("pipeline.registered", "coords", [[30.5, 114.2]]),
    ],
)
def test_out_of_contract_value_is_invalid_field(event_type: str, field: str, value: object) -> None:
    rejection = rejected(with_data(event_type, **{field: value}))
    assert rejection.code == "invalid_field"
    assert rejection.field == f"data.{field}" or rejection.field.startswith(f"data.{field}.")
    assert rejection.message


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("violation.recorded", "points", 12),
        ("complaint.updated", "satisfaction", 1),
        ("incident.reported", "severity", 4),
        ("team.registered", "members", 1),
        ("cylinder.registered", "capacity_kg", 50),
        ("cylinder.registered", "scrap_due", "2036-02-29"),
    ],
)
def test_value_at_the_edge_of_its_range_is_accepted(event_type: str, field: str, value: object):
    assert getattr(accepted(with_data(event_type, **{field: value})).data, field) is not None


def test_range_violation_says_the_limit_and_the_value() -> None:
    rejection = rejected(with_data("incident.reported", severity=5))
    assert rejection.message == "data.severity must be at most 4, got 5"


def test_huge_string_is_rejected_with_a_clear_message_that_does_not_echo_it() -> None:
    rejection = rejected(with_data("incident.update", text="x" * 100_000))
    assert (rejection.code, rejection.field) == ("invalid_field", "data.text")
    assert rejection.message == "data.text is too long: 100000 characters, at most 4000"


def test_huge_name_is_rejected_as_too_long() -> None:
    rejection = rejected(with_data("site.registered", name="站" * 201))
    assert (rejection.code, rejection.field) == ("invalid_field", "data.name")
    assert "at most 200" in rejection.message


def test_half_a_position_is_rejected() -> None:
    rejection = rejected(with_data("complaint.received", lon=None))
    assert (rejection.code, rejection.field) == ("invalid_field", "data")
    assert rejection.message == "lat and lon must be given together"


def test_optional_position_may_be_left_out_entirely() -> None:
    data = {k: v for k, v in EXAMPLES["complaint.received"].items() if k not in ("lat", "lon")}
    assert accepted(wire("complaint.received", data), bounds=WUHAN).data.lat is None


def test_excavation_ending_before_it_starts_is_rejected() -> None:
    rejection = rejected(with_data("excavation.registered", ends_on="2026-11-01"))
    assert (rejection.code, rejection.field) == ("invalid_field", "data")
    assert "starts_on" in rejection.message


@pytest.mark.parametrize("raw", [None, [], [{"id": "x"}], "event", 42, 4.2, True])
def test_event_that_is_not_an_object_is_invalid_field_with_empty_path(raw: object) -> None:
    rejection = rejected(raw)
    assert (rejection.code, rejection.field, rejection.event_id) == ("invalid_field", "", None)
    assert rejection.message.startswith("an event must be a JSON object")


@pytest.mark.parametrize("event_id", ["", "x" * 129])
def test_id_outside_1_to_128_characters_is_invalid_field(event_id: str) -> None:
    rejection = rejected(wire("sensor.reading", id=event_id))
    assert (rejection.code, rejection.field) == ("invalid_field", "id")
    assert rejection.event_id == event_id


def test_id_of_128_characters_is_accepted() -> None:
    assert accepted(wire("sensor.reading", id="x" * 128)).id == "x" * 128


def test_non_string_id_is_invalid_and_not_echoed() -> None:
    rejection = rejected(wire("sensor.reading", id=17))
    assert (rejection.code, rejection.field, rejection.event_id) == ("invalid_field", "id", None)


def test_data_that_is_not_an_object_is_invalid_field() -> None:
    rejection = rejected(wire("sensor.reading", data=["sen-1", 1.0]))
    assert (rejection.code, rejection.field) == ("invalid_field", "data")


# --- envelope: unknown fields, unknown type, timestamps ---


def test_unknown_top_level_field_is_rejected() -> None:
    rejection = rejected(wire("sensor.reading", source="ent-0012"))
    assert (rejection.code, rejection.field) == ("invalid_field", "source")
    assert "unknown top-level field 'source'" in rejection.message


def test_unknown_data_field_is_kept_but_not_an_error() -> None:
    event = accepted(with_data("sensor.reading", unit="kPa", lat="junk"), bounds=WUHAN)
    assert event.data.model_extra == {"unit": "kPa", "lat": "junk"}
    assert event.to_wire()["data"]["unit"] == "kPa"


def test_unknown_nested_field_is_kept_too() -> None:
    photos = PHOTOS | {"selfie": "https://img.example/5.jpg"}
    event = accepted(with_data("delivery.safety_checked", photos=photos))
    assert event.data.photos.model_extra == {"selfie": "https://img.example/5.jpg"}


def test_unknown_event_type_is_rejected_by_name() -> None:
    rejection = rejected(wire("sensor.reading", type="foo.bar"))
    assert (rejection.code, rejection.field) == ("unknown_type", "type")
    assert rejection.message == "unknown event type 'foo.bar'"


def test_unknown_type_is_reported_before_problems_in_its_data() -> None:
    raw = wire("sensor.reading", type="foo.bar", occurred_at="soon", extra=1)
    assert rejected(raw).code == "unknown_type"


def test_non_string_type_is_invalid_field() -> None:
    rejection = rejected(wire("sensor.reading", type=["sensor.reading"]))
    assert (rejection.code, rejection.field) == ("invalid_field", "type")


def test_naive_timestamp_is_rejected() -> None:
    rejection = rejected(wire("sensor.reading", occurred_at="2026-11-23T17:58:00"))
    assert (rejection.code, rejection.field) == ("invalid_field", "occurred_at")
    assert "no UTC offset" in rejection.message


@pytest.mark.parametrize("value", [1795000000, "1795000000", "yesterday", "2026-11-23", None])
def test_timestamp_that_is_not_rfc3339_is_invalid_field(value: object) -> None:
    rejection = rejected(wire("sensor.reading", occurred_at=value))
    assert (rejection.code, rejection.field) == ("invalid_field", "occurred_at")
    assert "RFC 3339" in rejection.message


@pytest.mark.parametrize("value", ["2026-11-23T09:58:00Z", "2026-11-23 09:58:00.123456+00:00"])
def test_rfc3339_variants_with_offset_are_accepted(value: str) -> None:
    assert accepted(wire("sensor.reading", occurred_at=value)).occurred_at.utcoffset() is not None


def test_event_more_than_five_minutes_in_the_future_is_out_of_range() -> None:
    rejection = rejected(wire("sensor.reading", occurred_at="2026-11-23T18:05:01+08:00"))
    assert (rejection.code, rejection.field) == ("out_of_range", "occurred_at")
    assert "more than 5 minutes in the future" in rejection.message


def test_event_exactly_five_minutes_ahead_is_accepted() -> None:
    accepted(wire("sensor.reading", occurred_at="2026-11-23T18:05:00+08:00"))


def test_event_older_than_retention_is_out_of_range() -> None:
    old = (NOW - timedelta(days=401)).isoformat()
    rejection = rejected(wire("sensor.reading", occurred_at=old))
    assert (rejection.code, rejection.field) == ("out_of_range", "occurred_at")
    assert "older than the retention window of 400 days" in rejection.message


def test_retention_window_is_configurable() -> None:
    raw = wire("sensor.reading", occurred_at=(NOW - timedelta(days=2)).isoformat())
    assert rejected(raw, retention=timedelta(days=1)).code == "out_of_range"
    accepted(raw, retention=timedelta(days=3))


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_extreme_timestamps_are_rejected_without_overflow(value: str) -> None:
    assert rejected(wire("sensor.reading", occurred_at=value)).code == "out_of_range"


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        parse_event(wire("sensor.reading"), now=datetime(2026, 11, 23, 10, 0))


# --- city bounds ---


def test_bounds_contain_their_edges_and_nothing_outside() -> None:
    assert WUHAN.contains(29.97, 113.68)
    assert WUHAN.contains(31.37, 115.08)
    assert not WUHAN.contains(31.38, 114.0)
    assert not WUHAN.contains(30.5, 116.0)


def test_inverted_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        Bounds(south=31.0, west=114.0, north=30.0, east=115.0)


def test_scan_outside_the_city_is_out_of_range() -> None:
    rejection = rejected(with_data("cylinder.scanned", lat=39.9, lon=116.4), bounds=WUHAN)
    assert (rejection.code, rejection.field) == ("out_of_range", "data.lat")
    assert rejection.message == "latitude 39.9 is outside the city bounds 29.97..31.37"


def test_longitude_outside_the_city_names_the_longitude() -> None:
    rejection = rejected(with_data("incident.reported", lon=120.0), bounds=WUHAN)
    assert (rejection.code, rejection.field) == ("out_of_range", "data.lon")


def test_pipeline_leaving_the_city_is_out_of_range_at_that_point() -> None:
    coords = [[30.5, 114.2], [30.6, 114.3], [32.0, 114.3]]
    rejection = rejected(with_data("pipeline.registered", coords=coords), bounds=WUHAN)
    assert (rejection.code, rejection.field) == ("out_of_range", "data.coords.2.0")


def test_without_bounds_any_point_on_the_globe_is_accepted() -> None:
    accepted(with_data("cylinder.scanned", lat=39.9, lon=116.4))


def test_event_without_coordinates_passes_the_bounds_check() -> None:
    accepted(wire("sensor.reading"), bounds=WUHAN)


# --- permissions ---


def test_type_outside_the_tokens_allowed_types_is_not_permitted() -> None:
    rejection = rejected(wire("alarm.raised"), allowed_types={"cylinder.scanned"})
    assert (rejection.code, rejection.field) == ("not_permitted", "type")
    assert "alarm.raised" in rejection.message
    assert rejection.event_id == "evt-1"


def test_type_within_the_allowed_types_is_accepted() -> None:
    accepted(wire("cylinder.scanned"), allowed_types=["cylinder.scanned"])


def test_permission_is_checked_before_the_data() -> None:
    raw = with_data("alarm.raised", lat="nowhere")
    assert rejected(raw, allowed_types=frozenset()).code == "not_permitted"


# --- never raises ---

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(
    ["id", "type", "occurred_at", "data", "lat", "lon", "code", "coords", "items", "photos"]
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_parse_never_raises_on_any_json_value(raw: object) -> None:
    result = parse_event(raw, now=NOW, bounds=WUHAN, allowed_types=None)
    assert isinstance(result, Event | Rejection)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(field_names | st.text(max_size=10), json_values, max_size=6),
    st.sampled_from(sorted(EVENT_TYPES)),
    json_scalars | st.just(AT),
)
def test_parse_never_raises_on_junk_under_a_real_type(
    data: dict[str, Any], event_type: str, occurred_at: object
) -> None:
    raw = {"id": "fuzz", "type": event_type, "occurred_at": occurred_at, "data": data}
    result = parse_event(raw, now=NOW, bounds=WUHAN, allowed_types=EVENT_TYPES)
    assert isinstance(result, Event | Rejection)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(EVENT_TYPES)), st.data())
def test_parse_never_raises_when_one_field_of_a_valid_event_is_junk(
    event_type: str, draw: st.DataObject
) -> None:
    data = copy.deepcopy(EXAMPLES[event_type])
    field = draw.draw(st.sampled_from(sorted(data)))
    data[field] = draw.draw(json_values | st.text(min_size=4000, max_size=5000))
    result = parse_event(wire(event_type, data), now=NOW, bounds=WUHAN)
    assert isinstance(result, Event | Rejection)
    if isinstance(result, Rejection):
        assert result.code in {"missing_field", "invalid_field", "out_of_range"}
        assert result.field.startswith("data")
        assert result.message


def test_data_base_class_is_not_an_event_type() -> None:
    assert EventData not in EVENT_TYPES.values()


def test_points_outside_the_twelve_point_scale_are_named() -> None:
    rejection = rejected(with_data("violation.recorded", points=4))
    assert rejection.message == "data.points must be one of 1, 2, 3, 6 or 12, got 4"


# --- administration: logged, never sent by a source ---


@pytest.mark.parametrize("event_type", sorted(ADMIN_EVENT_TYPES))
def test_no_source_may_send_an_administration_event_whatever_its_token_says(event_type) -> None:
    raw = {"id": "adm-1", "type": event_type, "occurred_at": AT, "data": {}}
    for allowed in (None, {event_type}, set(LOGGED_EVENT_TYPES)):
        rejection = rejected(raw, allowed_types=allowed)
        assert (rejection.code, rejection.field) == ("not_permitted", "type")
        assert "written by the command center" in rejection.message


def test_administration_events_are_logged_but_are_no_part_of_the_catalogue() -> None:
    assert not ADMIN_EVENT_TYPES.keys() & EVENT_TYPES.keys()
    assert LOGGED_EVENT_TYPES.keys() == EVENT_TYPES.keys() | ADMIN_EVENT_TYPES.keys()
    event = Event.of(UserDeactivated(username="wang"), id="user-1", occurred_at=NOW)
    assert Event.model_validate(event.to_wire()) == event  # as the log stores and reads it
