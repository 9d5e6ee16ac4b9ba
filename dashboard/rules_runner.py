"""The rules runner: the time-based rules, applied while the gateway runs.

Each rule is a command that takes the engine and the time and answers how many system events it
wrote (RULES). An open hazard past its due time is escalated (督办) by its level's steps
(dashboard/domain/hazards.py). Each step is a system event with a deterministic id
(`escalate:<hazard>:<level>`), so it is written exactly once however many gateways run the rule,
however often, and across restarts: a second writer of the same id is a duplicate the log drops.
Every rule here keeps to that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from data_access.commands import (
    escalate_late_complaints,
    escalate_late_recalls,
    escalate_overdue_hazards,
)

__all__ = ["RULES_EVERY_S", "RulesRunner"]

log = logging.getLogger(__name__)

RULES_EVERY_S = 15.0  # an escalation is due by the day: a few seconds late is on time

Rule = Callable[[Engine, datetime], int]
# (name for the log, rule); each writes its system events with deterministic ids.
RULES: Sequence[tuple[str, Rule]] = (
    ("hazard escalation", escalate_overdue_hazards),
    ("recall escalation", escalate_late_recalls),
    ("complaint escalation", escalate_late_complaints),  # 超时督办 (dashboard/domain/complaints.py)
)


class RulesRunner:
    """Applies the rules at `clock()` (the wall clock unless a test fixes it)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def run_once(self) -> int:
        """Apply every rule once; the number of system events it wrote."""
        now, total = self.clock(), 0
        for name, rule in RULES:
            written = rule(self.engine, now)
            if written:
                log.info("rules: %d %s event(s) written", written, name)
            total += written
        return total

    async def run(self, every_s: float = RULES_EVERY_S) -> None:
        """Apply the rules now and every `every_s` seconds until cancelled."""
        while True:
            try:
                await asyncio.to_thread(self.run_once)
            except Exception as error:  # the database away for a moment: the next round catches up
                log.warning("rules not applied: %s", (str(error).splitlines() or [""])[0][:200])
            await asyncio.sleep(every_s)
