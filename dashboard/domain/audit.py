"""The audit trail's reading of an event: which object it is about (its subject) and a short
summary, the same for the page, its exports and the index that finds an object's events.

The subject is the first of `SUBJECT_KEYS` that the event's data holds, so the order settles
events naming several objects: a team's status names the team before its incident, an alarm
before its sensor, a cylinder scan the cylinder before the site. data_access/models.py indexes
exactly this expression (migration 0009); change the keys and that index with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUBJECT_KEYS: tuple[str, ...] = (
    "username",
    "token_id",
    "alarm_id",
    "hazard_id",
    "complaint_id",
    "violation_id",
    "inspection_id",
    "permit_id",
    "resource_id",
    "team_id",
    "incident_id",
    "code",
    "sensor_id",
    "segment_id",
    "customer_id",
    "worker_id",
    "site_id",
    "enterprise_id",
)

# Never shown or exported: one-way hashes are still not for reading (dashboard/domain/events.py).
HIDDEN_KEYS = frozenset({"password_hash", "token_hash", "previous"})
SUMMARY_LENGTH = 160


def subject_of(data: Mapping[str, Any]) -> str | None:
    """The id of the object an event is about, as text (None: the event names none)."""
    for key in SUBJECT_KEYS:
        value = data.get(key)
        if value is not None:
            return str(value)
    return None


def summary_of(data: Mapping[str, Any]) -> str:
    """The event's data in one short line: `key=value` pairs after the subject, no hashes."""
    subject_key = next((key for key in SUBJECT_KEYS if data.get(key) is not None), None)
    parts = [
        f"{key}={_short(value)}"
        for key, value in data.items()
        if key != subject_key and key not in HIDDEN_KEYS and value not in (None, "", [], {})
    ]
    line = " · ".join(parts)
    return line if len(line) <= SUMMARY_LENGTH else line[: SUMMARY_LENGTH - 1] + "…"


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_short(item) for item in value)
    if isinstance(value, dict):
        return "{…}"
    return str(value)
