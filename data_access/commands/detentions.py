"""Online detention (在线扣瓶, dashboard/domain/detentions.py): each step a command by the acting
user, and the escalation (督办) of late recalls, the rules runner's system action.

The responsible enterprise always comes from the registry (the cylinder's registered enterprise;
for an unregistered, black code, the enterprise of the site it was last scanned at), never from
the browser. Every object is checked against the user's scope: the cylinder (by the district it
was last seen in and its enterprise), the detention, and the recall site, which must be one of
the detention's enterprise's own sites. An object outside the scope is refused as unknown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, Row, select

from dashboard.domain.detentions import (
    DETAINED,
    MAX_TEXT,
    OPEN_STATUSES,
    RECALL_LATE_NOTE,
    STEPS,
    recall_by_problem,
    recall_late_id,
    today,
)
from dashboard.domain.events import (
    CylinderDetained,
    CylinderRecalled,
    CylinderRecallEscalated,
    CylinderReleased,
)
from dashboard.domain.policy import Action, Place, Refused, missing, unknown
from dashboard.domain.roles import User, system_user
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.eventlog import SYSTEM_SOURCE
from data_access.models import CylinderDetention, Site
from data_access.queries.detentions import responsible_enterprise

__all__ = [
    "detain_cylinder",
    "escalate_late_recalls",
    "record_recall",
    "release_cylinder",
    "scrap_cylinder",
]

RULES_ACTOR = "rules"  # who escalates: the rules runner (dashboard/rules_runner.py)
_D = CylinderDetention


def detain_cylinder(
    engine: Engine, user: User, code: str, *, reason: str | None, recall_by: date | None
) -> Result:
    """Detain a cylinder (在线扣瓶): its enterprise must bring it back by `recall_by`;
    `Done.subject` is the new detention's id."""
    code = (code or "").strip()

    def body(act: Act) -> Done:
        act.require(Action.DETAIN_CYLINDER)
        owner = responsible_enterprise(act.connection, code) if code else None
        if owner is None:
            raise Refusal(unknown("cylinder", code or "—", "code"))
        act.require(
            Action.DETAIN_CYLINDER, Place("cylinder", code, owner.district, owner.enterprise_id)
        )
        if _open_detention(act, code) is not None:
            raise Refusal(
                Refused(
                    "already_detained",
                    f"cylinder {code!r} is already detained",
                    code="invalid_field",
                    field="code",
                    params={"id": code},
                )
            )
        text = (reason or "").strip()[:MAX_TEXT]
        if not text:
            raise Refusal(missing("detention_reason", "a detention needs its reason"))
        _check_recall_by(recall_by, act.now)
        assert recall_by is not None
        data = CylinderDetained(
            code=code,
            reason=text,
            enterprise_id=owner.enterprise_id,
            recall_by=recall_by,
            by=act.user.username,
        )
        detention_id = f"detention-{code}-{act.now:%Y%m%d%H%M%S%f}"[:128]
        return Done(detention_id, act.append(data, ids=[detention_id]))

    return run(engine, user, body)


def record_recall(
    engine: Engine, user: User, detention_id: str, site_id: str, *, note: str | None = None
) -> Result:
    """The enterprise brought the detained cylinder back to `site_id`, one of its own sites."""

    def body(act: Act) -> Done:
        act.require(Action.RECALL_CYLINDER)
        detention = _detention(act, Action.RECALL_CYLINDER, detention_id)
        _check_step(detention, "recall")
        site = act.connection.execute(
            select(Site.id, Site.enterprise_id, Site.district).where(Site.id == site_id)
        ).first()
        if site is None or site.enterprise_id != detention.enterprise_id:
            raise Refusal(unknown("site", site_id or "—", "site_id"))
        act.require(Action.RECALL_CYLINDER, Place("site", site.id, None, site.enterprise_id))
        data = CylinderRecalled(
            code=detention.code,
            site_id=site.id,
            by=act.user.username,
            note=_text(note),
        )
        return Done(detention.id, act.append(data, prefix="recall"))

    return run(engine, user, body)


def release_cylinder(
    engine: Engine, user: User, detention_id: str, *, note: str | None = None
) -> Result:
    """Release a recalled cylinder back into service (处置: 放行)."""
    return _close(engine, user, detention_id, "release", note)


def scrap_cylinder(engine: Engine, user: User, detention_id: str, *, note: str | None) -> Result:
    """Scrap a recalled cylinder (处置: 报废); the note says why."""
    return _close(engine, user, detention_id, "scrap", note)


def _close(engine: Engine, user: User, detention_id: str, step: str, note: str | None) -> Result:
    def body(act: Act) -> Done:
        act.require(Action.CLOSE_DETENTION)
        detention = _detention(act, Action.CLOSE_DETENTION, detention_id)
        _check_step(detention, step)
        text = _text(note)
        if STEPS[step].needs_note and text is None:
            raise Refusal(missing("scrap_note", "scrapping a cylinder needs a note"))
        data = CylinderReleased(
            code=detention.code,
            by=act.user.username,
            note=text or "召回后放行",
            outcome="scrapped" if step == "scrap" else "released",
        )
        return Done(detention.id, act.append(data, prefix=step))

    return run(engine, user, body)


def _text(note: str | None) -> str | None:
    return (note or "").strip()[:MAX_TEXT] or None


def _open_detention(act: Act, code: str) -> str | None:
    return act.connection.scalar(
        select(_D.id).where(_D.code == code, _D.status.in_(OPEN_STATUSES)).limit(1)
    )


def _detention(act: Act, action: Action, detention_id: str) -> Row[Any]:
    row = act.connection.execute(select(_D).where(_D.id == detention_id)).first()
    if row is None:
        raise Refusal(unknown("detention", detention_id or "—", "detention_id"))
    act.require(action, Place("detention", row.id, row.district, row.enterprise_id))
    return row


def _check_step(detention: Row[Any], step: str) -> None:
    if detention.status not in STEPS[step].starts_from:
        raise Refusal(
            Refused(
                f"detention_is_{detention.status}",
                f"detention of {detention.code!r} is {detention.status}: it cannot {step}",
                code="invalid_field",
                field="status",
                params={"id": detention.code},
            )
        )


def _check_recall_by(recall_by: date | None, now: datetime) -> None:
    problem = recall_by_problem(recall_by, now)
    if problem == "missing":
        raise Refusal(missing("recall_by", "a detention needs its recall deadline"))
    if problem is not None:
        raise Refusal(
            Refused(
                f"recall_by_{problem}",
                f"the recall deadline {recall_by} is {problem.replace('_', ' ')}",
                code="invalid_field",
                field="recall_by",
                params={"value": str(recall_by)},
            )
        )


# --- escalation (督办) of late recalls -------------------------------------------------------


def escalate_late_recalls(engine: Engine, now: datetime | None = None) -> int:
    """Escalate every detention still not recalled after its recall day (in the city's zone)
    and not escalated yet: one `cylinder.recall_escalated` each, with the deterministic id
    `recall-late:<detention id>`, so however many runners call this, and however often, each
    is in the log once. Returns how many were new."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        rows = connection.execute(
            select(_D.id, _D.code, _D.recall_by)
            .where(_D.status == DETAINED, _D.escalated_at.is_(None), _D.recall_by < today(now))
            .order_by(_D.recall_by, _D.id)
        ).all()
    return sum(_escalate(engine, row.id, row.code, row.recall_by) for row in rows)


def _escalate(engine: Engine, detention_id: str, code: str, recall_by: date) -> int:
    # The note depends on the detention only: a second runner writes the very same event.
    note = f"{RECALL_LATE_NOTE}（召回期限 {recall_by.isoformat()}）"
    data = CylinderRecallEscalated(code=code, by=RULES_ACTOR, note=note)

    def body(act: Act) -> Done:
        status = act.connection.scalar(select(_D.status).where(_D.id == detention_id))
        if status != DETAINED:
            return Done(detention_id, None)  # recalled since it was found late
        return Done(detention_id, act.append(data, ids=[recall_late_id(detention_id)]))

    result = run(engine, system_user(RULES_ACTOR), body, source=SYSTEM_SOURCE)
    return int(isinstance(result, Done) and result.seq is not None)
