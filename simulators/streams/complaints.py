"""Complaints and service requests: the 96511 hotline, WeChat, the web and public QR checks.

One source (`hotline-96511`, the gas service platform) sends `complaint.received` and then
`complaint.updated` as the complaint goes down Shangrao's chain (seeds/002, art. 6; `handle`):
passed to the district office within the hour, on to the enterprise named, answered within the
category's time limit or, for some, past it (escalated meanwhile by the rule: the backfill writes
those escalations), closed after the office's return call with the caller's satisfaction, lower
when late. In a live run with the simulated complaint desk only the complaints arrive here.

Fuzhou's public QR checks (seeds/001) arrive as channel qr_check with the cylinder's code and
its registered enterprise (catalogue 1.1 `enterprise_id`, as the real /q/<code> page files them,
data_access/commands/public.py): the filling enterprise or the delivery worker does not match
what the scan shows, or the cylinder is past its inspection date (then the code is one of the
registry's overdue cylinders). Most QR checks find nothing and file nothing; the ones that reach
the log are the mismatches and overdue cylinders, in QR_TOPICS' shares.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dashboard.domain.complaints import time_limit
from simulators.clock import DAY, HOUR, MINUTE
from simulators.core import HOTLINE
from simulators.streams import Stream
from simulators.streams.emergency import weighted

COMPLAINTS_PER_DAY_WUHAN = 300.0
WUHAN_CYLINDERS = 2_010_000
MIN_PER_DAY = 6.0
# The chain's pace (shares of the category's limit, dashboard/domain/complaints.py): most are
# answered in a quarter to two thirds of it; LATE_SHARE past it (escalated meanwhile); a few
# answered in time are closed late all the same (the return call slipped).
LATE_SHARE = 0.12
TIMELY_REPLY = (0.25, 0.65)
LATE_REPLY = (1.1, 2.6)
CLOSED_LATE_SHARE = 0.05
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
SATISFACTION_LATE = ((0.20, 5), (0.30, 4), (0.25, 3), (0.15, 2), (0.10, 1))
REPLY = "已联系来电人并上门核实处理，已向来电人说明处理结果"
REPLIES = {
    "燃气异味": "已派员上门检测，未发现泄漏；已检查阀门和软管并告知安全用气注意事项",
    "检验超期": "已回收该超期气瓶送检，并为用户更换合格气瓶",
    "企业信息不符": "经核实为代送，已责令规范经营并约谈相关供应站",
    "送气工信息不符": "经核实为临时替班人员，已要求持证上岗并更新配送信息",
    "送气不及时": "已安排加急配送并向用户致歉",
    "收费问题": "经核实多收费用已退还用户",
    "气量不足": "已上门复称，为用户补足气量",
}


class ComplaintStream(Stream):
    name = "complaints"

    def prepare(self) -> None:
        cylinders = self.world.totals.get("cylinders", len(self.world.cylinders))
        natural = max(MIN_PER_DAY, COMPLAINTS_PER_DAY_WUHAN * cylinders / WUHAN_CYLINDERS)
        self.per_day = natural * self.city.case_pace  # --pace: more cases, same durations
        # A live run with the simulated complaint desk (simulators/complaint_desk.py): only the
        # complaints arrive here; the desk's staff take them down the chain through commands.
        self.handled_by_desk = False
        self.callers = [c for c in self.world.customers if c.enterprise_id is not None]
        today = self.city.today
        self.overdue = [c for c in self.world.cylinders if c.valid_until() < today]
        horizon = today + timedelta(days=30)
        self.valid = [c for c in self.world.cylinders if c.valid_until() > horizon]

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
                cylinder = rng.choice(pool)
                data |= {"code": cylinder.code, "enterprise_id": cylinder.enterprise_id}
        else:
            _, category, text = weighted(rng, TOPICS)
        data |= {
            "category": category,
            "district": caller.district,
            "text": text,
            "lat": caller.lat,
            "lon": caller.lon,
        }
        data.setdefault("enterprise_id", caller.enterprise_id)  # the caller's supplier
        city.emit(t, HOTLINE, "complaint.received", data)
        if not self.handled_by_desk:
            self.handle(t, complaint_id, category, caller.district, data["enterprise_id"])
        return complaint_id

    def handle(
        self, t: float, complaint_id: str, category: str, district: str, enterprise_id: str | None
    ) -> None:
        """The complaint down the chain (dashboard/domain/complaints.py), as the 96511 desk, the
        district office and the enterprise would take it: the desk passes it to the district
        within the hour, the office to the enterprise named (when registered in the district;
        else it answers itself) within hours; the answer comes well within the category's
        limit, or, for LATE_SHARE, past it (the rules runner escalates those: the backfill
        writes its escalations, simulators/backfill.py); closed after the office's return call
        with the caller's satisfaction, lower for a late one."""
        rng = self.rng
        limit = time_limit(category).total_seconds()
        due = t + limit
        agent = f"96511-{rng.randint(1, 40):03d}"
        office = f"GASOFFICE-{district}"
        passed = t + rng.uniform(10.0, 60.0) * MINUTE
        self._update(passed, complaint_id, "assigned", agent, handler="district")
        enterprise = self.world.enterprise.get(enterprise_id) if enterprise_id else None
        answerer = office
        at_office = passed + rng.uniform(0.05, 0.15) * limit
        if enterprise is not None and enterprise.district == district:
            self._update(at_office, complaint_id, "assigned", office, handler="enterprise",
                         enterprise_id=enterprise.id)  # fmt: skip
            answerer = enterprise.id
        late_share = self.city.traits.district(district).complaint_late  # district_traits.py
        late = rng.random() < (LATE_SHARE if late_share is None else late_share)
        share = rng.uniform(*(LATE_REPLY if late else TIMELY_REPLY))
        replied = max(at_office + 10 * MINUTE, t + share * limit)
        self._update(replied, complaint_id, "replied", answerer, note=REPLIES.get(category, REPLY))
        if replied < due:  # the return call, mostly within the limit
            closed = replied + rng.uniform(0.1, 0.9) * (due - replied)
            if rng.random() < CLOSED_LATE_SHARE:
                closed = due + rng.uniform(1.0, 12.0) * HOUR
        else:
            closed = replied + rng.uniform(1.0, 24.0) * HOUR
        score = weighted(rng, SATISFACTION_LATE if closed > due else SATISFACTION)[1]
        self._update(closed, complaint_id, "closed", office, satisfaction=score,
                     note=f"回访来电人，满意度 {score} 分")  # fmt: skip

    def _update(
        self,
        t: float,
        complaint_id: str,
        status: str,
        actor: str,
        satisfaction: int | None = None,
        **more: str,
    ) -> None:
        data: dict[str, Any] = {"complaint_id": complaint_id, "status": status, "actor": actor}
        if satisfaction is not None:
            data["satisfaction"] = satisfaction
        self.city.emit(t, HOTLINE, "complaint.updated", data | more)
