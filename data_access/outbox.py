"""The notification outbox, as the delivery worker (dashboard/notifier.py) reads and keeps it.

A desk action that asks for a notification appends `incident.notify_requested` in its own
transaction; the projection makes it a row of `notification_requests`. A worker claims due
requests for a lease (a compare-and-set on `claimed_until`, so two workers, in two processes or
two gateways, never send the same request at once), delivers on each channel that has no outcome
recorded for the request yet, records each outcome as `incident.notified` (with the request's
id), and marks the request done. A worker that dies mid-way leaves its claim to expire: the
next claim after the lease sends what has no outcome yet. Delivery is therefore at least once
per channel (a crash between a send and its record repeats that send); the webhook body carries
the request id so a receiver can tell a repeat.

Claims and done marks are the worker's bookkeeping, not facts about the city: the facts (the
request and every outcome) are events in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update

from data_access.models import IncidentNotification, NotificationRequest

__all__ = ["PendingRequest", "claim_requests", "mark_done", "pending_count"]

_R = NotificationRequest


@dataclass(frozen=True)
class PendingRequest:
    id: str
    incident_id: str
    levels: tuple[str, ...]
    requested_by: str
    answered: frozenset[str]  # channels with an outcome recorded for this request


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(_R.done_at.is_(None), or_(_R.claimed_until.is_(None), _R.claimed_until < now))


def claim_requests(
    engine: Engine, worker: str, now: datetime, lease: timedelta, limit: int = 20
) -> list[PendingRequest]:
    """Claim up to `limit` due requests, oldest first, for `lease`; those another worker holds
    (or took between our read and our claim) are left alone."""
    with engine.begin() as connection:
        candidates = connection.scalars(
            select(_R.id).where(_claimable(now)).order_by(_R.seq).limit(limit)
        ).all()
        claimed = [
            request_id
            for request_id in candidates
            if connection.execute(
                update(_R)
                .where(_R.id == request_id, _claimable(now))
                .values(claimed_by=worker, claimed_until=now + lease)
            ).rowcount
            == 1
        ]
    if not claimed:
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            select(_R.id, _R.incident_id, _R.levels, _R.requested_by)
            .where(_R.id.in_(claimed))
            .order_by(_R.seq)
        ).all()
        answered: dict[str, set[str]] = {}
        outcomes = select(IncidentNotification.request_id, IncidentNotification.channel).where(
            IncidentNotification.request_id.in_(claimed)
        )
        for request_id, channel in connection.execute(outcomes):
            if request_id is not None:
                answered.setdefault(request_id, set()).add(channel)
    return [
        PendingRequest(
            row.id,
            row.incident_id,
            tuple(row.levels),
            row.requested_by,
            frozenset(answered.get(row.id, ())),
        )
        for row in rows
    ]


def mark_done(engine: Engine, request_id: str, worker: str, now: datetime) -> None:
    """Every channel of the request has its outcome recorded: nothing more to send."""
    with engine.begin() as connection:
        connection.execute(
            update(_R)
            .where(_R.id == request_id, _R.claimed_by == worker)
            .values(done_at=now, claimed_until=None)
        )


def pending_count(engine: Engine) -> int:
    """Requests not done yet (claimed or not)."""
    with engine.connect() as connection:
        query = select(func.count()).select_from(_R).where(_R.done_at.is_(None))
        return int(connection.scalar(query) or 0)
