"""Online detention (在线扣瓶, dashboard/domain/detentions.py): one `cylinder_detentions` row per
detention, and the cylinder's `detained` flag (cylinders.apply_detention).

- `cylinder.detained` opens a row (id = the event's id) with the district of the cylinder's state
  (where it was last scanned), else the enterprise's district; a second detention of a cylinder
  that has one open is ignored (the commands refuse it first);
- `cylinder.recalled` records the site the enterprise brought it back to (status recalled);
- `cylinder.recall_escalated` sets escalated_at (督办, once; later ones change nothing);
- `cylinder.released` closes it: outcome released (absent: released) or scrapped. It also ends
  the `detained_in_use` findings of the cylinder (findings.py).

The enterprise is told (dashboard/notifier.py): `cylinder.detained` and the first
`cylinder.recall_escalated` of a detention each add a row to the `detention_notices` outbox in
the same transaction; `cylinder.notified` (one per notice and channel) keeps that channel's
outcome on the row, which the enterprise's queue shows (its in-app notice).

Scrapping takes the cylinder out of service the way a scrap scan does: its state's stage becomes
`scrap` (so any later scan breaks the chain rule, stage_out_of_order, and the trace shows it
scrapped) and its chain findings are resolved as a scrap scan resolves them.

Rows are read and written with plain statements at apply time: detentions are few (a command
writes one event at a time), and a batch that detains, recalls and releases the same cylinder
(the backfill) sees its own earlier rows in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from dashboard.domain.detentions import DETAINED, OPEN_STATUSES, RECALLED, SCRAPPED
from dashboard.domain.events import Event, Rejection
from data_access.models import CylinderDetention, DetentionNotice, table_of
from data_access.projections import cylinders, findings
from data_access.projections.batch import Batch
from data_access.projections.findings import DETAINED_IN_USE, NO_SALE, OUT_OF_ORDER, OVERDUE
from data_access.projections.projection import Projection, Wanted

_D = table_of(CylinderDetention)
_N = table_of(DetentionNotice)


def wants(event: Event, wanted: Wanted) -> None:
    data: Any = event.data
    wanted.keys["cylinder_states"].add(data.code)
    wanted.keys["cylinders"].add(data.code)
    if event.type == "cylinder.detained":
        wanted.keys["enterprises"].add(data.enterprise_id)
    if event.type == "cylinder.recalled":
        wanted.keys["sites"].add(data.site_id)
    if event.type == "cylinder.released":
        wanted.subjects.add(data.code)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    data: Any = event.data
    if event.type == "cylinder.recalled" and b["sites"].get(data.site_id) is None:
        message = f"site {data.site_id!r} is not known"
        return Rejection("unknown_reference", "data.site_id", message, event.id)
    return None


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    state = b["cylinder_states"].get(data.code)
    if state is not None and state["district"]:
        return str(state["district"])
    enterprise_id = getattr(data, "enterprise_id", None)
    if enterprise_id is None:
        registered = b["cylinders"].get(data.code)
        enterprise_id = registered["enterprise_id"] if registered else None
    enterprise = b["enterprises"].get(enterprise_id)
    return enterprise["district"] if enterprise else None


def open_detention(b: Batch, code: str) -> dict[str, Any] | None:
    """The cylinder's open detention, if any (the newest, should the log hold two)."""
    query = (
        select(_D)
        .where(_D.c.code == code, _D.c.status.in_(OPEN_STATUSES))
        .order_by(_D.c.seq.desc())
        .limit(1)
    )
    row = b.connection.execute(query).mappings().first()
    return dict(row) if row is not None else None


def apply_detained(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    cylinders.apply_detention(b, event, seq, source)
    if open_detention(b, data.code) is not None:
        return  # one open detention per cylinder
    b.connection.execute(
        insert(_D).values(
            id=event.id,
            code=data.code,
            enterprise_id=data.enterprise_id,
            district=district(b, event),
            reason=data.reason,
            recall_by=data.recall_by,
            status=DETAINED,
            detained_by=data.by,
            detained_at=event.occurred_at,
            seq=seq,
        )
    )
    _ask_notice(b, event, seq, event.id, "detained")


def _ask_notice(b: Batch, event: Event, seq: int, detention_id: str, reason: str) -> None:
    """The outbox row the notifier tells the enterprise (and on escalation the offices) from."""
    b.connection.execute(
        insert(_N).values(
            id=event.id,
            detention_id=detention_id,
            reason=reason,
            requested_at=event.occurred_at,
            seq=seq,
        )
    )


def apply_recalled(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    row = open_detention(b, data.code)
    if row is None or row["status"] != DETAINED:
        return
    b.connection.execute(
        update(_D)
        .where(_D.c.id == row["id"])
        .values(
            status=RECALLED,
            recalled_site_id=data.site_id,
            recalled_by=data.by,
            recalled_at=event.occurred_at,
            recall_note=data.note,
            seq=seq,
        )
    )


def apply_escalated(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    row = open_detention(b, data.code)
    if row is None or row["escalated_at"] is not None:
        return
    b.connection.execute(
        update(_D).where(_D.c.id == row["id"]).values(escalated_at=event.occurred_at, seq=seq)
    )
    _ask_notice(b, event, seq, row["id"], "recall_escalated")


def apply_notified(b: Batch, event: Event, seq: int, source: str) -> None:
    """One channel's outcome, kept on its notice (the enterprise's queue shows them); an
    outcome of a notice there is no row of (a detention the projection ignored) is kept in the
    log only."""
    data: Any = event.data
    found = b.connection.execute(select(_N.c.outcomes).where(_N.c.id == data.request_id)).first()
    if found is None:
        return
    outcomes = found.outcomes
    kept = {
        "outcome": data.outcome,
        "at": event.occurred_at.isoformat(),
        "attempts": data.attempts,
        "error": data.error,
    }
    outcomes = dict(outcomes or {}) | {data.channel: kept}
    b.connection.execute(update(_N).where(_N.c.id == data.request_id).values(outcomes=outcomes))


def apply_released(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    outcome = data.outcome or "released"
    cylinders.apply_detention(b, event, seq, source)
    note = f"detention ended ({outcome}) by {data.by}"
    findings.resolve(b, event, seq, [DETAINED_IN_USE], data.code, note)
    if outcome == SCRAPPED:
        _take_out_of_service(b, event, seq)
    row = open_detention(b, data.code)
    if row is None:
        return
    b.connection.execute(
        update(_D)
        .where(_D.c.id == row["id"])
        .values(
            status=outcome,
            closed_by=data.by,
            closed_at=event.occurred_at,
            close_note=data.note,
            seq=seq,
        )
    )


def _take_out_of_service(b: Batch, event: Event, seq: int) -> None:
    """A scrapped cylinder leaves the chain as a scrap scan takes it out."""
    data: Any = event.data
    findings.resolve(b, event, seq, (OVERDUE, OUT_OF_ORDER, NO_SALE), data.code, "scrapped")
    state = b["cylinder_states"].get(data.code)
    if state is not None:
        state["stage"] = "scrap"
        b["cylinder_states"].put(state)


PROJECTION = Projection(
    apply={
        "cylinder.detained": apply_detained,
        "cylinder.recalled": apply_recalled,
        "cylinder.recall_escalated": apply_escalated,
        "cylinder.released": apply_released,
        "cylinder.notified": apply_notified,
    },
    wants=wants,
    check=check,
    district=district,
)
