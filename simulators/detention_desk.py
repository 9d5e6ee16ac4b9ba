"""The simulated detention desk (在线扣瓶, docs/detentions.md): a city supervisor and the
enterprises acting through the commands (data_access.commands), beside a live run.

Every `poll_s` it looks once:

- the supervisor detains one problem cylinder (an open finding, no open detention) while fewer
  than `max_open` detentions are open, with a recall day one to three days ahead, or today for
  the ones its enterprise will be late with;
- each enterprise recalls its detained cylinders to one of its own sites a human-like while
  after the detention; about one in five it "forgets" until the recall is escalated (督办) by
  the app's rules runner, then recalls it;
- the supervisor disposes of the recalled ones a while later: released, or about one in six
  scrapped with a note.

Whether an enterprise is late, how long each step waits and which site it picks are drawn per
detention from the seed, so a look repeats the same decisions. A refusal (someone acted first)
is logged once and the desk moves on; it writes nothing itself.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from sqlalchemy import Engine

from dashboard.auth import hash_password
from dashboard.domain.detentions import today
from dashboard.domain.roles import CITYWIDE, Role, Scope, User, system_user
from dashboard.i18n import t_or
from data_access import commands
from data_access.commands import Refused, Result
from data_access.queries import detentions as queries
from data_access.users import find_login

log = logging.getLogger("simulators.detention_desk")

Span = tuple[float, float]  # (shortest, longest) seconds
SUPERVISOR = User(0, "detention-sim", Role.SUPERVISOR, "市燃气办监管员（模拟）")
LATE_SHARE = 0.2  # enterprises late with their recall
SCRAP_SHARE = 1 / 6  # recalled cylinders scrapped rather than released
SCRAP_NOTES = ("瓶体严重腐蚀，予以报废", "超过设计使用年限，予以报废", "检验不合格，予以报废")


@dataclass(frozen=True)
class DetentionTiming:
    """How quickly the desk acts (real seconds). Tests shorten them."""

    poll_s: float = 20.0
    detain_every: Span = (120.0, 600.0)  # between two detentions
    recall_after: Span = (60.0, 900.0)  # from the detention to the recall (in time)
    late_recall_after: Span = (120.0, 1800.0)  # from the escalation to a late recall
    close_after: Span = (60.0, 600.0)  # from the recall to the release or scrap
    max_open: int = 8


def enterprise_user(enterprise_id: str) -> User:
    """An enterprise's safety officer, as the commands take them."""
    return User(0, f"ent-sim-{enterprise_id}"[:64], Role.ENTERPRISE, "企业安全员（模拟）",
                enterprise_id=enterprise_id)  # fmt: skip


def detention_user(engine: Engine) -> User:
    """The simulated supervisor's account ("detention-sim"), created (by "demo") if missing,
    so the queue names them; the plain `SUPERVISOR` when it cannot be made."""
    found = find_login(engine, SUPERVISOR.username)
    if found is None:
        commands.create_user(
            engine,
            system_user("demo"),
            SUPERVISOR.username,
            hash_password(secrets.token_urlsafe(24)),
            SUPERVISOR.role,
            display_name=SUPERVISOR.display_name,
        )
        found = find_login(engine, SUPERVISOR.username)
    return found[0] if found is not None else SUPERVISOR


class DetentionDesk:
    """`step()` is one look; `start()` runs it every `timing.poll_s` in a thread until `stop()`."""

    def __init__(
        self,
        engine: Engine,
        *,
        timing: DetentionTiming | None = None,
        seed: int = 0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        supervisor: User = SUPERVISOR,
    ) -> None:
        self.engine = engine
        self.timing = timing or DetentionTiming()
        self.seed = seed
        self.clock = clock
        self.supervisor = supervisor
        self.counts: Counter[str] = Counter()  # detained, recalled, released, scrapped, refused
        self._next_detention: datetime | None = None
        self._told: set[tuple[str, str]] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="detention-desk", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        log.info("detention desk: the supervisor and the enterprises are at work")
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception as error:  # the database away for a moment: look again later
                log.warning("detention desk: %s", (str(error).splitlines() or [""])[0][:200])
            self._stopping.wait(self.timing.poll_s)
        done = ", ".join(f"{k} {n}" for k, n in sorted(self.counts.items())) or "nothing"
        log.info("detention desk: done (%s)", done)

    # --- one look ---------------------------------------------------------------------------

    def step(self) -> None:
        now = self.clock()
        board = queries.detention_board(self.engine, CITYWIDE, queries.DetentionFilter(page=1), now)
        open_rows = board.rows
        for row in open_rows:
            if row.status == "detained":
                self._recall(row, now)
            elif row.status == "recalled":
                self._close(row, now)
        if board.total < self.timing.max_open:
            self._detain(now)

    def _random(self, *key: str) -> Random:
        return Random(":".join((str(self.seed), *key)))

    def _delay(self, key: str, step: str, span: Span) -> timedelta:
        return timedelta(seconds=self._random(step, key).uniform(*span))

    def _late(self, code: str) -> bool:
        return self._random("late", code).random() < LATE_SHARE

    def _detain(self, now: datetime) -> None:
        if self._next_detention is not None and now < self._next_detention:
            return
        candidates = queries.problem_cylinders(self.engine, CITYWIDE, limit=20)
        if not candidates:
            return
        code, kind = self._random("pick", now.isoformat()).choice(candidates)
        days = 0 if self._late(code) else self._random("days", code).randint(1, 3)
        reason = f"{t_or(f'finding.{kind}', kind, 'zh')}，现场扣押，责令限期召回"
        result = commands.detain_cylinder(
            self.engine,
            self.supervisor,
            code,
            reason=reason,
            recall_by=today(now) + timedelta(days=days),
        )
        self._outcome(result, code, "detained")
        gap = self._random("next", now.isoformat()).uniform(*self.timing.detain_every)
        self._next_detention = now + timedelta(seconds=gap)

    def _recall(self, row: queries.DetentionRow, now: datetime) -> None:
        if self._late(row.code):  # this enterprise waits for the escalation (督办)
            if row.escalated_at is None:
                return
            due = row.escalated_at + self._delay(row.id, "late", self.timing.late_recall_after)
        else:
            due = row.detained_at + self._delay(row.id, "recall", self.timing.recall_after)
        if now < due:
            return
        user = enterprise_user(row.enterprise_id)
        sites = queries.own_sites(self.engine, Scope(enterprise_id=row.enterprise_id),
                                  row.enterprise_id)  # fmt: skip
        if not sites:
            self._refused(row.code, "recall", "the enterprise has no site")
            return
        site_id, site_name = self._random("site", row.id).choice(sites)
        note = f"已将气瓶召回至{site_name}"
        result = commands.record_recall(self.engine, user, row.id, site_id, note=note)
        self._outcome(result, row.code, "recalled")

    def _close(self, row: queries.DetentionRow, now: datetime) -> None:
        assert row.recalled_at is not None
        if now < row.recalled_at + self._delay(row.id, "close", self.timing.close_after):
            return
        chance = self._random("scrap", row.id)
        if chance.random() < SCRAP_SHARE:
            note = chance.choice(SCRAP_NOTES)
            result = commands.scrap_cylinder(self.engine, self.supervisor, row.id, note=note)
            self._outcome(result, row.code, "scrapped")
        else:
            note = "召回复检合格，予以放行"
            result = commands.release_cylinder(self.engine, self.supervisor, row.id, note=note)
            self._outcome(result, row.code, "released")

    def _outcome(self, result: Result, code: str, done: str) -> None:
        if isinstance(result, Refused):
            self._refused(code, done, result.message)
            return
        self.counts[done] += 1
        log.info("detention desk: %s %s", done, code)

    def _refused(self, code: str, step: str, why: str) -> None:
        if (code, step) not in self._told:
            self._told.add((code, step))
            self.counts["refused"] += 1
            log.info("detention desk: %s %s not done: %s", step, code, why)
