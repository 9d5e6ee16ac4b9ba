"""The event catalogue (shared/spec/events.md) as pydantic models, and the wire parser; and the
administration events (user accounts, ingest tokens) the command center logs for itself.

`parse_event` turns one decoded JSON value from an ingest frame into an `Event` or a `Rejection`
carrying one of the ingest protocol's per-event codes. It never raises on wire input, because one
bad event must never take down its neighbours in a frame (or the gateway).

Only stdlib, pydantic and the domain's roles here: the gateway, the simulators and data_access all
import this module.
"""

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializeAsAny,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from dashboard.domain.photos import photo_problem
from dashboard.domain.roles import Role

__all__ = [
    "ADMIN_EVENT_TYPES",
    "EVENT_TYPES",
    "FUTURE_TOLERANCE",
    "LOGGED_EVENT_TYPES",
    "NOTIFY_LEVELS",
    "REGISTRY_EVENT_TYPES",
    "SYSTEM_EVENT_TYPES",
    "AlarmAcknowledged",
    "AlarmCleared",
    "AlarmRaised",
    "ApiTokenCreated",
    "ApiTokenRevoked",
    "Bounds",
    "ChecklistPublished",
    "ComplaintReceived",
    "ComplaintUpdated",
    "CustomerRegistered",
    "CylinderDetained",
    "CylinderNotified",
    "CylinderRegistered",
    "CylinderReleased",
    "CylinderScanned",
    "DeliverySafetyChecked",
    "EnterpriseRegistered",
    "Event",
    "EventData",
    "ExcavationRegistered",
    "HazardEscalated",
    "HazardNotified",
    "HazardRedated",
    "HazardReported",
    "HazardUpdated",
    "IncidentClosed",
    "IncidentDispatched",
    "IncidentNotified",
    "IncidentNotifyRequested",
    "IncidentReported",
    "IncidentUpdate",
    "InspectionCompleted",
    "InspectionItem",
    "PipelineRegistered",
    "Rejection",
    "RejectionCode",
    "ResourceRegistered",
    "SafetyPhotos",
    "SensorReading",
    "SensorRegistered",
    "SessionEnded",
    "SessionStarted",
    "SiteRegistered",
    "TaskCancelled",
    "TaskCompleted",
    "TaskIssued",
    "TeamPosition",
    "TeamRegistered",
    "TeamStatus",
    "TokenCreated",
    "TokenRevoked",
    "UserChanged",
    "UserCreated",
    "UserDeactivated",
    "UserProfile",
    "ViolationRecorded",
    "WorkerRegistered",
    "choices",
    "parse_event",
]

FUTURE_TOLERANCE = timedelta(minutes=5)
DEFAULT_RETENTION = timedelta(days=400)

# ---------------------------------------------------------------------------------------------
# Field types. Scalars are strict so that "1" is not silently an int and 1 is not silently true:
# the wire contract is JSON, and lax coercion would hide client bugs behind plausible data.
# ---------------------------------------------------------------------------------------------

Id = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=128)]
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
# Free-form codes the spec does not enumerate (district, category, material, rule, ...).
Label = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strict=True, max_length=4000)]
# A photo is a URL or a content hash; 2048 is the de-facto URL limit of browsers and proxies.
Url = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=2048)]

Number = Annotated[float, Strict(), AllowInfNan(False)]
StrictInt = Annotated[int, Strict()]


def _check_lat(value: float) -> float:
    if not -90 <= value <= 90:
        raise PydanticCustomError(
            "latitude_range", "latitude {value} is outside -90..90", {"value": value}
        )
    return value


def _check_lon(value: float) -> float:
    if not -180 <= value <= 180:
        raise PydanticCustomError(
            "longitude_range", "longitude {value} is outside -180..180", {"value": value}
        )
    return value


def _check_points(value: int) -> int:
    if value not in (1, 2, 3, 6, 12):
        raise PydanticCustomError(
            "points_value", "points must be one of 1, 2, 3, 6 or 12, got {value}", {"value": value}
        )
    return value


Lat = Annotated[Number, AfterValidator(_check_lat)]
Lon = Annotated[Number, AfterValidator(_check_lon)]
# Literal[1, 2, 3, 6, 12] would accept true and 1.0, so membership is checked on a strict int.
Points = Annotated[StrictInt, AfterValidator(_check_points)]

_ASCII_DATE = r"\d{4}-\d{2}-\d{2}"
_DATE_RE = re.compile(_ASCII_DATE, re.ASCII)
_TIMESTAMP_RE = re.compile(
    _ASCII_DATE + r"[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)


def _timestamp_input(value: object) -> object:
    # pydantic alone would also take 1700000000 or "1700000000" as a UTC time; the wire says
    # RFC 3339, and a bare number there is far more likely a client bug than a Unix time.
    if isinstance(value, datetime):
        return value
    match = _TIMESTAMP_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("timestamp_format", "must be an RFC 3339 timestamp with offset")
    if match["offset"] is None:
        raise PydanticCustomError("timezone_aware", "must have a UTC offset")
    return value


def _date_input(value: object) -> object:
    # A datetime is a date subclass; taking one would silently drop its time and zone.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "must be a date like 2026-11-23")


def _aware(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "must have a UTC offset")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_timestamp_input), AfterValidator(_aware)]
Day = Annotated[date, BeforeValidator(_date_input)]


# ---------------------------------------------------------------------------------------------
# Data models
# ---------------------------------------------------------------------------------------------


class EventData(BaseModel):
    """Base of every event's `data`. Unknown fields are kept in `model_extra` and otherwise ignored,
    so that senders may add optional fields ahead of this catalogue (protocol: kept but ignored)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    event_type: ClassVar[str] = ""

    def positions(self) -> Iterator[tuple[str, str, float, float]]:
        """Every (lat path, lon path, lat, lon) in this data, for the city-bounds check."""
        # Declared fields only: getattr would also find an unknown `lat` kept in model_extra.
        fields = self.__dict__
        lat, lon = fields.get("lat"), fields.get("lon")
        if lat is not None and lon is not None:
            yield "data.lat", "data.lon", lat, lon


class _OptionalPosition(EventData):
    """Mixin for `lat?, lon?`: half a position cannot be placed on the map, so both or neither."""

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.__dict__.get("lat") is None) != (self.__dict__.get("lon") is None):
            raise PydanticCustomError("position_pair", "lat and lon must be given together")
        return self


# --- Registry (master data) ---


class EnterpriseRegistered(_OptionalPosition):
    event_type: ClassVar[str] = "enterprise.registered"
    enterprise_id: Id
    name: Name
    kind: Literal["pipeline", "bottled", "vehicle"]
    district: Label
    licence_no: Label | None = None
    lat: Lat | None = None
    lon: Lon | None = None


class SiteRegistered(EventData):
    event_type: ClassVar[str] = "site.registered"
    site_id: Id
    enterprise_id: Id
    kind: Literal[
        "filling_station",
        "supply_point",
        "gate_station",
        "regulator_station",
        "storage",
        "vehicle_station",
    ]
    name: Name
    district: Label
    lat: Lat
    lon: Lon


class WorkerRegistered(EventData):
    event_type: ClassVar[str] = "worker.registered"
    worker_id: Id
    enterprise_id: Id
    role: Literal["filler", "driver", "delivery", "inspector", "rescuer"]
    name: Name
    certificate_no: Label | None = None
    certificate_expires: Day | None = None


CustomerKind = Literal["household", "commercial", "industrial"]
CUSTOMER_KINDS: tuple[str, ...] = get_args(CustomerKind)


class CustomerRegistered(EventData):
    event_type: ClassVar[str] = "customer.registered"
    customer_id: Id
    kind: CustomerKind
    district: Label
    real_name_verified: Annotated[bool, Strict()]
    lat: Lat
    lon: Lon
    enterprise_id: Id | None = None


class CylinderRegistered(EventData):
    event_type: ClassVar[str] = "cylinder.registered"
    code: Id
    enterprise_id: Id
    capacity_kg: Annotated[Number, Field(gt=0, le=1000)]
    manufactured_on: Day
    last_inspected_on: Day
    next_inspection_due: Day
    scrap_due: Day


class PipelineRegistered(EventData):
    event_type: ClassVar[str] = "pipeline.registered"
    segment_id: Id
    enterprise_id: Id
    pressure_class: Literal["low", "medium", "high"]
    material: Label
    laid_year: Annotated[StrictInt, Field(ge=1800, le=2100)]
    coords: Annotated[list[tuple[Lat, Lon]], Field(min_length=2, max_length=10_000)]

    def positions(self) -> Iterator[tuple[str, str, float, float]]:
        for index, (lat, lon) in enumerate(self.coords):
            yield f"data.coords.{index}.0", f"data.coords.{index}.1", lat, lon


class SensorRegistered(EventData):
    event_type: ClassVar[str] = "sensor.registered"
    sensor_id: Id
    kind: Literal["pressure", "flow", "methane"]
    site_id: Id | None = None
    segment_id: Id | None = None
    lat: Lat
    lon: Lon
    low: Number | None = None
    high: Number | None = None

    @model_validator(mode="after")
    def _low_not_above_high(self) -> Self:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise PydanticCustomError("threshold_order", "low must not be above high")
        return self


Capability = Literal["leak_repair", "fire", "excavation", "cylinder", "medical"]


class TeamRegistered(EventData):
    event_type: ClassVar[str] = "team.registered"
    team_id: Id
    level: Literal["city", "district", "street", "enterprise"]
    owner_id: Id
    district: Label
    members: Annotated[StrictInt, Field(ge=1, le=100_000)]
    capabilities: Annotated[list[Capability], Field(max_length=50)]
    lat: Lat
    lon: Lon


class ResourceRegistered(_OptionalPosition):
    event_type: ClassVar[str] = "resource.registered"
    resource_id: Id
    kind: Literal["vehicle", "supply_depot", "expert"]
    name: Name
    team_id: Id | None = None
    district: Label | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    skills: Annotated[list[Label], Field(max_length=100)] | None = None


# --- LPG cylinder chain ---


class CylinderScanned(EventData):
    event_type: ClassVar[str] = "cylinder.scanned"
    code: Id
    stage: Literal[
        "inspection",
        "filling",
        "transport",
        "storage",
        "sale",
        "delivery",
        "use",
        "recovery",
        "scrap",
    ]
    site_id: Id | None = None
    worker_id: Id | None = None
    vehicle_id: Id | None = None
    customer_id: Id | None = None
    lat: Lat
    lon: Lon


class SafetyPhotos(BaseModel):
    """The four photos of a delivery safety check; each a URL or a content hash."""

    model_config = ConfigDict(extra="allow", frozen=True)

    storefront: Url
    cylinder_hose: Url
    stove_hose: Url
    surroundings: Url


class DeliverySafetyChecked(EventData):
    event_type: ClassVar[str] = "delivery.safety_checked"
    code: Id
    customer_id: Id
    worker_id: Id
    passed: Annotated[bool, Strict()]
    photos: SafetyPhotos
    findings: Annotated[list[Text], Field(max_length=100)] | None = None


class CylinderDetained(EventData):
    event_type: ClassVar[str] = "cylinder.detained"
    code: Id
    reason: Text
    enterprise_id: Id
    # A recall deadline is a day, like the other due dates of a cylinder.
    recall_by: Day
    by: Id


class CylinderRecalled(EventData):
    """Version 1.1: the enterprise has brought a detained cylinder back to one of its sites."""

    event_type: ClassVar[str] = "cylinder.recalled"
    code: Id
    site_id: Id
    by: Id
    note: Text | None = None


class CylinderRecallEscalated(EventData):
    """Version 1.1: a detained cylinder not recalled by its deadline (the rules runner, 督办)."""

    event_type: ClassVar[str] = "cylinder.recall_escalated"
    code: Id
    by: Id
    note: Text


class CylinderReleased(EventData):
    event_type: ClassVar[str] = "cylinder.released"
    code: Id
    by: Id
    note: Text
    # Version 1.1: how a detention ends; absent means released back into service.
    outcome: Literal["released", "scrapped"] | None = None


class CylinderNotified(EventData):
    """Version 1.1 (system): what became of telling of a detention on one channel, as
    `hazard.notified` for an escalation. `reason` detained: the enterprise is told to recall
    it; recall_escalated: the recall is late, the district office and the city are told too.
    `request_id` is the event it answers (the detention's id, or `recall-late:<detention id>`)."""

    event_type: ClassVar[str] = "cylinder.notified"
    code: Id
    detention_id: Id
    request_id: Id
    reason: Literal["detained", "recall_escalated"]
    levels: Annotated[list[Literal["city", "district", "enterprise"]], Field(min_length=1)]
    recipients: Annotated[list[Label], Field(max_length=1000)]
    channel: Label
    outcome: Literal["delivered", "failed"]
    attempts: Annotated[StrictInt, Field(ge=1, le=100)]
    error: Text | None = None


# --- Inspections and hazards ---


class InspectionItem(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    item: Label
    passed: Annotated[bool, Strict()]
    note: Text | None = None


class InspectionCompleted(EventData):
    event_type: ClassVar[str] = "inspection.completed"
    inspection_id: Id
    # "self_check" (version 1.1): an enterprise's own check of its objects (企业自查); it does
    # not count towards the authorities' coverage (dashboard/domain/coverage.py).
    kind: Literal["daily", "special", "third_party", "self_check"]
    target_type: Literal["enterprise", "site", "customer", "pipeline", "appliance"]
    target_id: Id
    district: Label
    inspector_id: Id
    items: Annotated[list[InspectionItem], Field(min_length=1, max_length=500)]
    lat: Lat
    lon: Lon
    task_id: Id | None = None  # version 1.1: the inspection task it was done for


class HazardReported(EventData):
    event_type: ClassVar[str] = "hazard.reported"
    hazard_id: Id
    inspection_id: Id | None = None
    # Not enumerated for hazards in the spec (unlike inspection.completed), so kept open.
    target_type: Label
    target_id: Id
    district: Label
    category: Label
    level: Literal["general", "major"]
    description: Text
    lat: Lat
    lon: Lon
    due_at: Timestamp
    # version 1.1: how it was found (dashboard/domain/hazards.py ORIGINS); when absent, the
    # projection derives it from the inspection it came from.
    origin: Literal["inspection", "self_report", "complaint", "sensor", "manual"] | None = None


class HazardUpdated(EventData):
    event_type: ClassVar[str] = "hazard.updated"
    hazard_id: Id
    status: Literal["assigned", "rectifying", "rectified", "verified", "closed", "reopened"]
    actor: Id
    note: Text | None = None
    photos: Annotated[list[Url], Field(max_length=50)] | None = None


class HazardRedated(EventData):
    """An addition to the catalogue (version 1.1, system): a supervisor set a hazard a new due
    date (the status stays as it is)."""

    event_type: ClassVar[str] = "hazard.redated"
    hazard_id: Id
    due_at: Timestamp
    by: Id
    note: Text | None = None


class HazardEscalated(EventData):
    event_type: ClassVar[str] = "hazard.escalated"
    hazard_id: Id
    level: Literal["district", "city"]
    by: Id
    note: Text


class HazardNotified(EventData):
    """An addition to the catalogue (version 1.1, system): what became of telling the
    responsible levels of an escalation (督办) on one channel, as `incident.notified` for an
    incident; `request_id` is the id of the `hazard.escalated` event it answers."""

    event_type: ClassVar[str] = "hazard.notified"
    hazard_id: Id
    request_id: Id
    levels: Annotated[list[Literal["city", "district", "enterprise"]], Field(min_length=1)]
    recipients: Annotated[list[Label], Field(max_length=1000)]
    channel: Label
    outcome: Literal["delivered", "failed"]
    attempts: Annotated[StrictInt, Field(ge=1, le=100)]
    error: Text | None = None


# --- Inspection tasks and checklists (version 1.1, system: dashboard/domain/tasks.py) ---


class ChecklistPublished(EventData):
    """An addition (version 1.1, system): a gas office published a checklist (检查表); publishing
    the same checklist_id again replaces its title and items."""

    event_type: ClassVar[str] = "checklist.published"
    checklist_id: Id
    title: Name
    items: Annotated[list[Label], Field(min_length=1, max_length=100)]
    campaign: Annotated[bool, Strict()] = False
    by: Id


TaskTarget = Literal["enterprise", "site", "customer"]


class TaskIssued(EventData):
    """An addition (version 1.1, system): a gas office issued an inspection task to a district's
    office (`assignee`); `districts` names every district the same issue went to (one task each).
    The scope: `target_types`, optionally only the customers of `customer_kinds`, the objects of
    `enterprise_ids`, or the objects `target_ids`. `office`: who issued it (the city's office, or
    the district's office to itself)."""

    event_type: ClassVar[str] = "task.issued"
    task_id: Id
    title: Name
    checklist_id: Id
    assignee: Label
    districts: Annotated[list[Label], Field(min_length=1, max_length=100)] | None = None
    target_types: Annotated[list[TaskTarget], Field(min_length=1, max_length=3)]
    customer_kinds: (
        Annotated[list[Literal["commercial", "industrial"]], Field(max_length=2)] | None
    ) = None
    enterprise_ids: Annotated[list[Id], Field(max_length=5000)] | None = None
    target_ids: Annotated[list[Id], Field(max_length=20000)] | None = None
    deadline: Timestamp
    by: Id
    office: Literal["city", "district"] = "city"
    note: Text | None = None


class TaskCompleted(EventData):
    """An addition (version 1.1, system): an inspection task was reported done."""

    event_type: ClassVar[str] = "task.completed"
    task_id: Id
    by: Id
    note: Text | None = None


class TaskCancelled(EventData):
    """An addition (version 1.1, system): the issuing office withdrew an inspection task."""

    event_type: ClassVar[str] = "task.cancelled"
    task_id: Id
    by: Id
    reason: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=4000)]


# --- Pipelines, excavation and sensors ---


class ExcavationRegistered(EventData):
    event_type: ClassVar[str] = "excavation.registered"
    permit_id: Id
    contractor: Name
    district: Label
    lat: Lat
    lon: Lon
    radius_m: Annotated[Number, Field(gt=0, le=100_000)]
    starts_on: Day
    ends_on: Day
    agreement_signed: Annotated[bool, Strict()]

    @model_validator(mode="after")
    def _starts_before_it_ends(self) -> Self:
        if self.starts_on > self.ends_on:
            raise PydanticCustomError("date_order", "starts_on must not be after ends_on")
        return self


class SensorReading(EventData):
    event_type: ClassVar[str] = "sensor.reading"
    sensor_id: Id
    value: Number


class AlarmRaised(EventData):
    event_type: ClassVar[str] = "alarm.raised"
    alarm_id: Id
    sensor_id: Id | None = None
    kind: Label
    level: Literal["warning", "critical"]
    value: Number | None = None
    lat: Lat
    lon: Lon


class AlarmAcknowledged(EventData):
    event_type: ClassVar[str] = "alarm.acknowledged"
    alarm_id: Id
    by: Id
    note: Text | None = None


class AlarmCleared(EventData):
    event_type: ClassVar[str] = "alarm.cleared"
    alarm_id: Id
    by: Id | None = None


# --- Emergencies ---


class IncidentReported(EventData):
    event_type: ClassVar[str] = "incident.reported"
    incident_id: Id
    kind: Literal["leak", "fire", "explosion", "odor", "pipeline_damage", "cylinder"]
    channel: Literal["fire_119", "hotline_96511", "sensor", "patrol", "public"]
    lat: Lat
    lon: Lon
    address: Text
    severity: Annotated[StrictInt, Field(ge=1, le=4)]
    description: Text


class IncidentDispatched(EventData):
    event_type: ClassVar[str] = "incident.dispatched"
    incident_id: Id
    team_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    by: Id
    eta_minutes: Annotated[Number, Field(ge=0, le=10_000)]


NotifyLevel = Literal["city", "district", "street", "enterprise"]
# The four levels told of an incident (四级: 市、区、街道、企业), in this order everywhere.
NOTIFY_LEVELS: tuple[str, ...] = get_args(NotifyLevel)


class IncidentNotified(EventData):
    event_type: ClassVar[str] = "incident.notified"
    incident_id: Id
    levels: Annotated[list[NotifyLevel], Field(min_length=1, max_length=4)]
    recipients: Annotated[list[Label], Field(max_length=1000)]
    channel: Label
    # Optional additions (the catalogue allows them): what became of the delivery. A failed
    # delivery is recorded too, so the log shows every attempt; it notifies no level.
    outcome: Literal["delivered", "failed"] | None = None
    attempts: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    error: Text | None = None
    request_id: Id | None = None  # the incident.notify_requested this delivery answers


class IncidentNotifyRequested(EventData):
    """An addition to the catalogue (system): the desk asked for the incident's levels to be
    told. The request is recorded with the action; a delivery worker sends it and records each
    channel's outcome as `incident.notified` with this `request_id` (an outbox)."""

    event_type: ClassVar[str] = "incident.notify_requested"
    incident_id: Id
    request_id: Id
    levels: Annotated[list[NotifyLevel], Field(min_length=1, max_length=4)]
    by: Id


class TeamPosition(EventData):
    event_type: ClassVar[str] = "team.position"
    team_id: Id
    lat: Lat
    lon: Lon
    speed_kmh: Annotated[Number, Field(ge=0, le=1000)] | None = None
    heading: Annotated[Number, Field(ge=0, le=360)] | None = None


class TeamStatus(EventData):
    event_type: ClassVar[str] = "team.status"
    team_id: Id
    status: Literal["available", "dispatched", "en_route", "on_scene", "returning", "off_duty"]
    incident_id: Id | None = None


class IncidentUpdate(EventData):
    event_type: ClassVar[str] = "incident.update"
    incident_id: Id
    author: Id
    text: Text
    status: Literal["on_scene", "contained", "resolved"] | None = None
    photos: Annotated[list[Url], Field(max_length=50)] | None = None


class IncidentClosed(EventData):
    event_type: ClassVar[str] = "incident.closed"
    incident_id: Id
    by: Id
    summary: Text
    casualties: Annotated[StrictInt, Field(ge=0)] | None = None


# --- Service, complaints and violations ---


class ComplaintReceived(_OptionalPosition):
    event_type: ClassVar[str] = "complaint.received"
    complaint_id: Id
    channel: Literal["hotline_96511", "wechat", "web", "qr_check"]
    category: Label
    district: Label
    text: Text
    lat: Lat | None = None
    lon: Lon | None = None
    code: Id | None = None
    # Version 1.1: the enterprise complained about (a QR check names the cylinder's).
    enterprise_id: Id | None = None


class ComplaintUpdated(EventData):
    event_type: ClassVar[str] = "complaint.updated"
    complaint_id: Id
    status: Literal["assigned", "escalated", "replied", "closed"]
    actor: Id
    satisfaction: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    # Version 1.1, all optional: who it is passed down to (逐级转办) and, for an enterprise,
    # which; the reply or the note; the hazard or incident the complaint was turned into.
    handler: Literal["city", "district", "enterprise"] | None = None
    enterprise_id: Id | None = None
    note: Text | None = None
    hazard_id: Id | None = None
    incident_id: Id | None = None


class ViolationRecorded(EventData):
    event_type: ClassVar[str] = "violation.recorded"
    violation_id: Id
    subject_type: Literal["enterprise", "site", "worker"]
    subject_id: Id
    rule: Label
    points: Points
    evidence: Text | None = None


# --- Administration: user accounts and ingest tokens (docs/administration.md) ---
#
# Not in the catalogue: the command center's own record, written by its administration commands
# only (data_access/commands/admin.py), never accepted from a source whatever its token says
# (parse_event), never sent on the live channel. They hold one-way hashes, never a secret.

Username = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
DisplayName = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100)]
PasswordHash = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=256)]
Sha256 = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")]


class UserProfile(BaseModel):
    """What an administrator sets of a user: the role, its binding and the display name."""

    model_config = ConfigDict(extra="allow", frozen=True)

    role: Role
    display_name: DisplayName
    district: Label | None = None  # a district officer's district
    enterprise_id: Id | None = None  # an enterprise user's enterprise


class UserCreated(EventData):
    event_type: ClassVar[str] = "user.created"
    username: Username
    role: Role
    display_name: DisplayName
    district: Label | None = None
    enterprise_id: Id | None = None
    password_hash: PasswordHash  # dashboard.auth's salted one-way hash


class UserChanged(EventData):
    """The user's role, binding or display name changed: the new values, and the previous."""

    event_type: ClassVar[str] = "user.changed"
    username: Username
    role: Role
    display_name: DisplayName
    district: Label | None = None
    enterprise_id: Id | None = None
    previous: UserProfile


class UserDeactivated(EventData):
    event_type: ClassVar[str] = "user.deactivated"
    username: Username


class UserPasswordReset(EventData):
    """An administrator set a new password: its hash, as user.created holds it."""

    event_type: ClassVar[str] = "user.password_reset"
    username: Username
    password_hash: PasswordHash  # dashboard.auth's salted one-way hash


class TokenCreated(EventData):
    """An ingest token for `source`: only its SHA-256 is recorded, never the token."""

    event_type: ClassVar[str] = "token.created"
    source: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
    types: Annotated[list[Label], Field(min_length=1, max_length=100)]
    label: Name | None = None
    enterprise_id: Id | None = None  # the only enterprise whose objects the source may act on
    token_hash: Sha256


class TokenRevoked(EventData):
    """`token_hash` names the token for good; `token_id` is the number operators saw."""

    event_type: ClassVar[str] = "token.revoked"
    token_id: Annotated[StrictInt, Field(ge=1)]
    token_hash: Sha256


class SessionStarted(EventData):
    """A user signed in: a new server-side session, named by the SHA-256 of its random id (the
    id itself lives only in the user's signed cookie)."""

    event_type: ClassVar[str] = "session.started"
    username: Username
    session_hash: Sha256
    address: Annotated[str, StringConstraints(strict=True, max_length=64)] | None = None


class SessionEnded(EventData):
    """A session ended: signed out, idle too long, past its 12 hours, or replaced by a new
    sign-in in the same browser. (A role change or deactivation ends them all: user.*)."""

    event_type: ClassVar[str] = "session.ended"
    username: Username
    session_hash: Sha256
    reason: Literal["logout", "idle", "expired", "replaced"]


class ApiTokenCreated(EventData):
    """A personal API token of `username` (docs/api.md): it carries the user's role and scope.
    Only its SHA-256 is recorded, never the token."""

    event_type: ClassVar[str] = "api_token.created"
    username: Username
    label: Name | None = None
    token_hash: Sha256


class ApiTokenRevoked(EventData):
    """`token_hash` names the token for good; `token_id` is the number its owner saw."""

    event_type: ClassVar[str] = "api_token.revoked"
    token_id: Annotated[StrictInt, Field(ge=1)]
    token_hash: Sha256


class ScoringChanged(EventData):
    """A new version of the scoring weights and thresholds (dashboard/domain/scoring.py): the
    whole configuration before and after, and the dotted keys that changed. The acting admin is
    the event's source; `reason` is what they gave."""

    event_type: ClassVar[str] = "scoring.changed"
    version: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)]
    old_version: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)]
    old: dict[str, Any]
    new: dict[str, Any]
    keys: list[Annotated[str, StringConstraints(strict=True, max_length=128)]]
    reason: Text | None = None


_DATA_MODELS: tuple[type[EventData], ...] = (
    EnterpriseRegistered,
    SiteRegistered,
    WorkerRegistered,
    CustomerRegistered,
    CylinderRegistered,
    PipelineRegistered,
    SensorRegistered,
    TeamRegistered,
    ResourceRegistered,
    CylinderScanned,
    DeliverySafetyChecked,
    CylinderDetained,
    CylinderRecalled,
    CylinderRecallEscalated,
    CylinderReleased,
    CylinderNotified,
    InspectionCompleted,
    HazardReported,
    HazardUpdated,
    HazardRedated,
    HazardEscalated,
    HazardNotified,
    ChecklistPublished,
    TaskIssued,
    TaskCompleted,
    TaskCancelled,
    ExcavationRegistered,
    SensorReading,
    AlarmRaised,
    AlarmAcknowledged,
    AlarmCleared,
    IncidentReported,
    IncidentDispatched,
    IncidentNotified,
    IncidentNotifyRequested,
    TeamPosition,
    TeamStatus,
    IncidentUpdate,
    IncidentClosed,
    ComplaintReceived,
    ComplaintUpdated,
    ViolationRecorded,
)

# The catalogue: what a source may send (as far as its token allows).
EVENT_TYPES: dict[str, type[EventData]] = {model.event_type: model for model in _DATA_MODELS}

# Administration: logged like the catalogue's events, but written by the command center only;
# never accepted from a source whatever its token says, never sent on the live channel.
ADMIN_EVENT_TYPES: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (
        UserCreated,
        UserChanged,
        UserDeactivated,
        UserPasswordReset,
        TokenCreated,
        TokenRevoked,
        SessionStarted,
        SessionEnded,
        ApiTokenCreated,
        ApiTokenRevoked,
        ScoringChanged,
    )
}

# Every type the event log holds.
LOGGED_EVENT_TYPES: dict[str, type[EventData]] = EVENT_TYPES | ADMIN_EVENT_TYPES

SYSTEM_EVENT_TYPES: frozenset[str] = frozenset(
    {
        "cylinder.detained",
        "cylinder.released",
        "cylinder.recalled",
        "cylinder.recall_escalated",
        "cylinder.notified",
        "hazard.escalated",
        "hazard.redated",
        "hazard.notified",
        "checklist.published",
        "task.issued",
        "task.completed",
        "task.cancelled",
        "alarm.raised",
        "alarm.acknowledged",
        "incident.dispatched",
        "incident.notified",
        "incident.notify_requested",
        "incident.closed",
    }
)

# The spec's "Registry (master data)" section. excavation.registered is a permit with a lifetime,
# listed under pipelines, not master data.
REGISTRY_EVENT_TYPES: frozenset[str] = frozenset(
    {
        "enterprise.registered",
        "site.registered",
        "worker.registered",
        "customer.registered",
        "cylinder.registered",
        "pipeline.registered",
        "sensor.registered",
        "team.registered",
        "resource.registered",
    }
)


# ---------------------------------------------------------------------------------------------
# Envelope
# ---------------------------------------------------------------------------------------------


class Event(BaseModel):
    """One event as on the wire. `data` is the typed model that `type` names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    type: str
    occurred_at: Timestamp
    # SerializeAsAny: dump the concrete data model's fields, not just the (empty) base's.
    data: SerializeAsAny[EventData]

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in LOGGED_EVENT_TYPES:
            raise PydanticCustomError(
                "unknown_type", "unknown event type {value!r}", {"value": value}
            )
        return value

    @field_validator("data", mode="before")
    @classmethod
    def _data_of_its_type(cls, value: object, info: ValidationInfo) -> object:
        model = LOGGED_EVENT_TYPES.get(info.data.get("type", ""))
        if model is None or type(value) is model:
            return value
        if isinstance(value, EventData):
            # Re-validating via a dict keeps a wrong-class instance from passing as another type.
            value = value.model_dump()
        return model.model_validate(value)

    @classmethod
    def of(cls, data: EventData, *, id: str, occurred_at: datetime) -> Self:
        """Wrap a data model, taking the type from its class (for simulators and the system)."""
        return cls(id=id, type=data.event_type, occurred_at=occurred_at, data=data)

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict of this event; occurred_at in RFC 3339 with its offset."""
        return self.model_dump(mode="json", exclude_none=True)


# ---------------------------------------------------------------------------------------------
# Parsing and rejections
# ---------------------------------------------------------------------------------------------

RejectionCode = Literal[
    "unknown_type",
    "missing_field",
    "invalid_field",
    "out_of_range",
    "not_permitted",
    "unknown_reference",
]


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one event was rejected, in the shape of an ack's `rejected` entry (minus its index)."""

    code: RejectionCode
    field: str
    message: str
    event_id: str | None = None

    def to_ack(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "id": self.event_id,
            "code": self.code,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Bounds:
    """The city's bounding box in WGS84 degrees (a city never straddles the antimeridian)."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        if not (-90 <= self.south <= self.north <= 90 and -180 <= self.west <= self.east <= 180):
            raise ValueError(f"bounds {self} are not a south-west/north-east box")

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


class _Rejected(Exception):
    def __init__(self, code: RejectionCode, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


class _Head(BaseModel):
    """Just id and type, checked first: everything after depends on knowing the type."""

    model_config = ConfigDict(extra="ignore")

    id: Id
    type: Annotated[str, Strict()]


def parse_event(
    raw: object,
    *,
    now: datetime,
    bounds: Bounds | None = None,
    retention: timedelta = DEFAULT_RETENTION,
    allowed_types: Collection[str] | None = None,
    photo_hosts: Collection[str] = (),
) -> Event | Rejection:
    """Validate one decoded JSON value as an event; never raises for any `raw`.

    `now` must be timezone-aware. `allowed_types` is what the sending token may send (None: any);
    the administration types are refused whatever it says. `photo_hosts`: the hosts whose https
    URLs a photo may name (GASCC_PHOTO_HOSTS); content hashes are always accepted.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    event_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        event = _validate(raw, allowed_types)
        _check_time(event.occurred_at, now, retention)
        _check_bounds(event.data, bounds)
        _check_photos(event.data, photo_hosts)
        _check_no_nul(raw)
    except _Rejected as rejected:
        return Rejection(
            rejected.code,
            rejected.field,
            rejected.message,
            event_id if isinstance(event_id, str) else None,
        )
    return event


def _validate(raw: object, allowed_types: Collection[str] | None) -> Event:
    if not isinstance(raw, dict):
        raise _Rejected("invalid_field", "", f"an event must be a JSON object, not {_shown(raw)}")
    try:
        head = _Head.model_validate(raw)
    except ValidationError as error:
        raise _from_pydantic(error.errors()[0]) from None
    if head.type in ADMIN_EVENT_TYPES:
        message = f"{head.type!r} events are written by the command center, never by a source"
        raise _Rejected("not_permitted", "type", message)
    if head.type not in EVENT_TYPES:
        raise _Rejected("unknown_type", "type", f"unknown event type {_clip(head.type)}")
    if allowed_types is not None and head.type not in allowed_types:
        message = f"this source may not send {head.type!r} events"
        raise _Rejected("not_permitted", "type", message)
    try:
        return Event.model_validate(raw)
    except ValidationError as error:
        raise _from_pydantic(error.errors()[0]) from None


def _check_time(occurred_at: datetime, now: datetime, retention: timedelta) -> None:
    if occurred_at - now > FUTURE_TOLERANCE:
        message = f"occurred_at {occurred_at.isoformat()} is more than 5 minutes in the future"
        raise _Rejected("out_of_range", "occurred_at", message)
    if now - occurred_at > retention:
        message = (
            f"occurred_at {occurred_at.isoformat()} is older than the retention window "
            f"of {_duration(retention)}"
        )
        raise _Rejected("out_of_range", "occurred_at", message)


def _duration(span: timedelta) -> str:
    return f"{span.days} days" if span.seconds == span.microseconds == 0 else str(span)


def _check_bounds(data: EventData, bounds: Bounds | None) -> None:
    if bounds is None:
        return
    for lat_path, lon_path, lat, lon in data.positions():
        if not bounds.south <= lat <= bounds.north:
            message = f"latitude {lat} is outside the city bounds {bounds.south}..{bounds.north}"
            raise _Rejected("out_of_range", lat_path, message)
        if not bounds.west <= lon <= bounds.east:
            message = f"longitude {lon} is outside the city bounds {bounds.west}..{bounds.east}"
            raise _Rejected("out_of_range", lon_path, message)


_SAFETY_PHOTOS = tuple(SafetyPhotos.model_fields)


def _check_photos(data: EventData, hosts: Collection[str]) -> None:
    """Photo references are put into URLs by the pages and the PDF: only well-formed content
    hashes and https URLs on an allowed host get in (dashboard/domain/photos.py)."""
    photos = data.__dict__.get("photos")  # declared fields only, like positions()
    if isinstance(photos, SafetyPhotos):
        named = [(f"data.photos.{name}", photos.__dict__[name]) for name in _SAFETY_PHOTOS]
    else:
        named = [(f"data.photos.{index}", ref) for index, ref in enumerate(photos or ())]
    for path, reference in named:
        problem = photo_problem(reference, hosts)
        if problem is not None:
            raise _Rejected("invalid_field", path, f"{problem}; got {_shown(reference)}")


def _check_no_nul(raw: object) -> None:
    """No NUL (U+0000) in any string: PostgreSQL's text cannot hold one, so a single such event
    would fail its whole batch's transaction instead of being told what is wrong."""
    try:
        maybe = "\\x00" in repr(raw)  # fast (repr is C); a literal "\x00" text gives a maybe
        if maybe:
            _find_nul(raw, "")
    except RecursionError:
        raise _Rejected("invalid_field", "", "the event is nested too deeply") from None


def _find_nul(value: object, path: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise _Rejected("invalid_field", path, f"{path or 'a value'} contains a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _find_nul(key, path)
            _find_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _find_nul(item, f"{path}.{index}")


# --- pydantic errors to plain words ---

_EXPECTED = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "list": "a list",
    "tuple": "a list",
    "dict": "an object",
    "model": "an object",
    "model_attributes": "an object",
    "date": "a date like 2026-11-23",
    "datetime": "an RFC 3339 timestamp with offset, like 2026-11-23T18:02:11+08:00",
    "timestamp": "an RFC 3339 timestamp with offset, like 2026-11-23T18:02:11+08:00",
}


def _from_pydantic(error: ErrorDetails) -> _Rejected:
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return _Rejected("missing_field", field, f"field {field} is required")
    if error["type"] == "unknown_type":
        return _Rejected("unknown_type", field, f"unknown event type {_clip(error['input'])}")
    return _Rejected("invalid_field", field, _message(error, field))


def _message(error: ErrorDetails, field: str) -> str:
    kind, ctx, value = error["type"], error.get("ctx", {}), error["input"]
    shown = _shown(value)
    if kind == "extra_forbidden":
        return f"unknown top-level field {field!r}; an event has only id, type, occurred_at, data"
    if kind in _OWN_MESSAGES:
        return error["msg"]
    if kind == "timezone_aware":
        return f"{field} {shown} has no UTC offset; naive timestamps are not accepted"
    if kind == "points_value":
        return f"{field} must be one of 1, 2, 3, 6 or 12, got {shown}"
    if kind == "literal_error":
        return f"{field} must be one of {ctx.get('expected')}, not {shown}"
    if kind in _LIMITS:
        return f"{field} {_LIMITS[kind]} {_limit(ctx)}, got {shown}"
    if kind in _SIZES:
        return _size_message(kind, field, ctx, value)
    return _type_message(kind, field, shown) or f"{field}: {error['msg']} (got {shown})"


_LIMITS = {
    "greater_than": "must be greater than",
    "greater_than_equal": "must be at least",
    "less_than": "must be less than",
    "less_than_equal": "must be at most",
}
# Raised by this module's own validators, whose messages are already plain words.
_OWN_MESSAGES = frozenset(
    {
        "latitude_range",
        "longitude_range",
        "position_pair",
        "threshold_order",
        "date_order",
    }
)
_SIZES = ("string_too_short", "string_too_long", "too_short", "too_long")


def _limit(ctx: dict[str, Any]) -> object:
    return next((ctx[key] for key in ("gt", "ge", "lt", "le") if key in ctx), "?")


def _size_message(kind: str, field: str, ctx: dict[str, Any], value: object) -> str:
    if kind == "string_too_short":
        return f"{field} must not be empty"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "?"
        return f"{field} is too long: {length} characters, at most {ctx.get('max_length')}"
    if kind == "too_short":
        return f"{field} needs at least {ctx.get('min_length')} item(s)"
    return f"{field} has too many items: at most {ctx.get('max_length')}"


def _type_message(kind: str, field: str, shown: str) -> str | None:
    if kind == "finite_number":
        return f"{field} must be a finite number, not {shown}"
    for prefix in sorted(_EXPECTED, key=len, reverse=True):
        if kind.startswith(prefix + "_"):
            return f"{field} must be {_EXPECTED[prefix]}, not {shown}"
    return None


def _clip(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(value: object) -> str:
    """A short description of a wire value; never the whole of a huge one."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return _clip(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def choices(model: type[EventData], field: str) -> tuple[str, ...]:
    """The allowed values of an enum field, e.g. choices(SiteRegistered, "kind")."""
    annotation = model.model_fields[field].annotation
    return tuple(value for value in get_args(annotation) if isinstance(value, str))
