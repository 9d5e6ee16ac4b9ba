"""The simulated duty desk: a duty officer who dispatches, notifies and closes through the desk's
own door (data_access.commands), as a real account ("desk-sim", dashboard/demo.py).

Every few seconds it reads the open incidents in its scope (data_access/queries/duty_desk.py)
and, for each one:

- a human-like while after the report (40-150 s, drawn per incident from the seed), if no team
  has been sent yet, it sends the teams the incident page suggests: the ranking of
  `dashboard.domain.dispatch.rank_teams` over the same team positions, the first wave the
  domain sets for the severity (`teams_needed`), free teams only, capable ones first. The
  dispatch command also asks for the four-level notification;
- if teams were sent by someone else and nobody asked for a notification, it asks for one;
- a minute or three after the crews report it resolved, it closes it with a short summary, so
  the teams come free again.

A refusal (the person at the desk acted first, a team was taken meanwhile) is logged and the desk
moves on. It never fights the person at the desk: an incident already dispatched, notified or
closed by anyone is left alone for that step. It writes nothing itself: every change is a command
with the desk user as actor.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.domain.dispatch import Candidate, Router, rank_teams, teams_needed
from dashboard.domain.events import NOTIFY_LEVELS
from dashboard.domain.roles import User
from dashboard.i18n import t_or
from data_access import commands
from data_access.commands import Refused, Result
from data_access.queries import incident_view
from data_access.queries.duty_desk import DeskIncident, open_incidents

log = logging.getLogger("simulators.duty_desk")

Span = tuple[float, float]  # (shortest, longest) seconds


@dataclass(frozen=True)
class DeskTiming:
    """How quickly the desk acts (real seconds). Tests shorten them."""

    poll_s: float = 5.0  # how often it looks at the open incidents
    dispatch_after: Span = (40.0, 150.0)  # from the report to the dispatch
    close_after: Span = (60.0, 180.0)  # from "resolved" to closing


def close_summary(kind: str) -> str:
    """The closing summary the simulated officer writes (Chinese, like the desk's own)."""
    what = t_or(f"incident_kind.{kind}", kind, "zh")
    return f"{what}处置完毕：现场已排除险情，复查无燃气泄漏，处置队伍返回。"


class DutyDesk:
    """The simulated duty officer. `step()` is one look at the open incidents; `start()` runs
    it every `timing.poll_s` in a thread until `stop()`."""

    def __init__(
        self,
        engine: Engine,
        user: User,
        *,
        timing: DeskTiming | None = None,
        seed: int = 0,
        router: Router | None = None,
        time_zone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.user = user
        self.timing = timing or DeskTiming()
        self.seed = seed
        self.router = router
        self.zone = ZoneInfo(time_zone)
        self.clock = clock
        self.counts: Counter[str] = Counter()  # dispatched, notified, closed, refused
        self._told: set[tuple[str, str, str]] = set()  # refusals logged once per incident
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- running --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="duty-desk", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        log.info("duty desk: %s (%s) is at the desk", self.user.display_name, self.user.username)
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception as error:  # the database away for a moment: look again later
                log.warning("duty desk: %s", (str(error).splitlines() or [""])[0][:200])
            self._stopping.wait(self.timing.poll_s)
        done = ", ".join(f"{k} {n}" for k, n in sorted(self.counts.items())) or "nothing"
        log.info("duty desk: off duty (%s)", done)

    # --- one look at the desk -------------------------------------------------------------

    def step(self) -> None:
        self.attend(open_incidents(self.engine, self.user.scope), self.clock())

    def attend(self, incidents: list[DeskIncident], now: datetime) -> None:
        """Do what is due for each incident as read (another desk may have acted since: then
        the command refuses, or the desk sees it on its next look)."""
        for incident in incidents:
            if self._stopping.is_set():
                return
            self._attend(incident, now)

    def _attend(self, incident: DeskIncident, now: datetime) -> None:
        wait = self._delay(incident.id, "dispatch", self.timing.dispatch_after)
        if now >= incident.reported_at + wait:
            sent_now = not incident.dispatched and self._dispatch(incident, now)
            # The dispatch command asks for the notification itself; when someone else sent
            # the teams, or none is free yet, the desk asks for it.
            if not incident.notify_asked and not sent_now:
                self._notify(incident)
        if incident.resolved_at is not None:
            linger = self._delay(incident.id, "close", self.timing.close_after)
            if now >= incident.resolved_at + linger:
                self._close(incident)

    def _delay(self, incident_id: str, step: str, span: Span) -> timedelta:
        """A human's delay for this step of this incident: random, but the same every look."""
        seconds = Random(f"{self.seed}:{step}:{incident_id}").uniform(*span)
        return timedelta(seconds=seconds)

    def suggested(self, incident: DeskIncident, now: datetime) -> list[Candidate]:
        """The teams the incident page puts first: free ones, capable first, nearest first."""
        teams = incident_view.team_positions(self.engine, self.user.scope)
        hour = now.astimezone(self.zone).hour
        ranked = rank_teams(teams, (incident.lat, incident.lon), incident.kind, hour, self.router)
        return [c for c in ranked if c.free][: teams_needed(incident.severity)]

    def _dispatch(self, incident: DeskIncident, now: datetime) -> bool:
        if incident_view.dispatched_teams(self.engine, incident.id):
            return False  # sent a moment ago by someone else (the command would add teams)
        chosen = self.suggested(incident, now)
        if not chosen:
            self._refused(incident, "dispatch", "no free team")
            return False
        eta = max(c.eta_min for c in chosen)
        team_ids = [c.team.id for c in chosen]
        result = commands.dispatch_teams(self.engine, self.user, incident.id, team_ids, eta)
        if self._outcome(result, incident, "dispatch"):
            log.info("duty desk: sent %s to %s", ", ".join(team_ids), incident.id)
            return True
        return False

    def _notify(self, incident: DeskIncident) -> None:
        result = commands.request_notification(self.engine, self.user, incident.id, NOTIFY_LEVELS)
        if self._outcome(result, incident, "notify"):
            log.info("duty desk: asked for the notification of %s", incident.id)

    def _close(self, incident: DeskIncident) -> None:
        result = commands.close_incident(
            self.engine, self.user, incident.id, close_summary(incident.kind)
        )
        if self._outcome(result, incident, "close"):
            log.info("duty desk: closed %s", incident.id)

    def _outcome(self, result: Result, incident: DeskIncident, step: str) -> bool:
        if isinstance(result, Refused):
            self._refused(incident, step, result.message)
            return False
        self.counts[{"dispatch": "dispatched", "notify": "notified", "close": "closed"}[step]] += 1
        return True

    def _refused(self, incident: DeskIncident, step: str, why: str) -> None:
        """Someone else was quicker, or nothing is free: say so once, try again next look."""
        key = (incident.id, step, why)
        if key not in self._told:
            self.counts["refused"] += 1
            self._told.add(key)
            log.info("duty desk: %s %s not done: %s", step, incident.id, why)
