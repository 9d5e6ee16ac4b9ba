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
- excavation_without_agreement: a newer `excavation.registered` of the permit with the agreement
  signed, or with no registered pipeline within reach any more (excavations.py).

A stale event (older than the state it would change, and therefore not applied) resolves nothing.
Only the open findings of the subjects the batch's events could resolve are read: one IN query on
(subject_id, kind) per 1,000 subjects, before the first event is applied (`OpenFindings.load`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from dashboard.domain.events import Event
from data_access.bulk import update_rows
from data_access.models import Finding

if TYPE_CHECKING:  # batch.py imports this module
    from data_access.projections.batch import Batch

_TABLE = Finding.__table__
_RESOLUTION = ("resolved", "resolved_at", "resolved_seq", "resolution")
_CHUNK = 1000
_MAX_RESOLUTION = 200  # findings.resolution is String(200)

BLACK = "black_cylinder"
OVERDUE = "overdue_filling"
OUT_OF_ORDER = "stage_out_of_order"
NO_SALE = "delivery_without_sale"
EXCAVATION = "excavation_without_agreement"


class OpenFindings:
    """Open findings of this batch's subjects by (kind, subject), stored or raised in it."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._loaded: set[str] = set()  # subjects whose stored open findings were read
        self._resolved: list[dict[str, Any]] = []  # stored rows resolved in this batch

    def load(self, connection: Connection, subjects: Iterable[str | None]) -> None:
        missing = sorted({s for s in subjects if s is not None and s not in self._loaded})
        for start in range(0, len(missing), _CHUNK):
            query = select(_TABLE).where(
                _TABLE.c.subject_id.in_(missing[start : start + _CHUNK]),
                _TABLE.c.resolved.is_(False),
            )
            for row in connection.execute(query).mappings():
                self.add(dict(row))
        self._loaded.update(missing)

    def add(self, row: dict[str, Any]) -> None:
        self.open.setdefault((row["kind"], row["subject_id"]), []).append(row)

    def pop(self, kind: str, subject_id: str) -> list[dict[str, Any]]:
        return self.open.pop((kind, subject_id), [])

    def mark_stored(self, row: dict[str, Any]) -> None:
        """A row read from the table changed: written back at flush (new rows are inserted)."""
        if row.get("id") is not None:
            self._resolved.append(row)

    def flush(self, connection: Connection) -> None:
        update_rows(connection, _TABLE, self._resolved, _RESOLUTION, "id")
        self._resolved.clear()


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
