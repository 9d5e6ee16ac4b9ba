"""Complaints and service requests: the 96511 hotline, WeChat, the web and public QR checks.

One source (`hotline-96511`, the gas service platform) sends `complaint.received` and then
`complaint.updated` as the complaint goes round Shangrao's loop (seeds/002, art. 6: accepted,
passed down, escalated when overdue, answered, closed with the caller's satisfaction): assigned
within the hour, replied within a day, or escalated first (督办) when the first answer is late,
which also lowers the satisfaction; closed a day or two later.

Fuzhou's public QR checks (seeds/001) arrive as channel qr_check with the cylinder's code: the
filling enterprise or the delivery worker does not match what the scan shows, or the cylinder is
past its inspection date (then the code is one of the registry's overdue cylinders).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulators.clock import DAY, HOUR, MINUTE
from simulators.core import HOTLINE
from simulators.streams import Stream
from simulators.streams.emergency import weighted

COMPLAINTS_PER_DAY_WUHAN = 300.0
WUHAN_CYLINDERS = 2_010_000
MIN_PER_DAY = 6.0
ESCALATED_SHARE = 0.12
CHANNELS = (
    (0.55, "hotline_96511"),
    (0.20, "wechat"),
    (0.10, "web"),
    (0.15, "qr_check"),
)
TOPICS = (
    (0.25, "送气不及时", "预约送气超过约定时间仍未送达"),
    (0.15, "服务态度", "送气工服务态度差，不按规定搬运气瓶"),
    (0.15, "收费问题", "送气收费高于公示价格"),
    (0.15, "安检问题", "入户安检人员未出示证件"),
    (0.20, "燃气异味", "家中偶有燃气异味，要求上门检查"),
    (0.10, "气量不足", "钢瓶气量不足，怀疑短斤少两"),
)
QR_TOPICS = (
    (0.35, "企业信息不符", "扫码显示的充装企业与送气企业不一致"),
    (0.35, "送气工信息不符", "现场送气工与扫码显示的送气工不一致"),
    (0.30, "检验超期", "扫码显示气瓶已超过检验有效期"),
)
SATISFACTION = ((0.55, 5), (0.25, 4), (0.10, 3), (0.06, 2), (0.04, 1))
SATISFACTION_ESCALATED = ((0.20, 5), (0.30, 4), (0.25, 3), (0.15, 2), (0.10, 1))


class ComplaintStream(Stream):
    name = "complaints"

    def prepare(self) -> None:
        cylinders = self.world.totals.get("cylinders", len(self.world.cylinders))
        natural = max(MIN_PER_DAY, COMPLAINTS_PER_DAY_WUHAN * cylinders / WUHAN_CYLINDERS)
        self.per_day = natural * self.city.case_pace  # --pace: more cases, same durations
        self.callers = [c for c in self.world.customers if c.enterprise_id is not None]
        today = self.city.today
        self.overdue = [c.code for c in self.world.cylinders if c.valid_until() < today]
        horizon = today + timedelta(days=30)
        self.valid = [c.code for c in self.world.cylinders if c.valid_until() > horizon]

    def natural_rate(self) -> float:
        return self.per_day * 4.1 / DAY

    def sources(self) -> set[str]:
        return {HOTLINE}

    def start(self, t0: float) -> None:
        if self.callers:
            self.city.scheduler.call(self._next(t0), self._complaint)

    def _next(self, t: float) -> float:
        return self.city.rhythm("service").advance(t, self.rng.expovariate(self.per_day / DAY))

    def _complaint(self, t: float) -> None:
        self.receive(t)
        self.city.scheduler.call(self._next(t), self._complaint)

    def receive(self, t: float, channel: str | None = None) -> str:
        """A complaint arriving at `t` (and its handling); returns its id."""
        rng, city = self.rng, self.city
        channel = channel or weighted(rng, CHANNELS)[1]
        caller = rng.choice(self.callers)
        complaint_id = city.object_id("CMP")
        data: dict[str, Any] = {"complaint_id": complaint_id, "channel": channel}
        if channel == "qr_check":
            _, category, text = weighted(rng, QR_TOPICS)
            pool = self.overdue if category == "检验超期" and self.overdue else self.valid
            if pool:
                data["code"] = rng.choice(pool)
        else:
            _, category, text = weighted(rng, TOPICS)
        data |= {
            "category": category,
            "district": caller.district,
            "text": text,
            "lat": caller.lat,
            "lon": caller.lon,
        }
        city.emit(t, HOTLINE, "complaint.received", data)
        agent = f"96511-{rng.randint(1, 40):03d}"
        assigned = t + rng.uniform(10.0, 60.0) * MINUTE
        self._update(assigned, complaint_id, "assigned", agent)
        escalated = rng.random() < ESCALATED_SHARE
        if escalated:
            when = assigned + rng.uniform(1.0, 2.0) * DAY
            self._update(when, complaint_id, "escalated", f"GASOFFICE-{caller.district}")
            replied = when + rng.uniform(0.3, 1.0) * DAY
        else:
            replied = assigned + rng.uniform(2.0, 24.0) * HOUR
        self._update(replied, complaint_id, "replied", agent)
        score = weighted(rng, SATISFACTION_ESCALATED if escalated else SATISFACTION)[1]
        closed = replied + rng.uniform(0.5, 2.0) * DAY
        self._update(closed, complaint_id, "closed", agent, satisfaction=score)
        return complaint_id

    def _update(
        self, t: float, complaint_id: str, status: str, actor: str, satisfaction: int | None = None
    ) -> None:
        data: dict[str, Any] = {"complaint_id": complaint_id, "status": status, "actor": actor}
        if satisfaction is not None:
            data["satisfaction"] = satisfaction
        self.city.emit(t, HOTLINE, "complaint.updated", data)
