"""SQLAlchemy 2.0 models: the registry, the append-only event log, projections and users.

The registry holds master data (who and what exists); the event log holds every change, in order;
projections are the current state derived from the log, updated in the same transaction.
All timestamps are stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dashboard.domain.audit import SUBJECT_KEYS

# Stable constraint names, so that migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants 64 bits for the log.
SequenceNumber = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # SQLite keeps DATETIME as text ("YYYY-MM-DD HH:MM:SS.ffffff"). The ingest path converts tens
    # of thousands of these a second, so on SQLite the two conversion steps (ours, then the
    # dialect's text formatting or parsing) are fused into one C-level call each way.
    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        last: list[Any] = [None, None]  # a batch shares one received_at: convert it once

        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value is last[0]:
                return last[1]
            if value.tzinfo is None:
                raise ValueError("naive datetime given; store aware datetimes only")
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            last[:] = value, text
            return text

        return to_text

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Table behind a mapped class, typed as one (`__table__` is typed as any FromClause)."""
    return cast(Table, model.__table__)


def _id(length: int = 64) -> Mapped[str]:
    return mapped_column(String(length), primary_key=True)


def _district() -> Mapped[str]:
    return mapped_column(String(12), ForeignKey("districts.code"), index=True)


# --- registry -------------------------------------------------------------------------------


class District(Base):
    __tablename__ = "districts"
    code: Mapped[str] = _id(12)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    population: Mapped[int] = mapped_column(Integer)
    area_km2: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)


class GridCell(Base):
    __tablename__ = "grid_cells"
    code: Mapped[str] = _id(24)
    district: Mapped[str] = _district()
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    area_km2: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)


class Enterprise(Base):
    __tablename__ = "enterprises"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # pipeline | bottled | vehicle
    district: Mapped[str] = _district()
    licence_no: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[str] = _id()
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = _district()
    grid_cell: Mapped[str | None] = mapped_column(String(24))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Worker(Base):
    __tablename__ = "workers"
    id: Mapped[str] = _id()
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    certificate_expires: Mapped[date | None] = mapped_column(Date)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[str] = _id()
    kind: Mapped[str] = mapped_column(String(16))  # household | commercial | industrial
    district: Mapped[str] = mapped_column(String(12))  # indexed with kind, below
    grid_cell: Mapped[str | None] = mapped_column(String(24))
    real_name_verified: Mapped[bool] = mapped_column(Boolean)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    enterprise_id: Mapped[str | None] = mapped_column(String(64))


class Cylinder(Base):
    __tablename__ = "cylinders"
    code: Mapped[str] = _id()
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    capacity_kg: Mapped[float] = mapped_column(Float)
    manufactured_on: Mapped[date] = mapped_column(Date)
    last_inspected_on: Mapped[date] = mapped_column(Date)
    next_inspection_due: Mapped[date] = mapped_column(Date, index=True)
    scrap_due: Mapped[date] = mapped_column(Date)


class PipelineSegment(Base):
    __tablename__ = "pipeline_segments"
    id: Mapped[str] = _id()
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    pressure_class: Mapped[str] = mapped_column(String(8))  # low | medium | high
    material: Mapped[str] = mapped_column(String(32))
    laid_year: Mapped[int] = mapped_column(Integer)
    district: Mapped[str] = _district()
    length_m: Mapped[float] = mapped_column(Float)
    coords: Mapped[list[list[float]]] = mapped_column(JSON)  # [[lat, lon], ...]
    # The bounding box of `coords`, so that "pipelines near this point" is a range query instead
    # of reading every polyline (excavation rule). Filled on every write of a segment.
    min_lat: Mapped[float | None] = mapped_column(Float)
    min_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)


class Sensor(Base):
    __tablename__ = "sensors"
    id: Mapped[str] = _id()
    kind: Mapped[str] = mapped_column(String(16))  # pressure | flow | methane
    site_id: Mapped[str | None] = mapped_column(String(64), index=True)
    segment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    district: Mapped[str] = _district()
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # city | district | street | enterprise
    owner_id: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = _district()
    members: Mapped[int] = mapped_column(Integer)
    capabilities: Mapped[list[str]] = mapped_column(JSON)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Resource(Base):
    __tablename__ = "resources"
    id: Mapped[str] = _id()
    kind: Mapped[str] = mapped_column(String(16))  # vehicle | supply_depot | expert
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(64), index=True)
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    skills: Mapped[list[str] | None] = mapped_column(JSON)


# --- the event log --------------------------------------------------------------------------


class EventRecord(Base):
    """One accepted event. Append-only: rows are never updated or deleted."""

    __tablename__ = "event_log"
    __table_args__ = (UniqueConstraint("source", "event_id"),)
    seq: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(48), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(64))  # the acting user, for system events
    district: Mapped[str | None] = mapped_column(String(12), index=True)  # for scoped replay
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


# The audit trail (data_access/queries/audit.py) finds an actor's or an object's events, newest
# first, among millions. The subject (dashboard/domain/audit.py) is one SQL expression, the same
# text on SQLite (3.38+) and PostgreSQL so that both use the index for it.
EVENT_SUBJECT_SQL = "CAST(COALESCE({}) AS TEXT)".format(
    ", ".join(f"data ->> '{key}'" for key in SUBJECT_KEYS)
)
Index("ix_event_log_actor_seq", EventRecord.actor, EventRecord.seq)
Index("ix_event_log_subject_seq", text(EVENT_SUBJECT_SQL), EventRecord.seq)


# --- projections ----------------------------------------------------------------------------


class CylinderState(Base):
    """Each cylinder's current stage, place and holder."""

    __tablename__ = "cylinder_states"
    code: Mapped[str] = _id()
    stage: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[str | None] = mapped_column(String(64))
    holder_type: Mapped[str | None] = mapped_column(String(16))  # site | worker | customer
    holder_id: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    is_black: Mapped[bool] = mapped_column(Boolean, default=False)
    detained: Mapped[bool] = mapped_column(Boolean, default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber)


class Finding(Base):
    """A rule's finding for the supervisors (black cylinder, overdue filling, ...)."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject_id: Mapped[str] = mapped_column(String(128))
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber, index=True)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    # The event that resolved it (data_access/projections/findings.py says which events do).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_seq: Mapped[int | None] = mapped_column(SequenceNumber)
    resolution: Mapped[str | None] = mapped_column(String(200))


# Open findings are looked up by subject (a cylinder code, a permit) when events resolve them.
Index("ix_findings_subject_id_kind", Finding.subject_id, Finding.kind)


class InspectionRecord(Base):
    __tablename__ = "inspections"
    id: Mapped[str] = _id(128)
    kind: Mapped[str] = mapped_column(String(16))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(128), index=True)
    district: Mapped[str] = mapped_column(String(12), index=True)
    inspector_id: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # [{item, passed, note?}] as the event gave them; None for rows older than migration 0011
    # whose event is no longer in the log
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    task_id: Mapped[str | None] = mapped_column(String(128), index=True)


class Hazard(Base):
    __tablename__ = "hazards"
    # The board's counts per district of the open ones (docs/benchmarks.md, "Hazard board").
    __table_args__ = (Index("ix_hazards_district_status", "district", "status"),)
    id: Mapped[str] = _id(128)
    inspection_id: Mapped[str | None] = mapped_column(String(128))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(128))
    district: Mapped[str] = mapped_column(String(12), index=True)
    category: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))  # general | major
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), index=True)
    escalation: Mapped[str | None] = mapped_column(String(16))  # district | city
    # The responsible enterprise: its target's (the enterprise itself, or the owner of the site,
    # customer or pipeline); None when nobody owns the target (an appliance, a household).
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)
    number: Mapped[str | None] = mapped_column(String(40), index=True, unique=True)  # YH-...
    origin: Mapped[str] = mapped_column(String(16), server_default="manual")  # hazards ORIGINS
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HazardStatusChange(Base):
    __tablename__ = "hazard_status_history"
    id: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=True)
    hazard_id: Mapped[str] = mapped_column(ForeignKey("hazards.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[str] | None] = mapped_column(JSON)  # of hazard.updated (rectified: proof)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # of hazard.redated: the new one
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber)


class Checklist(Base):
    """A published checklist (checklist.published; dashboard/domain/tasks.py)."""

    __tablename__ = "checklists"
    id: Mapped[str] = _id(128)
    title: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[str]] = mapped_column(JSON)
    campaign: Mapped[bool] = mapped_column(Boolean)
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InspectionTask(Base):
    """An inspection task issued to one district's office (task.issued, .completed,
    .cancelled); its scope as issued, its progress read from the inspections naming it."""

    __tablename__ = "inspection_tasks"
    id: Mapped[str] = _id(128)
    title: Mapped[str] = mapped_column(String(200))
    checklist_id: Mapped[str] = mapped_column(String(128))
    assignee: Mapped[str] = mapped_column(String(12), index=True)  # the district's office
    districts: Mapped[list[str]] = mapped_column(JSON)  # every district of the same issue
    target_types: Mapped[list[str]] = mapped_column(JSON)
    customer_kinds: Mapped[list[str] | None] = mapped_column(JSON)
    enterprise_ids: Mapped[list[str] | None] = mapped_column(JSON)
    target_ids: Mapped[list[str] | None] = mapped_column(JSON)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    office: Mapped[str] = mapped_column(String(8))  # city | district: who issued it
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # issued | completed | cancelled
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_note: Mapped[str | None] = mapped_column(Text)


class HazardNotice(Base):
    """The outbox of escalation notices: one row per `hazard.escalated` (its event id), which the
    delivery worker (dashboard/notifier.py) tells the responsible levels of, recording each
    channel's outcome as `hazard.notified`. As NotificationRequest: the claim and `done_at` are
    the worker's bookkeeping, the facts are events."""

    __tablename__ = "hazard_notices"
    id: Mapped[str] = _id(128)
    hazard_id: Mapped[str] = mapped_column(ForeignKey("hazards.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # district | city: where it went up to
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = _id(128)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300))
    severity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Level (city | district | street | enterprise) -> when it was first notified (RFC 3339, UTC).
    notified: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # When the last of the four levels was first notified; None until all four are.
    all_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(Text)  # the closing summary
    casualties: Mapped[int | None] = mapped_column(Integer)
    closed_by: Mapped[str | None] = mapped_column(String(64))


class IncidentTimelineEntry(Base):
    """One thing that happened to an incident, in log order: the incident view's timeline and
    the close-out report's. `kind` is the event type without "incident." (reported, dispatched,
    update, notified, closed) or "team" for a team.status naming the incident."""

    __tablename__ = "incident_timeline"
    seq: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=False)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(128))  # author, by, or the event's source
    team_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[str] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentDispatch(Base):
    """A team sent to an incident: when, by whom, its estimate, and when it got there."""

    __tablename__ = "incident_dispatches"
    id: Mapped[str] = _id(200)  # dispatch_key(incident_id, team_id)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), index=True)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(64))
    eta_minutes: Mapped[float | None] = mapped_column(Float)  # None: not sent by this desk
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # returning or available


class IncidentNotification(Base):
    """One notification sent (or tried) for an incident, from `incident.notified`."""

    __tablename__ = "incident_notifications"
    seq: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=False)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    levels: Mapped[list[str]] = mapped_column(JSON)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | failed
    attempts: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    request_id: Mapped[str | None] = mapped_column(String(128), index=True)


class NotificationRequest(Base):
    """The notification outbox: one row per `incident.notify_requested`. The request itself is
    an event; `done_at` and the claim are the delivery worker's bookkeeping (dashboard/notifier.py):
    done once every channel it delivers on has an outcome recorded for the request."""

    __tablename__ = "notification_requests"
    id: Mapped[str] = _id(128)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    levels: Mapped[list[str]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TeamState(Base):
    __tablename__ = "team_states"
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    incident_id: Mapped[str | None] = mapped_column(String(128))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alarm(Base):
    __tablename__ = "alarms"
    id: Mapped[str] = _id(128)
    sensor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))  # warning | critical
    value: Mapped[float | None] = mapped_column(Float)
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), index=True)  # raised | acknowledged | cleared
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[str] = _id(128)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(12), index=True)
    text: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The workflow (seed 002 art. 6, dashboard/domain/complaints.py): the enterprise concerned,
    # who holds it now (city | district | enterprise), the time limit of its category, how many
    # times it was escalated for being late, the reply, and the hazard or incident it became.
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)
    handler: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    hazard_id: Mapped[str | None] = mapped_column(String(128))
    incident_id: Mapped[str | None] = mapped_column(String(128))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SafetyCheck(Base):
    """One delivery safety check (随瓶安检), one row per `delivery.safety_checked` event."""

    __tablename__ = "safety_checks"
    seq: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    photos_complete: Mapped[bool] = mapped_column(Boolean)  # all four photos present
    # The photos themselves, {storefront, cylinder_hose, stove_hose, surroundings: url or hash},
    # and the checker's findings; None on rows older than migration 0014 that it could not fill.
    photos: Mapped[dict[str, str] | None] = mapped_column(JSON)
    findings: Mapped[list[str] | None] = mapped_column(JSON)
    district: Mapped[str | None] = mapped_column(String(12), index=True)  # the customer's
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the cylinder's
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CylinderDetention(Base):
    """One online detention (在线扣瓶): detained by a supervisor, recalled by the enterprise to
    a named site, then released or scrapped (dashboard/domain/detentions.py). The id is the
    `cylinder.detained` event's id; a cylinder has at most one open detention."""

    __tablename__ = "cylinder_detentions"
    id: Mapped[str] = _id(128)
    code: Mapped[str] = mapped_column(String(64), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    reason: Mapped[str] = mapped_column(Text)
    recall_by: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(
        String(16), index=True
    )  # detained|recalled|released|scrapped
    detained_by: Mapped[str] = mapped_column(String(64))
    detained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recalled_site_id: Mapped[str | None] = mapped_column(String(64))
    recalled_by: Mapped[str | None] = mapped_column(String(64))
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # recall late: 督办
    seq: Mapped[int] = mapped_column(SequenceNumber)


class DetentionNotice(Base):
    """The outbox of detention notices (在线扣瓶): one row per (detention, reason), its id the
    event that asks for it (`cylinder.detained`: the detention's id; `cylinder.recall_escalated`:
    `recall-late:<detention id>`). The delivery worker (dashboard/notifier.py) tells the
    enterprise (and, on a late recall, the district office and the city) and records each
    channel's outcome as `cylinder.notified`, which the projection copies into `outcomes` (what
    the enterprise's queue shows). As HazardNotice: claim and `done_at` are bookkeeping."""

    __tablename__ = "detention_notices"
    id: Mapped[str] = _id(128)
    detention_id: Mapped[str] = mapped_column(ForeignKey("cylinder_detentions.id"), index=True)
    reason: Mapped[str] = mapped_column(String(24))  # detained | recall_escalated
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber)
    # channel -> {"outcome": delivered|failed, "at": RFC 3339, "attempts": n, "error": str|None}
    outcomes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Excavation(Base):
    """A registered dig (excavation permit), as of its newest registration."""

    __tablename__ = "excavations"
    id: Mapped[str] = _id(128)  # permit_id
    contractor: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(12), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    agreement_signed: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber)


class Violation(Base):
    """A recorded violation of the 12-point system (Linhai)."""

    __tablename__ = "violations"
    id: Mapped[str] = _id(128)  # violation_id
    subject_type: Mapped[str] = mapped_column(String(16))  # enterprise | site | worker
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)  # calendar year of occurred_at, Asia/Shanghai
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    seq: Mapped[int] = mapped_column(SequenceNumber)


class ViolationPoints(Base):
    """Points per subject and calendar year; at SUSPENSION_POINTS the subject is suspended."""

    __tablename__ = "violation_points"
    id: Mapped[str] = _id(160)  # "<subject_type>/<subject_id>/<year>"
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    points: Mapped[int] = mapped_column(Integer)
    violations: Mapped[int] = mapped_column(Integer)
    suspended: Mapped[bool] = mapped_column(Boolean)
    # occurred_at of the violation whose arrival brought the total to the suspension threshold
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    district: Mapped[str | None] = mapped_column(String(12), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), index=True)


class AreaCount(Base):
    """Counts per district or grid cell, kept up to date for the map and the KPIs."""

    __tablename__ = "area_counts"
    area_type: Mapped[str] = mapped_column(String(8), primary_key=True)  # district | grid
    area_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# --- users ----------------------------------------------------------------------------------


class UserAccount(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(24))
    display_name: Mapped[str] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(12))
    enterprise_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A personal API token (docs/api.md): it acts as its user, with the user's role and scope.
    Only the token's SHA-256 is kept, never the token."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)  # whose it is
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))


Index("ix_customers_district_kind", Customer.district, Customer.kind)
# The supervised kinds are a few percent of all customers: counted per district by this one.
Index("ix_customers_kind_district", Customer.kind, Customer.district)
# "Who is registered at this address": the incident view's box around the incident.
Index("ix_customers_lat", Customer.lat)


# --- ingest tokens --------------------------------------------------------------------------


class IngestToken(Base):
    """A credential of one ingest source; only the token's SHA-256 is kept, never the token."""

    __tablename__ = "ingest_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    types: Mapped[list[str]] = mapped_column(JSON)  # the event types this source may send
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bound to one enterprise: the source may then act only on that enterprise's objects.
    enterprise_id: Mapped[str | None] = mapped_column(String(64))


# --- sign-in sessions and login throttling (docs/security.md) -----------------------------------


class UserSession(Base):
    """One sign-in: a projection of session.started / session.ended (and of user.changed /
    user.deactivated, which end all of a user's sessions). Only the SHA-256 of the session's
    random id is kept; the id itself is in the user's signed cookie."""

    __tablename__ = "user_sessions"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(16))


class LoginFailure(Base):
    """Recent failed sign-ins per throttling key (an address, an account, an account from an
    address): shared by every worker when there is no Redis. Not an event: throttling state,
    like the cache, is no record of what happened in the city."""

    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[float] = mapped_column(Float)  # Unix time of the latest failure


class IngestTokenUsage(Base):
    """What each ingest token did lately: operational telemetry kept by the gateway
    (data_access/token_usage.py), not domain state, so not in the event log."""

    __tablename__ = "ingest_token_usage"
    token_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ingest_tokens.id"), primary_key=True, autoincrement=False
    )
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)


class ScoringVersion(Base):
    """Each version of the scoring weights and thresholds (dashboard/domain/scoring.py), from its
    `scoring.changed` event; none until the first change (then the shipped file,
    dashboard/scoring.toml, is in force and is recorded as the change's `old`)."""

    __tablename__ = "scoring_versions"
    version: Mapped[str] = _id(32)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous_version: Mapped[str] = mapped_column(String(32))
    keys: Mapped[list[str]] = mapped_column(JSON)  # the dotted keys that changed
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))  # the admin's username
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(SequenceNumber, index=True)


class DailyTally(Base):
    """Counts per local day, district and enterprise of what the scores read from the biggest
    streams (cylinder scans, safety checks): kept by their projection in the same transaction, so
    that a year of rankings sums a few hundred thousand rows instead of filtering ~180 million
    scans. `measure` is one of dashboard/domain/scoring.py TALLY_MEASURES; enterprise_id "" when
    none is known."""

    __tablename__ = "daily_tallies"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    district: Mapped[str] = mapped_column(String(12), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# A period's sums per district (and per enterprise) read the day range first.
Index("ix_daily_tallies_measure_day", DailyTally.measure, DailyTally.day)
