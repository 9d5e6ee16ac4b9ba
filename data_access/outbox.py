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

Escalations (督办) go out the same way: each `hazard.escalated` is a row of `hazard_notices`
(`claim_hazard_notices`), and each channel's outcome is recorded as `hazard.notified` under a
deterministic event id (`hazard_delivery_id`), which is also how a later claim knows it is done.
Detention notices (在线扣瓶) likewise: each `cylinder.detained` and `cylinder.recall_escalated` is
a row of `detention_notices` (`claim_detention_notices`), each outcome a `cylinder.notified`
under `detention_delivery_id`.

Claims and done marks are the worker's bookkeeping, not facts about the city: the facts (the
request and every outcome) are events in the log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select, update

from data_access.eventlog import SYSTEM_SOURCE
from data_access.models import (
    CylinderDetention,
    DetentionNotice,
    EventRecord,
    HazardNotice,
    IncidentNotification,
    NotificationRequest,
)

Outbox = NotificationRequest | HazardNotice | DetentionNotice

__all__ = [
    "PendingDetentionNotice",
    "PendingNotice",
    "PendingRequest",
    "claim_detention_notices",
    "claim_hazard_notices",
    "claim_requests",
    "detention_delivery_id",
    "hazard_delivery_id",
    "mark_done",
    "pending_count",
]

_R = NotificationRequest


@dataclass(frozen=True)
class PendingRequest:
    id: str
    incident_id: str
    levels: tuple[str, ...]
    requested_by: str
    answered: frozenset[str]  # channels with an outcome recorded for this request


def _claimable(model: type[Outbox], now: datetime) -> ColumnElement[bool]:
    return and_(
        model.done_at.is_(None), or_(model.claimed_until.is_(None), model.claimed_until < now)
    )


def _claim(
    engine: Engine,
    model: type[Outbox],
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[str]:
    """Claim up to `limit` due rows of an outbox, oldest first, for `lease`; those another
    worker holds (or took between our read and our claim) are left alone."""
    with engine.begin() as connection:
        candidates = connection.scalars(
            select(model.id).where(_claimable(model, now)).order_by(model.seq).limit(limit)
        ).all()
        return [
            row_id
            for row_id in candidates
            if connection.execute(
                update(model)
                .where(model.id == row_id, _claimable(model, now))
                .values(claimed_by=worker, claimed_until=now + lease)
            ).rowcount
            == 1
        ]


def claim_requests(
    engine: Engine, worker: str, now: datetime, lease: timedelta, limit: int = 20
) -> list[PendingRequest]:
    """Claim up to `limit` due incident notification requests (see _claim)."""
    claimed = _claim(engine, _R, worker, now, lease, limit)
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


def mark_done(
    engine: Engine, request_id: str, worker: str, now: datetime, model: type[Outbox] = _R
) -> None:
    """Every channel of the request has its outcome recorded: nothing more to send."""
    with engine.begin() as connection:
        connection.execute(
            update(model)
            .where(model.id == request_id, model.claimed_by == worker)
            .values(done_at=now, claimed_until=None)
        )


def pending_count(engine: Engine) -> int:
    """Requests, escalation and detention notices not done yet (claimed or not)."""
    with engine.connect() as connection:
        return sum(
            int(connection.scalar(select(func.count()).where(model.done_at.is_(None))) or 0)
            for model in (_R, HazardNotice, DetentionNotice)
        )


# --- escalation notices (hazard.escalated) ------------------------------------------------------


@dataclass(frozen=True)
class PendingNotice:
    id: str  # the hazard.escalated event's id
    hazard_id: str
    level: str  # district | city
    answered: frozenset[str]  # channels with an outcome recorded for it


def hazard_delivery_id(notice_id: str, channel: str) -> str:
    """One outcome per notice and channel: a second worker's record of it is a duplicate."""
    return f"hz-notified-{notice_id}-{channel}"[:128]


def claim_hazard_notices(
    engine: Engine,
    worker: str,
    now: datetime,
    lease: timedelta,
    channels: Sequence[str],
    limit: int = 20,
) -> list[PendingNotice]:
    """Claim up to `limit` due escalation notices (see _claim); `answered` says which of
    `channels` already have their outcome in the log."""
    claimed = _claim(engine, HazardNotice, worker, now, lease, limit)
    if not claimed:
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            select(HazardNotice.id, HazardNotice.hazard_id, HazardNotice.level)
            .where(HazardNotice.id.in_(claimed))
            .order_by(HazardNotice.seq)
        ).all()
        answered = _answered(connection, claimed, channels, hazard_delivery_id)
    return [PendingNotice(row.id, row.hazard_id, row.level, answered[row.id]) for row in rows]


def _answered(
    connection: Connection,
    claimed: Sequence[str],
    channels: Sequence[str],
    delivery_id: Callable[[str, str], str],
) -> dict[str, frozenset[str]]:
    """Notice id -> the channels whose outcome is in the log (under `delivery_id`)."""
    wanted = {delivery_id(n, c): (n, c) for n in claimed for c in channels}
    recorded = connection.scalars(
        select(EventRecord.event_id).where(
            EventRecord.source == SYSTEM_SOURCE, EventRecord.event_id.in_(list(wanted))
        )
    ).all()
    answered: dict[str, set[str]] = {notice_id: set() for notice_id in claimed}
    for event_id in recorded:
        notice_id, channel = wanted[event_id]
        answered[notice_id].add(channel)
    return {notice_id: frozenset(found) for notice_id, found in answered.items()}


# --- detention notices (cylinder.detained, cylinder.recall_escalated) ----------------------------


@dataclass(frozen=True)
class PendingDetentionNotice:
    id: str  # the cylinder.detained (= the detention's id) or cylinder.recall_escalated event's
    detention_id: str
    code: str  # the detained cylinder's
    reason: str  # detained | recall_escalated
    answered: frozenset[str]  # channels with an outcome recorded for it


def detention_delivery_id(notice_id: str, channel: str) -> str:
    """One outcome per notice and channel: a second worker's record of it is a duplicate."""
    return f"cyl-notified-{notice_id}-{channel}"[:128]


def claim_detention_notices(
    engine: Engine,
    worker: str,
    now: datetime,
    lease: timedelta,
    channels: Sequence[str],
    limit: int = 20,
) -> list[PendingDetentionNotice]:
    """Claim up to `limit` due detention notices, as claim_hazard_notices."""
    claimed = _claim(engine, DetentionNotice, worker, now, lease, limit)
    if not claimed:
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                DetentionNotice.id,
                DetentionNotice.detention_id,
                CylinderDetention.code,
                DetentionNotice.reason,
            )
            .join(CylinderDetention, CylinderDetention.id == DetentionNotice.detention_id)
            .where(DetentionNotice.id.in_(claimed))
            .order_by(DetentionNotice.seq)
        ).all()
        answered = _answered(connection, claimed, channels, detention_delivery_id)
    return [
        PendingDetentionNotice(row.id, row.detention_id, row.code, row.reason, answered[row.id])
        for row in rows
    ]
