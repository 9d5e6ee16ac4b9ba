"""The simulated complaint staff: the city's 96511 desk, each district's gas office and the
enterprises, taking complaints down the chain (逐级转办, dashboard/domain/complaints.py) through
the complaint commands (data_access/commands/complaints.py), as users of their roles, in a live
run (like simulators/duty_desk.py for incidents).

Every few seconds it reads the open complaints and, for each one, a human-like while after its
last change (drawn per complaint and step from the seed):

- a new complaint (held by the city): the city's desk passes it to its district's office;
- held by a district office: a complaint of a smell of gas is now and then turned into a hazard
  first (TO_HAZARD_SHARE); then the office passes it to the enterprise named when that is
  registered in the district, else answers it itself;
- held by an enterprise: the enterprise answers, except LEFT_LATE_SHARE of them, which it leaves
  until the rules runner has escalated them (超时督办) once: then it answers;
- answered: the district office calls the caller back and closes it with their satisfaction,
  mostly 4 or 5, lower when it was late.

A refusal (someone at a real desk acted first) is logged once and the staff move on. It writes
nothing itself: every change is a command with the acting staff member as actor.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from sqlalchemy import Engine

from dashboard.domain.roles import CITYWIDE, Role, User
from data_access import commands
from data_access.commands import Refused, Result
from data_access.queries.complaint_board import OpenComplaint, open_complaints

log = logging.getLogger("simulators.complaint_desk")

Span = tuple[float, float]  # (shortest, longest) seconds
TO_HAZARD_SHARE = 0.15  # of the gas-smell complaints a district office reaches
LEFT_LATE_SHARE = 0.08  # of the complaints an enterprise holds: answered only once escalated
SATISFACTION = ((0.55, 5), (0.27, 4), (0.1, 3), (0.05, 2), (0.03, 1))
SATISFACTION_LATE = ((0.2, 5), (0.3, 4), (0.25, 3), (0.15, 2), (0.1, 1))
REPLY = "已联系来电人并上门核实处理，已向来电人说明处理结果"
OFFICE_REPLY = "区燃气办已协调相关单位上门处理，并向来电人反馈"
# The staff as the 96511 platform names them (the pages put these names into words): an agent
# of the city's desk, a district's office, an enterprise by its id.
CITY_STAFF = User(0, "96511-sim", Role.SUPERVISOR, "96511 坐席（模拟）")


@dataclass(frozen=True)
class DeskTiming:
    """How quickly the staff act (real seconds). Tests shorten them."""

    poll_s: float = 10.0
    pass_down: Span = (60.0, 300.0)  # the city's desk, then the district office
    reply: Span = (300.0, 1800.0)  # the enterprise or the office
    close: Span = (300.0, 1800.0)  # the return call


def office_staff(district: str) -> User:
    return User(0, f"GASOFFICE-{district}", Role.DISTRICT_OFFICER, "区燃气办（模拟）", district)


def enterprise_staff(enterprise_id: str) -> User:
    return User(0, enterprise_id, Role.ENTERPRISE, "企业客服（模拟）", None, enterprise_id)


def weighted(rng: Random, table: tuple[tuple[float, int], ...]) -> int:
    pick, total = rng.random(), 0.0
    for share, value in table:
        total += share
        if pick < total:
            return value
    return table[-1][1]


class ComplaintDesk:
    """The simulated staff. `step()` is one look at the open complaints; `start()` runs it every
    `timing.poll_s` in a thread until `stop()`."""

    def __init__(
        self,
        engine: Engine,
        *,
        timing: DeskTiming | None = None,
        seed: int = 0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.timing = timing or DeskTiming()
        self.seed = seed
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self._told: set[tuple[str, str]] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="complaint-desk", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        log.info("complaint desk: the 96511 desk, district offices and enterprises at work")
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception as error:  # the database away for a moment: look again later
                log.warning("complaint desk: %s", (str(error).splitlines() or [""])[0][:200])
            self._stopping.wait(self.timing.poll_s)
        done = ", ".join(f"{k} {n}" for k, n in sorted(self.counts.items())) or "nothing"
        log.info("complaint desk: off duty (%s)", done)

    # --- one look ---------------------------------------------------------------------------

    def step(self) -> None:
        now = self.clock()
        for complaint in open_complaints(self.engine, CITYWIDE):
            if self._stopping.is_set():
                return
            self.attend(complaint, now)

    def attend(self, complaint: OpenComplaint, now: datetime) -> None:
        """Take the step due for the complaint as read, if its while has passed."""
        since = complaint.updated_at or complaint.received_at
        handler = complaint.handler or "city"
        if complaint.status == "replied":
            if now >= since + self._delay(complaint.id, "close", self.timing.close):
                self._close(complaint)
            return
        if handler == "city":
            if now >= since + self._delay(complaint.id, "city", self.timing.pass_down):
                self._act(complaint, "assign", commands.assign_complaint, CITY_STAFF)
            return
        if handler == "district":
            if now >= since + self._delay(complaint.id, "office", self.timing.pass_down):
                self._at_office(complaint)
            return
        if self._chance(complaint.id, "late") < LEFT_LATE_SHARE and complaint.escalations == 0:
            return  # left until the rules runner escalates it
        if now >= since + self._delay(complaint.id, "reply", self.timing.reply):
            staff = enterprise_staff(complaint.enterprise_id or "")
            self._act(complaint, "reply", commands.reply_complaint, staff, REPLY)

    def _at_office(self, complaint: OpenComplaint) -> None:
        office = office_staff(complaint.district)
        if (
            complaint.category == "燃气异味"
            and not complaint.converted
            and self._chance(complaint.id, "hazard") < TO_HAZARD_SHARE
        ):
            self._act(complaint, "to_hazard", commands.turn_complaint_into_hazard, office)
            return  # passed on at the next look
        named = complaint.enterprise_id
        if named is not None and complaint.enterprise_district == complaint.district:
            self._act(complaint, "assign", commands.assign_complaint, office, named)
        else:
            self._act(complaint, "reply", commands.reply_complaint, office, OFFICE_REPLY)

    def _close(self, complaint: OpenComplaint) -> None:
        rng = Random(f"{self.seed}:score:{complaint.id}")
        score = weighted(rng, SATISFACTION_LATE if complaint.escalations else SATISFACTION)
        office = office_staff(complaint.district)
        note = f"回访来电人，满意度 {score} 分"
        self._act(complaint, "close", commands.close_complaint, office, score, note)

    def _act(
        self, complaint: OpenComplaint, step: str, command: Callable[..., Result], user: User,
        *args: object,
    ) -> None:  # fmt: skip
        result = command(self.engine, user, complaint.id, *args)
        if isinstance(result, Refused):
            key = (complaint.id, f"{step}:{result.reason}")
            if key not in self._told:
                self._told.add(key)
                self.counts["refused"] += 1
                log.info("complaint desk: %s %s not done: %s", step, complaint.id, result.message)
            return
        self.counts[step] += 1

    def _delay(self, complaint_id: str, step: str, span: Span) -> timedelta:
        """A human's while for this step of this complaint: random, the same every look."""
        return timedelta(seconds=Random(f"{self.seed}:{step}:{complaint_id}").uniform(*span))

    def _chance(self, complaint_id: str, what: str) -> float:
        return Random(f"{self.seed}:{what}:{complaint_id}").random()
