"""What every command shares: its answer (`Done` or `Refused`) and one transaction to act in.

A command runs inside `acting(engine, user)`: one write transaction holding the event log's lock,
in which it reads what it depends on, asks the policy, validates, and appends. Raising
`Refusal` anywhere inside rolls the whole action back, so nothing of a refused action is kept,
and no other writer can change what the command read before it appends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from dashboard.domain.events import Event, EventData, Rejection
from dashboard.domain.policy import Action, Place, Refused, may
from dashboard.domain.roles import User
from data_access.eventlog import Accepted, Incoming, LogWriter, write_transaction

__all__ = ["Act", "Done", "Refusal", "Refused", "Result", "acting", "run", "user_source"]

USER_SOURCE_PREFIX = "user:"
MAX_EVENT_ID = 128  # the longest id an event may have


@dataclass(frozen=True)
class Done:
    """The action is recorded: `subject` is the object it made or changed (the new incident's
    id, ...), `seq` the log's sequence number of its first event (None when the same event was
    recorded before: a repeat of an idempotent action)."""

    subject: str
    seq: int | None


Result = Done | Refused


class Refusal(Exception):
    """Raised inside `acting` to refuse: the transaction is rolled back."""

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message)
        self.refused = refused


def user_source(username: str) -> str:
    """The event-log source of a user's actions."""
    return f"{USER_SOURCE_PREFIX}{username}"


class Act:
    """One action in progress: the acting user and the open write transaction."""

    def __init__(self, log: LogWriter, user: User, source: str) -> None:
        self.log = log
        self.user = user
        self.source = source
        self.connection = log.connection
        self.now = datetime.now(UTC)

    def require(self, action: Action, *places: Place) -> None:
        """Refuse unless the policy lets this user take `action` on objects at `places`."""
        refused = may(self.user, action, *places)
        if refused is not None:
            raise Refusal(refused)

    def append(
        self, *data: EventData, ids: Sequence[str] | None = None, prefix: str | None = None
    ) -> int | None:
        """Append the action's events, all or nothing; the seq of the first (None: recorded
        before). `ids` gives deterministic event ids (idempotent actions); else fresh ones,
        starting with `prefix` (default: the event type's area, e.g. "incident-...")."""
        event_ids = list(ids) if ids is not None else [_fresh_id(item, prefix) for item in data]
        events = [
            Event.of(item, id=event_id, occurred_at=self.now)
            for item, event_id in zip(data, event_ids, strict=True)
        ]
        outcomes = self.log.append(
            [Incoming(self.source, event, actor=self.user.username) for event in events]
        )
        for outcome in outcomes:
            if isinstance(outcome, Rejection):
                raise Refusal(_from_rejection(outcome))
        first = outcomes[0]
        return first.seq if isinstance(first, Accepted) else None


@contextmanager
def acting(engine: Engine, user: User, *, source: str | None = None) -> Iterator[Act]:
    """The transaction of one action by `user` (source "user:<name>", or `source` for the
    system's own actions)."""
    with write_transaction(engine) as log:
        yield Act(log, user, source or user_source(user.username))


def run(
    engine: Engine, user: User, body: Callable[[Act], Done], *, source: str | None = None
) -> Result:
    """Run `body(act) -> Done` as one action; a `Refusal` inside becomes the answer."""
    try:
        with acting(engine, user, source=source) as act:
            return body(act)
    except Refusal as refusal:
        return refusal.refused


def _fresh_id(data: EventData, prefix: str | None) -> str:
    fresh = uuid.uuid4().hex
    readable = f"{prefix or data.event_type.split('.')[0]}-{fresh}"
    return readable if len(readable) <= MAX_EVENT_ID else fresh


def _from_rejection(rejection: Rejection) -> Refused:
    """A projection's rejection (the log's last line of defence) as a refusal."""
    return Refused(
        "rejected",
        rejection.message,
        code=rejection.code,
        field=rejection.field,
        params={"message": rejection.message},
    )
