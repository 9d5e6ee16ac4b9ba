"""The backfill's online detentions (在线扣瓶, docs/detentions.md): what the city's supervisors,
the enterprises and the rules runner would have written about the problem cylinders of the
history.

A filling of a cylinder past its inspection or scrap date, or of an unregistered (black) code, is
found by a supervisor some hours later most of the time and detained, with a recall day one to
three days ahead. Most enterprises recall in time; about three in ten are late: the rules runner
escalates it (督办) a minute after its recall day ends, under the live rule's own event id
(`recall_late_id`), and the enterprise recalls it half a day to two days later. The supervisor
disposes of each recalled cylinder within a day: released, or scrapped (more often when it was
past its scrap date). What would fall after the history's end is not written (the backfill
drops it), so the open detentions at the end are the ones still in progress.

The notifier tells the enterprise of each detention, and the offices of each late recall, a
minute after it (in-app, delivered: `cylinder.notified`, as it records it live), so the demo's
notifier starts with no history left to send.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any

from dashboard.domain.detentions import NOTICE_LEVELS, RECALL_LATE_NOTE, deadline, recall_late_id
from dashboard.domain.events import (
    CylinderDetained,
    CylinderNotified,
    CylinderRecalled,
    CylinderRecallEscalated,
    CylinderReleased,
    Event,
    EventData,
)
from data_access.eventlog import SYSTEM_SOURCE, Incoming
from data_access.outbox import detention_delivery_id
from simulators.clock import DAY, HOUR, MINUTE
from simulators.world import World

DETAIN_SHARE = 0.8  # of the problem fillings a supervisor finds and detains
LATE_SHARE = 0.3  # of the enterprises late with their recall
SUPERVISOR = "supervisor"  # the demo's city supervisor login
RULES_ACTOR = "rules"
NOTIFIER = "notifier"
NOTIFY_CHANNEL = "in_app"
REASONS = {
    "overdue": "超期未检气瓶仍在充装，现场扣押，责令限期召回",
    "scrap": "超过报废期限气瓶仍在充装，现场扣押，责令限期召回",
    "black": "未登记黑气瓶，现场扣押，责令充装单位限期召回",
}
# Timed items: (sim time, ("detention", step, detention id, payload)).
Planned = tuple[float, tuple[Any, ...]]


class DetentionHistory:
    """Plans detentions from the history's fillings (`plan`) and words each planned step as the
    event its command or rule would have appended (`event`)."""

    def __init__(self, world: World, rng: Random, local_date: Any) -> None:
        self.world = world
        self.rng = rng  # its own draws: the streams' and the desk's stay as they are
        self.local_date = local_date  # sim time -> the city's date
        self.cylinders = {c.code: c for c in world.cylinders}
        self.held: dict[str, float] = {}  # code -> when its planned detention ends
        self.count = 0

    def plan(self, t: float, data: dict[str, Any]) -> Iterator[Planned]:
        """The detention a filling scan may lead to, step by step (nothing: not a problem
        filling, not found, or the cylinder is held already)."""
        if data.get("stage") != "filling":
            return
        code = data["code"]
        why, enterprise = self._problem(code, data.get("site_id"), self.local_date(t))
        if why is None or enterprise is None or self.held.get(code, 0.0) > t:
            return
        if self.rng.random() >= DETAIN_SHARE:
            return
        self.count += 1
        detained = t + self.rng.uniform(1.0, 6.0) * HOUR
        detention_id = f"detention-{code}-{self.count:05d}"[:128]
        recall_by = self.local_date(detained) + timedelta(days=self.rng.randint(1, 3))
        due = deadline(recall_by).timestamp()
        late = self.rng.random() < LATE_SHARE
        place = self._district(data.get("site_id"), enterprise)
        notify = ("detention", "notify", detention_id, code)  # + (reason, enterprise, district)
        if late:
            recalled = due + self.rng.uniform(0.5, 2.0) * DAY
            yield due + MINUTE, ("detention", "escalate", detention_id, code, recall_by)
            yield due + 2 * MINUTE, (*notify, "recall_escalated", enterprise, place)
        else:
            recalled = self.rng.uniform(detained + HOUR, max(detained + 2 * HOUR, due - HOUR))
        scrap_chance = 0.6 if why == "scrap" else 0.15
        outcome = "scrapped" if self.rng.random() < scrap_chance else "released"
        closed = recalled + self.rng.uniform(2.0, 20.0) * HOUR
        self.held[code] = closed
        site = self._site(enterprise)
        yield detained, ("detention", "detain", detention_id, code, enterprise, why, recall_by)
        yield detained + MINUTE, (*notify, "detained", enterprise, place)
        if site is not None:
            yield recalled, ("detention", "recall", detention_id, code, site)
            yield closed, ("detention", "close", detention_id, code, outcome)

    def _problem(
        self, code: str, site_id: str | None, today: date
    ) -> tuple[str | None, str | None]:
        cylinder = self.cylinders.get(code)
        if cylinder is None:
            site = self.world.site.get(site_id) if site_id else None
            return ("black", site.enterprise_id) if site is not None else (None, None)
        if cylinder.scrap_due < today:
            return "scrap", cylinder.enterprise_id
        if cylinder.next_inspection_due < today:
            return "overdue", cylinder.enterprise_id
        return None, None

    def _district(self, site_id: str | None, enterprise: str) -> str:
        """Where the detention is (the filling site's district, else the enterprise's)."""
        site = self.world.site.get(site_id) if site_id else None
        if site is not None:
            return site.district
        owner = self.world.enterprise.get(enterprise)
        return owner.district if owner is not None else ""

    def _notified(self, detention_id: str, code: str, item: tuple[Any, ...]) -> CylinderNotified:
        """The notifier's in-app delivery of a notice, as it records it live."""
        from dashboard.notifier import escalation_recipients

        reason, enterprise, district = item
        owner = self.world.enterprise.get(enterprise)
        name = owner.name if owner is not None else enterprise
        recipients = escalation_recipients(self.world.pack, district, name)
        levels = NOTICE_LEVELS[reason]
        request = detention_id if reason == "detained" else recall_late_id(detention_id)
        return CylinderNotified(
            code=code, detention_id=detention_id, request_id=request, reason=reason,
            levels=list(levels),  # type: ignore[arg-type]
            recipients=[recipients[level][:200] for level in levels],
            channel=NOTIFY_CHANNEL, outcome="delivered", attempts=1,
        )  # fmt: skip

    def _site(self, enterprise: str) -> str | None:
        sites = self.world.sites_of.get(enterprise) or []
        return self.rng.choice(sites).id if sites else None

    def event(self, t: float, item: tuple[Any, ...]) -> Incoming:
        """The planned step as its command or the rules runner would have logged it."""
        _, step, detention_id, code = item[:4]
        data: EventData
        actor = SUPERVISOR
        if step == "detain":
            enterprise, why, recall_by = item[4:]
            data = CylinderDetained(
                code=code,
                reason=REASONS[why],
                enterprise_id=enterprise,
                recall_by=recall_by,
                by=SUPERVISOR,
            )
            event_id = detention_id
        elif step == "escalate":
            recall_by = item[4]
            note = f"{RECALL_LATE_NOTE}（召回期限 {recall_by.isoformat()}）"  # as the live rule
            data = CylinderRecallEscalated(code=code, by=RULES_ACTOR, note=note)
            event_id, actor = recall_late_id(detention_id), RULES_ACTOR
        elif step == "notify":
            data = self._notified(detention_id, code, item[4:])
            event_id = detention_delivery_id(data.request_id, NOTIFY_CHANNEL)
            actor = NOTIFIER
        elif step == "recall":
            site = self.world.site[item[4]]
            actor = f"{site.enterprise_id}-safety"[:64]
            data = CylinderRecalled(code=code, site_id=site.id, by=actor, note="已召回至本企业站点")
            event_id = f"recall-{detention_id}"[:128]
        else:
            outcome = item[4]
            note = "瓶体检验不合格，予以报废" if outcome == "scrapped" else "召回复检合格，予以放行"
            data = CylinderReleased(code=code, by=SUPERVISOR, note=note, outcome=outcome)
            event_id = f"close-{detention_id}"[:128]
        event = Event.of(data, id=event_id, occurred_at=datetime.fromtimestamp(t, UTC))
        return Incoming(SYSTEM_SOURCE, event, actor=actor)
