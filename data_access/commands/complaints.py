"""Complaints down the chain (逐级转办, seed 002 art. 6): pass down, reply, close with the
caller's satisfaction, escalate by hand, turn into a hazard or an incident; and the rules
runner's escalation of late complaints (超时督办).

Each command checks, inside its one write transaction, the role (dashboard/domain/policy.py),
the scope of the complaint (a district officer reaches their district's, an enterprise the ones
naming it) and of every object it names (the enterprise passed to must be registered, and in the
officer's district), who holds the complaint now and what its status allows
(dashboard/domain/complaints.py), and then appends. A refusal records nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, select

from dashboard.domain import complaints as rules
from dashboard.domain.events import ComplaintUpdated, HazardReported, IncidentReported
from dashboard.domain.hazards import RECTIFICATION_PERIOD
from dashboard.domain.policy import Action, Place, Refused, missing, unknown
from dashboard.domain.roles import Role, User, system_user
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.commands.incidents import new_incident_id
from data_access.eventlog import SYSTEM_SOURCE
from data_access.models import Complaint, District, Enterprise

__all__ = [
    "RULES_ACTOR",
    "assign_complaint",
    "close_complaint",
    "escalate_complaint",
    "escalate_late_complaints",
    "reply_complaint",
    "turn_complaint_into_hazard",
    "turn_complaint_into_incident",
]

RULES_ACTOR = "rules"  # who escalates late complaints: the rules runner
_TEXT_LIMIT = 2000
_CITY_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.DUTY_OFFICER})


def assign_complaint(
    engine: Engine,
    user: User,
    complaint_id: str,
    enterprise_id: str | None = None,
    note: str | None = None,
) -> Result:
    """Pass a complaint one level down: the city's desk to the district office where it
    happened; that office to an enterprise registered in its district (`enterprise_id`, else the
    one the complaint names)."""

    def body(act: Act) -> Done:
        complaint = _complaint(act, Action.ASSIGN_COMPLAINT, complaint_id)
        _require_unanswered(complaint, "assign")
        handler = complaint.handler or "city"
        if handler == "city":
            _require_city(act.user, "assign_city")
            data = _update(act, complaint, "assigned", note, handler="district")
        elif handler == "district":
            if act.user.role not in (Role.ADMIN, Role.DISTRICT_OFFICER):
                raise Refusal(_holder("assign_district", complaint))
            target = _enterprise(act, enterprise_id or complaint.enterprise_id, complaint)
            data = _update(act, complaint, "assigned", note, handler="enterprise")
            data = data.model_copy(update={"enterprise_id": target})
        else:
            raise Refusal(_holder("assign_bottom", complaint))
        return Done(complaint_id, act.append(data, prefix="assign-complaint"))

    return run(engine, user, body)


def reply_complaint(engine: Engine, user: User, complaint_id: str, reply: str) -> Result:
    """The answer to the caller (结果反馈): by the enterprise holding the complaint, or by the
    district office (for itself or on the enterprise's behalf)."""

    def body(act: Act) -> Done:
        complaint = _complaint(act, Action.REPLY_COMPLAINT, complaint_id)
        _require_unanswered(complaint, "reply")
        handler = complaint.handler or "city"
        role = act.user.role
        if role is Role.ENTERPRISE and handler != "enterprise":
            raise Refusal(_holder("reply_enterprise", complaint))
        if role is Role.DISTRICT_OFFICER and handler == "city":
            raise Refusal(_holder("reply_district", complaint))
        text = _text(reply)
        if text is None:
            raise Refusal(missing("complaint_reply", "write the answer to the caller"))
        data = _update(act, complaint, "replied", text)
        return Done(complaint_id, act.append(data, prefix="reply-complaint"))

    return run(engine, user, body)


def close_complaint(
    engine: Engine, user: User, complaint_id: str, satisfaction: int, note: str | None = None
) -> Result:
    """Close a replied complaint with the caller's satisfaction, 1 to 5 (满意度评价)."""

    def body(act: Act) -> Done:
        complaint = _complaint(act, Action.CLOSE_COMPLAINT, complaint_id)
        if complaint.status != "replied":
            raise Refusal(_wrong_status(complaint, "close"))
        if not rules.valid_satisfaction(satisfaction):
            raise Refusal(
                Refused(
                    "complaint_satisfaction",
                    "the caller's satisfaction is a whole number from 1 to 5",
                    code="invalid_field",
                    field="satisfaction",
                )
            )
        data = _update(act, complaint, "closed", note).model_copy(
            update={"satisfaction": satisfaction}
        )
        return Done(complaint_id, act.append(data, prefix="close-complaint"))

    return run(engine, user, body)


def escalate_complaint(engine: Engine, user: User, complaint_id: str, note: str) -> Result:
    """The city escalates (督办) a complaint nobody has answered yet, by hand, with the reason."""

    def body(act: Act) -> Done:
        complaint = _complaint(act, Action.ESCALATE_COMPLAINT, complaint_id)
        _require_unanswered(complaint, "escalate")
        text = _text(note)
        if text is None:
            raise Refusal(missing("complaint_note", "say why it is escalated"))
        data = _update(act, complaint, "escalated", text)
        return Done(complaint_id, act.append(data, prefix="escalate-complaint"))

    return run(engine, user, body)


def turn_complaint_into_hazard(
    engine: Engine, user: User, complaint_id: str, level: str = "general", note: str | None = None
) -> Result:
    """Report a hazard (origin "complaint") from an open complaint, and name it on the
    complaint, in one action; `Done.subject` is the hazard's id (its page: /hazard/<id>). The
    hazard is the enterprise's the complaint names (else nobody's), due in the usual period."""

    def body(act: Act) -> Done:
        complaint = _convertible(act, Action.COMPLAINT_TO_HAZARD, complaint_id)
        if level not in ("general", "major"):
            raise Refusal(_bad_choice("level", level))
        lat, lon = _position(act, complaint)
        hazard_id = f"hazard-complaint-{complaint.id}"[: rules.MAX_ID_LENGTH]
        owner = complaint.enterprise_id
        text = _text(note)
        hazard = HazardReported(
            hazard_id=hazard_id,
            target_type="enterprise" if owner else "complaint",
            target_id=owner or complaint.id,
            district=complaint.district,
            category=complaint.category[:64],
            level=level,  # type: ignore[arg-type]
            description=(text or complaint.text)[:_TEXT_LIMIT],
            lat=lat,
            lon=lon,
            due_at=act.now + RECTIFICATION_PERIOD,
            origin="complaint",
        )
        named = _update(act, complaint, _kept_status(complaint), f"转为隐患 {hazard_id}")
        named = named.model_copy(update={"hazard_id": hazard_id})
        seq = act.append(hazard, named, ids=[hazard_id, f"to-hazard-{complaint.id}"[:128]])
        return Done(hazard_id, seq)

    return run(engine, user, body)


def turn_complaint_into_incident(
    engine: Engine, user: User, complaint_id: str, severity: int = 2, note: str | None = None
) -> Result:
    """Open an incident from an open complaint (channel 96511 for the hotline's, else public),
    and name it on the complaint, in one action; `Done.subject` is the incident's id."""

    def body(act: Act) -> Done:
        complaint = _convertible(act, Action.COMPLAINT_TO_INCIDENT, complaint_id)
        if severity not in (1, 2, 3, 4):
            raise Refusal(_bad_choice("severity", str(severity)))
        lat, lon = _position(act, complaint)
        incident_id = new_incident_id(act.connection, act.now)
        channel = "hotline_96511" if complaint.channel == "hotline_96511" else "public"
        incident = IncidentReported(
            incident_id=incident_id,
            kind=rules.INCIDENT_KIND,  # type: ignore[arg-type]
            channel=channel,  # type: ignore[arg-type]
            lat=lat,
            lon=lon,
            address=f"{complaint.category} · 投诉 {complaint.id}"[:300],
            severity=severity,
            description=(_text(note) or complaint.text)[:_TEXT_LIMIT],
        )
        named = _update(act, complaint, _kept_status(complaint), f"转为事件 {incident_id}")
        named = named.model_copy(update={"incident_id": incident_id})
        seq = act.append(incident, named)
        return Done(incident_id, seq)

    return run(engine, user, body)


# --- the rule: late complaints are escalated (超时督办) -------------------------------------------


def escalate_late_complaints(engine: Engine, now: datetime | None = None) -> int:
    """Escalate every unanswered complaint for each limit it has missed by `now` and not yet
    been escalated for (dashboard/domain/complaints.py `escalation_due`), as system events with
    the ids `complaint-late:<id>:<n>`: however many runners call this, and however often, each
    missed limit is escalated once. Returns how many were new."""
    now = now or datetime.now(UTC)
    query = (
        select(
            Complaint.id,
            Complaint.category,
            Complaint.due_at,
            Complaint.escalations,
        )
        .where(
            Complaint.status.in_(("received", "assigned", "escalated")),
            Complaint.due_at < now,
        )
        .order_by(Complaint.due_at, Complaint.id)
    )
    with engine.connect() as connection:
        late = connection.execute(query).all()
    written = 0
    for row in late:
        ordinal = rules.escalation_due(row.category, row.due_at, row.escalations, False, now)
        if ordinal:
            written += _escalate_late(engine, row.id, ordinal, now)
    return written


def _escalate_late(engine: Engine, complaint_id: str, ordinal: int, now: datetime) -> int:
    def body(act: Act) -> Done:
        row = act.connection.execute(
            select(Complaint.status, Complaint.category, Complaint.due_at, Complaint.escalations)
            .where(Complaint.id == complaint_id)
        ).first()  # fmt: skip
        if row is None or row.status not in ("received", "assigned", "escalated"):
            return Done(complaint_id, None)  # answered or closed since it was found late
        if rules.escalation_due(row.category, row.due_at, row.escalations, False, now) != ordinal:
            return Done(complaint_id, None)  # another runner got there first
        data = ComplaintUpdated(
            complaint_id=complaint_id,
            status="escalated",
            actor=RULES_ACTOR,
            note=rules.late_note(row.category, ordinal),
        )
        return Done(
            complaint_id, act.append(data, ids=[rules.late_escalation_id(complaint_id, ordinal)])
        )

    result = run(engine, system_user(RULES_ACTOR), body, source=SYSTEM_SOURCE)
    return int(isinstance(result, Done) and result.seq is not None)


# --- shared checks ---------------------------------------------------------------------------


def _complaint(act: Act, action: Action, complaint_id: str) -> Row[Any]:
    """The complaint, if the role may take `action` and the complaint is in the user's scope."""
    act.require(action)
    complaints = Complaint.__table__
    row = act.connection.execute(select(complaints).where(complaints.c.id == complaint_id)).first()
    if row is None:
        raise Refusal(unknown("complaint", complaint_id, "complaint_id"))
    act.require(action, Place("complaint", complaint_id, row.district, row.enterprise_id))
    return row


def _convertible(act: Act, action: Action, complaint_id: str) -> Row[Any]:
    complaint = _complaint(act, action, complaint_id)
    if not rules.is_open(complaint.status):
        raise Refusal(_wrong_status(complaint, "convert"))
    if complaint.hazard_id or complaint.incident_id:
        raise Refusal(
            Refused(
                "complaint_converted",
                f"complaint {complaint.id!r} was already turned into "
                f"{complaint.hazard_id or complaint.incident_id}",
                code="invalid_field",
                field="complaint_id",
                params={"id": complaint.id, "to": complaint.hazard_id or complaint.incident_id},
            )
        )
    return complaint


def _require_unanswered(complaint: Row[Any], step: str) -> None:
    if complaint.status not in ("received", "assigned", "escalated"):
        raise Refusal(_wrong_status(complaint, step))


def _require_city(user: User, reason: str) -> None:
    if user.role not in _CITY_ROLES:
        raise Refusal(
            Refused(
                f"complaint_holder.{reason}",
                "the city's desk passes a new complaint to its district first",
                field="handler",
            )
        )


def _holder(reason: str, complaint: Row[Any]) -> Refused:
    return Refused(
        f"complaint_holder.{reason}",
        f"complaint {complaint.id!r} is held by the {complaint.handler or 'city'}",
        field="handler",
        params={"id": complaint.id},
    )


def _wrong_status(complaint: Row[Any], step: str) -> Refused:
    return Refused(
        f"complaint_status.{complaint.status}",
        f"complaint {complaint.id!r} is {complaint.status}: it cannot take the step {step!r}",
        code="invalid_field",
        field="status",
        params={"id": complaint.id},
    )


def _enterprise(act: Act, enterprise_id: str | None, complaint: Row[Any]) -> str:
    """The enterprise a district office passes the complaint to: registered, and in the
    officer's district (the policy's scope check)."""
    if not enterprise_id:
        raise Refusal(missing("complaint_enterprise", "choose the enterprise to pass it to"))
    found = act.connection.execute(
        select(Enterprise.id, Enterprise.district).where(Enterprise.id == enterprise_id)
    ).first()
    if found is None:
        raise Refusal(unknown("enterprise", enterprise_id, "enterprise_id"))
    act.require(
        Action.ASSIGN_COMPLAINT, Place("enterprise", enterprise_id, found.district, enterprise_id)
    )
    if act.user.role is Role.DISTRICT_OFFICER and found.district != complaint.district:
        raise Refusal(unknown("enterprise", enterprise_id, "enterprise_id"))
    return enterprise_id


def _update(act: Act, complaint: Row[Any], status: str, note: str | None, **more: Any) -> Any:
    return ComplaintUpdated(
        complaint_id=complaint.id,
        status=status,  # type: ignore[arg-type]
        actor=act.user.username,
        note=_text(note),
        **more,
    )


def _kept_status(complaint: Row[Any]) -> str:
    """The status a conversion's update carries: the complaint's own (a new one: assigned, as
    it is now in hand)."""
    return "assigned" if complaint.status == "received" else complaint.status


def _position(act: Act, complaint: Row[Any]) -> tuple[float, float]:
    """Where the complaint is: its own position, else its district's centre."""
    if complaint.lat is not None and complaint.lon is not None:
        return complaint.lat, complaint.lon
    centre = act.connection.execute(
        select(District.centroid_lat, District.centroid_lon).where(
            District.code == complaint.district
        )
    ).first()
    if centre is None:
        raise Refusal(
            missing("complaint_location", "the complaint has no position to report it at")
        )
    return centre.centroid_lat, centre.centroid_lon


def _bad_choice(field_name: str, value: str) -> Refused:
    return Refused(
        "complaint_choice",
        f"no {field_name} {value!r}",
        code="invalid_field",
        field=field_name,
        params={"value": value[:80]},
    )


def _text(value: str | None) -> str | None:
    return (value or "").strip()[:_TEXT_LIMIT] or None
