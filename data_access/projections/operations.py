"""Inspections, hazards (with their status history) and complaints.

A change whose occurred_at is older than the row's last change (`updated_at`) is in the log, and
in the hazard history, but does not overwrite the newer state. First-time stamps such as
`dispatched_at` keep the earliest time whatever the order of arrival.

Hazards by rule: every failed item of an applied `inspection.completed` appends a system
`hazard.reported` right after the inspection, in the same transaction: id `rule_hazard_id`
(from the inspection id and the item's index, so it is the same however often the inspection
arrives), level general, category the item, target, district and position the inspection's, and
due RECTIFICATION_PERIOD after the inspection. This happens always, also when the inspector
reported a hazard of their own for the item: a hazard id that exists already is not reported
again, but an inspector's own report under another id is not recognised as the same hazard.

Each hazard gets its number (hazard_number: YH-<district>-<year>-<n>, in the log's order) and its
responsible enterprise (its target's owner) when reported; the history keeps the photos of
`hazard.updated` and the new due date of `hazard.redated`.

Complaints (dashboard/domain/complaints.py): received held by the city and due its category's
limit later, with the enterprise it names (or its cylinder's); each update moves the holder, the
enterprise, the reply and satisfaction on, counts escalations and names the hazard or incident it
became (such an update carries the status on, it is no step of its own).

Incidents and teams: data_access/projections/incidents.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from dashboard.domain import complaints as complaint_rules
from dashboard.domain import hazards as hazard_rules
from dashboard.domain.events import Event, HazardReported, Rejection
from dashboard.domain.hazards import (
    RECTIFICATION_PERIOD,
    hazard_number,
    number_sequence,
    number_series,
    rule_hazard_id,
)
from data_access.models import Hazard
from data_access.projections.batch import Batch
from data_access.projections.permits import TARGET_TABLES
from data_access.projections.projection import (
    Projection,
    References,
    Wanted,
    check_references,
    want_references,
)

_MAX_CATEGORY = 64  # hazards.category
NOTIFIER = "notifier"  # the delivery worker, as a hazard's history names it

_REFERENCES: References = {  # rows an event names, which must be known
    "hazard.updated": (("hazard_id", "hazards"),),
    "hazard.escalated": (("hazard_id", "hazards"),),
    "hazard.redated": (("hazard_id", "hazards"),),
    "hazard.notified": (("hazard_id", "hazards"),),
    "complaint.updated": (("complaint_id", "complaints"),),
}
_OWN_TABLE: References = {  # the row an event creates
    "inspection.completed": (("inspection_id", "inspections"),),
    "hazard.reported": (("hazard_id", "hazards"),),
    "complaint.received": (("complaint_id", "complaints"),),
}


def wants(event: Event, wanted: Wanted) -> None:
    want_references(event, wanted, _REFERENCES)
    want_references(event, wanted, _OWN_TABLE)
    data: Any = event.data
    if event.type == "inspection.completed":
        failed = [index for index, item in enumerate(data.items) if not item.passed]
        wanted.keys["hazards"].update(rule_hazard_id(data.inspection_id, i) for i in failed)
        if failed:
            _want_target(wanted, data.target_type, data.target_id)
    elif event.type == "complaint.received" and data.code:
        wanted.keys["cylinders"].add(data.code)  # its enterprise: the one complained about
    elif event.type == "hazard.reported":
        _want_target(wanted, data.target_type, data.target_id)
        if data.inspection_id:  # its kind tells the hazard's origin
            wanted.keys["inspections"].add(data.inspection_id)


def _want_target(wanted: Wanted, target_type: str, target_id: str) -> None:
    """A hazard's target: its owner is the hazard's responsible enterprise."""
    if target_type in TARGET_TABLES:
        wanted.keys[TARGET_TABLES[target_type]].add(target_id)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    return check_references(b, event, _REFERENCES)


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if hasattr(data, "district"):
        return data.district
    if event.type.startswith("hazard."):
        row = b["hazards"].get(data.hazard_id)
    elif event.type == "complaint.updated":
        row = b["complaints"].get(data.complaint_id)
    else:
        return b.nearest_district(getattr(data, "lat", None), getattr(data, "lon", None))
    return row["district"] if row else None


# --- inspections ----------------------------------------------------------------------------


def apply_inspection(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    fields = ("kind", "target_type", "target_id", "district", "inspector_id", "lat", "lon")
    row = {name: getattr(data, name) for name in fields}
    old = b["inspections"].get(data.inspection_id)
    if old is not None and event.occurred_at < old["occurred_at"]:
        return
    row |= {
        "id": data.inspection_id,
        "passed": all(item.passed for item in data.items),
        "items": [item.model_dump(exclude_none=True) for item in data.items],
        "task_id": data.task_id,
        "occurred_at": event.occurred_at,
    }
    b["inspections"].put({**old, **row} if old else row)
    _report_failed_items(b, event)


def _report_failed_items(b: Batch, event: Event) -> None:
    data: Any = event.data
    for index, item in enumerate(data.items):
        hazard_id = rule_hazard_id(data.inspection_id, index)
        if item.passed or b["hazards"].get(hazard_id) is not None:
            continue
        reported = HazardReported(
            hazard_id=hazard_id,
            inspection_id=data.inspection_id,
            target_type=data.target_type,
            target_id=data.target_id,
            district=data.district,
            category=item.item[:_MAX_CATEGORY],
            level="general",
            description=item.note or f"failed inspection item: {item.item}",
            lat=data.lat,
            lon=data.lon,
            due_at=event.occurred_at + RECTIFICATION_PERIOD,
        )
        b.emit(Event.of(reported, id=hazard_id, occurred_at=event.occurred_at))


# --- hazards --------------------------------------------------------------------------------


def _history(
    b: Batch,
    event: Event,
    seq: int,
    status: str,
    actor: str,
    note: str | None,
    photos: list[str] | None = None,
    due_at: datetime | None = None,
) -> None:
    b.history.append(
        {
            "hazard_id": event.data.hazard_id,  # type: ignore[attr-defined]
            "status": status,
            "actor": actor,
            "note": note,
            "photos": photos or None,
            "due_at": due_at,
            "occurred_at": event.occurred_at,
            "seq": seq,
        }
    )


def responsible_enterprise(b: Batch, target_type: str, target_id: str) -> str | None:
    """Who must rectify a hazard: the enterprise it names, or the owner of its site, customer or
    pipeline; None for a target nobody owns (an appliance, a household with no supplier)."""
    if target_type == "enterprise":
        return target_id if b["enterprises"].get(target_id) is not None else None
    table = TARGET_TABLES.get(target_type)
    row = b[table].get(target_id) if table is not None else None
    return row.get("enterprise_id") if row is not None else None


def next_number(b: Batch, district: str, reported_at: datetime) -> str:
    """The next number of the district's series for the year (the log's order decides)."""
    series = number_series(district, reported_at)
    last = b.hazard_numbers.get(series)
    if last is None:
        # Five digits sort as text: a district reports far fewer than 100,000 hazards a year.
        stored = b.connection.scalar(
            select(func.max(Hazard.number)).where(
                Hazard.district == district, Hazard.number.like(f"{series}%")
            )
        )
        last = number_sequence(stored) if stored else 0
    b.hazard_numbers[series] = last + 1
    return hazard_number(series, last + 1)


def _inspection_kind(b: Batch, inspection_id: str | None) -> str | None:
    row = b["inspections"].get(inspection_id) if inspection_id else None
    return row["kind"] if row is not None else None


def apply_hazard_reported(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    hazards = b["hazards"]
    old = hazards.get(data.hazard_id)
    if old is not None:
        return  # reported again under another event id: the first report stands
    fields = ("inspection_id", "target_type", "target_id", "district", "category", "level")
    row = {name: getattr(data, name) for name in fields}
    row |= {
        "id": data.hazard_id,
        "description": data.description,
        "lat": data.lat,
        "lon": data.lon,
        "status": "reported",
        "escalation": None,
        "enterprise_id": responsible_enterprise(b, data.target_type, data.target_id),
        "number": next_number(b, data.district, event.occurred_at),
        "origin": hazard_rules.origin_of(data.origin, _inspection_kind(b, data.inspection_id)),
        "reported_at": event.occurred_at,
        "due_at": data.due_at,
        "closed_at": None,
        "updated_at": event.occurred_at,
    }
    hazards.put(row)
    b.count(data.district, "hazards_open", 1)
    _history(b, event, seq, "reported", source, data.description[:200] or None)


def apply_hazard_updated(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    _history(b, event, seq, data.status, data.actor, data.note, data.photos)
    row = b["hazards"].get(data.hazard_id)
    if row is None or event.occurred_at < row["updated_at"]:
        return
    was_open = hazard_rules.is_open(row["status"])
    row["status"] = data.status
    row["updated_at"] = event.occurred_at
    if data.status == hazard_rules.CLOSED:
        row["closed_at"] = event.occurred_at
    elif data.status == "reopened":
        row["closed_at"] = None
    is_open = hazard_rules.is_open(row["status"])
    b.count(row["district"], "hazards_open", int(is_open) - int(was_open))
    b["hazards"].put(row)


def apply_hazard_escalated(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    _history(b, event, seq, "escalated", data.by, f"{data.level}: {data.note}")
    row = b["hazards"].get(data.hazard_id)
    if row is None:
        return
    b.hazard_notices.append(  # the responsible levels are told (dashboard/notifier.py)
        {
            "id": event.id,
            "hazard_id": data.hazard_id,
            "level": data.level,
            "requested_at": event.occurred_at,
            "seq": seq,
            "done_at": None,
            "claimed_by": None,
            "claimed_until": None,
        }
    )
    if row["escalation"] != "city":  # city is the higher level; never step back down
        row["escalation"] = data.level
    row["updated_at"] = max(row["updated_at"], event.occurred_at)
    b["hazards"].put(row)


def apply_hazard_notified(b: Batch, event: Event, seq: int, source: str) -> None:
    """Kept in the hazard's history: who was told, on which channel, or why not."""
    data: Any = event.data
    told = ", ".join(data.recipients) or ", ".join(data.levels)
    note = f"{data.channel}: {told}"
    if data.outcome == "failed":
        note = f"{note} ({data.outcome}: {data.error or ''})"
    _history(b, event, seq, "notified", NOTIFIER, note[:2000])


def apply_hazard_redated(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    _history(b, event, seq, "redated", data.by, data.note, due_at=data.due_at)
    row = b["hazards"].get(data.hazard_id)
    if row is None:
        return
    row["due_at"] = data.due_at
    row["updated_at"] = max(row["updated_at"], event.occurred_at)
    b["hazards"].put(row)


# --- complaints -----------------------------------------------------------------------------


def apply_complaint(b: Batch, event: Event, seq: int, source: str) -> None:
    """A complaint received (held by the city, due its category's limit later) or moved on:
    passed down (handler, enterprise), escalated (counted), replied (the reply kept), closed
    (satisfaction), or turned into a hazard or incident (named). A change older than the row's
    last one is kept in the log only."""
    data: Any = event.data
    complaints = b["complaints"]
    row = complaints.get(data.complaint_id)
    if event.type == "complaint.received":
        if row is None:
            complaints.put(_received_complaint(b, event))
            b.count(data.district, "complaints_open", 1)
        return
    if row is None:
        return
    # Turned into a hazard or an incident: named, and the status carried on (not a new step).
    converted = bool(data.hazard_id or data.incident_id)
    if data.status == "escalated" and not converted:  # counted whenever it arrives
        row["escalations"] = (row.get("escalations") or 0) + 1
    if data.hazard_id:
        row["hazard_id"] = data.hazard_id
    if data.incident_id:
        row["incident_id"] = data.incident_id
    last = row.get("updated_at") or row["received_at"]
    if event.occurred_at < last:
        complaints.put(row)
        return
    was_open = complaint_rules.is_open(row["status"])
    row["status"] = data.status
    row["updated_at"] = event.occurred_at
    if data.handler:
        row["handler"] = data.handler
    if data.enterprise_id:
        row["enterprise_id"] = data.enterprise_id
    if data.status == "replied" and not converted:
        row["replied_at"] = event.occurred_at
        row["reply"] = data.note or row.get("reply")
    if data.satisfaction is not None:
        row["satisfaction"] = data.satisfaction
    row["closed_at"] = event.occurred_at if data.status == complaint_rules.CLOSED else None
    is_open = complaint_rules.is_open(data.status)
    b.count(row["district"], "complaints_open", int(is_open) - int(was_open))
    complaints.put(row)


def _received_complaint(b: Batch, event: Event) -> dict[str, Any]:
    data: Any = event.data
    fields = ("channel", "category", "district", "text", "code", "lat", "lon")
    row = {name: getattr(data, name) for name in fields}
    cylinder = b["cylinders"].get(data.code) if data.code else None
    enterprise_id = data.enterprise_id or (cylinder["enterprise_id"] if cylinder else None)
    return row | {
        "id": data.complaint_id,
        "status": "received",
        "satisfaction": None,
        "received_at": event.occurred_at,
        "closed_at": None,
        "enterprise_id": enterprise_id,
        "handler": "city",  # the 96511 desk receives every complaint
        "due_at": complaint_rules.due_at(data.category, event.occurred_at),
        "escalations": 0,
        "replied_at": None,
        "reply": None,
        "hazard_id": None,
        "incident_id": None,
        "updated_at": event.occurred_at,
    }


PROJECTION = Projection(
    apply={
        "inspection.completed": apply_inspection,
        "hazard.reported": apply_hazard_reported,
        "hazard.updated": apply_hazard_updated,
        "hazard.escalated": apply_hazard_escalated,
        "hazard.redated": apply_hazard_redated,
        "hazard.notified": apply_hazard_notified,
        "complaint.received": apply_complaint,
        "complaint.updated": apply_complaint,
    },
    wants=wants,
    check=check,
    district=district,
)
