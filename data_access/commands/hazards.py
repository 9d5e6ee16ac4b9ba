"""The hazard closed loop (隐患闭环, seeds/000): each step a command by the acting user, and the
escalation (督办) of overdue hazards, the rules runner's system action.

A step (dashboard/domain/hazards.py STEPS) is refused, and changes nothing, when the user's role
may not take it (dashboard/domain/policy.py STEP_ACTIONS), when the hazard is outside the user's
scope (an enterprise reaches only the hazards it is responsible for, a district officer only its
district's), when the hazard's status does not allow it (closing an unverified hazard), or when it
lacks what it must carry (a photo of the rectification, the reason of a rejection, a new due
date in the future).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, or_, select

from dashboard.domain.events import HazardEscalated, HazardRedated, HazardUpdated
from dashboard.domain.hazards import (
    ESCALATION_NOTES,
    ESCALATION_RANK,
    MAX_PHOTOS,
    STEPS,
    escalation_id,
    escalation_steps,
    escalations_due,
    is_open,
)
from dashboard.domain.photos import photo_problem
from dashboard.domain.policy import STEP_ACTIONS, Place, Refused, missing, unknown
from dashboard.domain.roles import User, system_user
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.eventlog import SYSTEM_SOURCE
from data_access.models import Hazard
from data_access.queries.rules import hazard_open

__all__ = ["RULES_ACTOR", "escalate_overdue_hazards", "move_hazard"]

RULES_ACTOR = "rules"  # who escalates: the rules runner (dashboard/rules_runner.py)
_TEXT_LIMIT = 2000


def move_hazard(
    engine: Engine,
    user: User,
    hazard_id: str,
    step: str,
    *,
    note: str | None = None,
    photos: Sequence[str] = (),
    due_at: datetime | None = None,
    photo_hosts: frozenset[str] = frozenset(),
) -> Result:
    """Take one step of the loop on a hazard (assign, start, rectified, verify, reject, close,
    redate); `Done.subject` is the hazard's id."""
    if step not in STEPS:
        return Refused(
            "bad_choice", f"no hazard step {step!r}", code="invalid_field", field="step",
            params={"value": step},
        )  # fmt: skip

    def body(act: Act) -> Done:
        action = STEP_ACTIONS[step]
        act.require(action)
        hazard = _hazard(act, hazard_id)
        act.require(action, Place("hazard", hazard_id, hazard.district, hazard.enterprise_id))
        rule = STEPS[step]
        if hazard.status not in rule.starts_from:
            raise Refusal(_wrong_status(hazard, step))
        text = (note or "").strip()[:_TEXT_LIMIT] or None
        if rule.needs_note and text is None:
            raise Refusal(missing("reason", "sending a hazard back needs the reason"))
        if rule.needs_photo:
            _check_photos(photos, photo_hosts)
        if rule.needs_due:
            return Done(hazard_id, act.append(_redated(act, hazard, due_at, text)))
        assert rule.to is not None
        data = HazardUpdated(
            hazard_id=hazard_id,
            status=rule.to,  # type: ignore[arg-type]
            actor=act.user.username,
            note=text,
            photos=list(photos) or None,
        )
        return Done(hazard_id, act.append(data, prefix=f"{step}-{hazard_id}"[:60]))

    return run(engine, user, body)


def _hazard(act: Act, hazard_id: str) -> Row[Any]:
    hazards = Hazard.__table__
    row = act.connection.execute(select(hazards).where(hazards.c.id == hazard_id)).first()
    if row is None:
        raise Refusal(unknown("hazard", hazard_id, "hazard_id"))
    return row


def _wrong_status(hazard: Row[Any], step: str) -> Refused:
    return Refused(
        "hazard_status",
        f"hazard {hazard.id!r} is {hazard.status}: it cannot take the step {step!r}",
        code="invalid_field",
        field="status",
        params={"id": hazard.number or hazard.id, "status": hazard.status, "step": step},
    )


def _check_photos(photos: Sequence[str], hosts: frozenset[str]) -> None:
    if not photos:
        raise Refusal(missing("photos", "a rectified hazard needs at least one photo"))
    if len(photos) > MAX_PHOTOS:
        raise Refusal(
            Refused(
                "too_many_photos",
                f"at most {MAX_PHOTOS} photos",
                code="invalid_field",
                field="photos",
                params={"n": str(MAX_PHOTOS)},
            )
        )
    for photo in photos:
        if photo_problem(photo, hosts) is not None:
            raise Refusal(
                Refused(
                    "bad_photo",
                    f"not a photo reference: {photo[:80]!r}",
                    code="invalid_field",
                    field="photos",
                    params={"value": photo[:80]},
                )
            )


def _redated(act: Act, hazard: Row[Any], due_at: datetime | None, note: str | None) -> Any:
    if due_at is None:
        raise Refusal(missing("due_at", "a new due date is needed"))
    if due_at.tzinfo is None or due_at <= act.now:
        raise Refusal(
            Refused("due_in_past", "the new due date must lie ahead", "invalid_field", "due_at")
        )
    return HazardRedated(hazard_id=hazard.id, due_at=due_at, by=act.user.username, note=note)


# --- escalation (督办) ----------------------------------------------------------------------


def escalate_overdue_hazards(engine: Engine, now: datetime | None = None) -> int:
    """Write every escalation step that open hazards should have had by `now` and have not,
    as system events with deterministic ids (`escalation_id`): however many runners call this,
    and however often, each step is in the log once. Returns how many were new."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        rows = connection.execute(_overdue_unescalated(now)).all()
    written = 0
    for row in rows:
        for step in escalations_due(row.level, row.due_at, row.escalation, now):
            written += _escalate(engine, row.id, row.level, step)
    return written


def _overdue_unescalated(now: datetime) -> Any:
    """Open hazards past a step of their level's escalation that they have not reached."""
    conditions = []
    for level in ("general", "major"):
        for step, after in escalation_steps(level):
            lower = [name for name, rank in ESCALATION_RANK.items() if rank < ESCALATION_RANK[step]]
            not_reached = or_(Hazard.escalation.is_(None), Hazard.escalation.in_(lower))
            conditions.append(and_(Hazard.level == level, Hazard.due_at < now - after, not_reached))
    return (
        select(Hazard.id, Hazard.level, Hazard.due_at, Hazard.escalation)
        .where(hazard_open(), or_(*conditions))
        .order_by(Hazard.due_at, Hazard.id)
    )


def _escalate(engine: Engine, hazard_id: str, level: str, step: str) -> int:
    note = ESCALATION_NOTES.get((level, step)) or ESCALATION_NOTES[("general", step)]
    data = HazardEscalated(hazard_id=hazard_id, level=step, by=RULES_ACTOR, note=note)  # type: ignore[arg-type]

    def body(act: Act) -> Done:
        status = act.connection.scalar(select(Hazard.status).where(Hazard.id == hazard_id))
        if status is None or not is_open(status):
            return Done(hazard_id, None)  # closed out since it was found overdue
        return Done(hazard_id, act.append(data, ids=[escalation_id(hazard_id, step)]))

    result = run(engine, system_user(RULES_ACTOR), body, source=SYSTEM_SOURCE)
    return int(isinstance(result, Done) and result.seq is not None)
