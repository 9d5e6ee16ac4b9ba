"""The supervisors' findings: raised by rules, resolved automatically by later events.

A rule raises a finding (`raise_finding`): a row in `findings`, open, counted in its district's
`findings_open`. A later event that removes the finding's cause resolves it (`resolve`): the row
gets resolved, resolved_at (the event's occurred_at), resolved_seq and a short resolution, and
`findings_open` goes down in the finding's district. A resolved finding stays resolved; the same
cause found again is a new finding. The resolving events:

- black_cylinder: a `cylinder.registered` of the code. Registration is what the finding asks for;
  the same event clears the state's is_black and the black_cylinders count (registry.py).
- overdue_filling: a `cylinder.registered` of the code whose next_inspection_due and scrap_due are
  both on or after the registration's day (re-inspected, new dates); a `scrap` scan (out of
  circulation); or a `cylinder.released` of a detained cylinder (the supervisors' close-out of an
  online detention, 在线扣瓶).
- stage_out_of_order, delivery_without_sale: the cylinder starting a regular new cycle (a filling
  scan that may follow its previous stage), or a `scrap` scan. The chain is whole again from there.
- detained_in_use: a filling or delivery scan of a detained cylinder (在线扣瓶); resolved by the
  `cylinder.released` that ends the detention (detentions.py).
- excavation_without_agreement: a newer `excavation.registered` of the permit with the agreement
  signed, or with no registered pipeline within reach any more (excavations.py).

A stale event (older than the state it would change, and therefore not applied) resolves nothing.
Only the open findings of the subjects the batch's events could resolve are read: one IN query on
(subject_id, kind) per 1,000 subjects, before the first event is applied (`Batch.open_findings`,
batch.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.domain.events import Event
from data_access.projections.batch import Batch

_MAX_RESOLUTION = 200  # findings.resolution is String(200)

BLACK = "black_cylinder"
OVERDUE = "overdue_filling"
OUT_OF_ORDER = "stage_out_of_order"
NO_SALE = "delivery_without_sale"
EXCAVATION = "excavation_without_agreement"
DETAINED_IN_USE = "detained_in_use"  # a detained cylinder scanned for filling or delivery


def raise_finding(
    b: Batch,
    event: Event,
    seq: int,
    kind: str,
    subject_id: str,
    *,
    district: str | None,
    enterprise_id: str | None,
    detail: str,
) -> None:
    row = {
        "kind": kind,
        "subject_id": subject_id,
        "district": district,
        "enterprise_id": enterprise_id,
        "detail": detail,
        "occurred_at": event.occurred_at,
        "seq": seq,
        "resolved": False,
        "resolved_at": None,
        "resolved_seq": None,
        "resolution": None,
    }
    b.findings.append(row)
    b.open_findings.add(row)
    b.count(district, "findings_open", 1)


def resolve(
    b: Batch, event: Event, seq: int, kinds: Iterable[str], subject_id: str, resolution: str
) -> int:
    """Resolve the open findings of `kinds` about `subject_id`; returns how many."""
    b.open_findings.load(b.connection, [subject_id])  # a no-op when preloaded, as it should be
    resolved = 0
    for kind in kinds:
        for row in b.open_findings.pop(kind, subject_id):
            row["resolved"] = True
            row["resolved_at"] = event.occurred_at
            row["resolved_seq"] = seq
            row["resolution"] = resolution[:_MAX_RESOLUTION]
            b.open_findings.mark_stored(row)
            b.count(row["district"], "findings_open", -1)
            resolved += 1
    return resolved


def has_open(b: Batch, kind: str, subject_id: str) -> bool:
    b.open_findings.load(b.connection, [subject_id])
    return bool(b.open_findings.open.get((kind, subject_id)))
