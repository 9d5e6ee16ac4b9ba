"""The delivery worker's record of what became of a notification (dashboard/notifier.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from dashboard.domain.events import CylinderNotified, HazardNotified, IncidentNotified
from dashboard.domain.roles import User
from data_access.commands.base import Act, Done, Result, run
from data_access.eventlog import SYSTEM_SOURCE
from data_access.outbox import detention_delivery_id, hazard_delivery_id

__all__ = [
    "delivery_event_id",
    "record_detention_notification",
    "record_hazard_notification",
    "record_notification",
]


def delivery_event_id(request_id: str, channel: str) -> str:
    """One outcome per request and channel: a second worker's record of it is a duplicate."""
    return f"notified-{request_id}-{channel}"[:128]


def record_notification(
    engine: Engine,
    worker: User,
    request_id: str,
    incident_id: str,
    levels: Sequence[str],
    recipients: Sequence[str],
    channel: str,
    *,
    delivered: bool,
    attempts: int,
    error: str | None = None,
) -> Result:
    """Record one channel's outcome of a request, failures too (a system event)."""

    def body(act: Act) -> Done:
        outcome = _outcome(levels, recipients, channel, delivered, attempts, error)
        data = IncidentNotified(incident_id=incident_id, request_id=request_id, **outcome)
        return Done(incident_id, act.append(data, ids=[delivery_event_id(request_id, channel)]))

    return run(engine, worker, body, source=SYSTEM_SOURCE)


def record_hazard_notification(
    engine: Engine,
    worker: User,
    notice_id: str,
    hazard_id: str,
    levels: Sequence[str],
    recipients: Sequence[str],
    channel: str,
    *,
    delivered: bool,
    attempts: int,
    error: str | None = None,
) -> Result:
    """Record one channel's outcome of an escalation notice, failures too (a system event)."""

    def body(act: Act) -> Done:
        outcome = _outcome(levels, recipients, channel, delivered, attempts, error)
        data = HazardNotified(hazard_id=hazard_id, request_id=notice_id, **outcome)
        return Done(hazard_id, act.append(data, ids=[hazard_delivery_id(notice_id, channel)]))

    return run(engine, worker, body, source=SYSTEM_SOURCE)


def record_detention_notification(
    engine: Engine,
    worker: User,
    notice_id: str,
    detention_id: str,
    code: str,
    reason: str,
    levels: Sequence[str],
    recipients: Sequence[str],
    channel: str,
    *,
    delivered: bool,
    attempts: int,
    error: str | None = None,
) -> Result:
    """Record one channel's outcome of a detention notice, failures too (a system event)."""

    def body(act: Act) -> Done:
        outcome = _outcome(levels, recipients, channel, delivered, attempts, error)
        data = CylinderNotified(
            code=code,
            detention_id=detention_id,
            request_id=notice_id,
            reason=reason,  # type: ignore[arg-type]  # the model checks it
            **outcome,
        )
        return Done(detention_id, act.append(data, ids=[detention_delivery_id(notice_id, channel)]))

    return run(engine, worker, body, source=SYSTEM_SOURCE)


def _outcome(
    levels: Sequence[str],
    recipients: Sequence[str],
    channel: str,
    delivered: bool,
    attempts: int,
    error: str | None,
) -> dict[str, Any]:
    """A channel's outcome as the events record it, cut to the catalogue's lengths."""
    return {
        "levels": list(levels),
        "recipients": [r[:200] for r in recipients],
        "channel": channel[:200],
        "outcome": "delivered" if delivered else "failed",
        "attempts": max(1, min(attempts, 100)),
        "error": error[:4000] if error else None,
    }
