"""Inspections by quarterly plan and four-colour frequency, and the hazards they find.

The plan (Wuhan's "every object once a quarter", seeds/000; Shenzhen's four colours, seeds/004):
every enterprise, station and non-household gas user is inspected at least once a quarter, and
each object's risk colour sets its frequency: red monthly (three visits a quarter, one per month),
orange quarterly, yellow half-yearly (every other quarter) and blue yearly (one quarter in four).
Pipeline segments follow their colour only; their owners' own inspectors patrol them (企业自查),
the district gas office (燃管办) inspects the rest.

Each district's plan for a quarter lists the objects due and the visits; a district reaches the
coverage it aims at (`DistrictPlan.target_coverage`: most districts all of it, some lag a little
behind, which is what the rankings are for). Visits happen in working hours (weekdays 8:30-12:00
and 14:00-17:30), a little more of them late in each window (`PACE`). The `quarter_end_push`
scenario moves the remaining visits of the districts furthest behind into a short window.
At a `case_pace` above 1 (the demo) the offices also make spot checks (复查) of objects already
visited this quarter, (pace - 1) times as many as the plan's visits, in working hours: more
inspections and hazards, the same coverage.

An inspection is `inspection.completed` with a checklist; every failed item becomes a hazard by
the system's rule (the simulators do not report those again), and now and then the inspector
files a hazard of their own (`hazard.reported`, level major) for something outside the
checklist. Both go round the closed loop (streams/hazards.py).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.domain.hazards import RECTIFICATION_PERIOD, rule_hazard_id
from simulators.clock import (
    DAY,
    HOUR,
    position_in,
    quarter_bounds,
    quarter_label,
    working_intervals,
)
from simulators.core import FIELD_APP
from simulators.streams import Stream
from simulators.streams.hazards import HazardDesk
from simulators.streams.tasks import TaskWork
from simulators.world import World

COLOURS = ("red", "orange", "yellow", "blue")
COLOUR_SHARES = (0.03, 0.12, 0.35, 0.50)
QUARTERLY_TYPES = frozenset({"enterprise", "site", "customer"})  # Wuhan: every quarter
FAIL_SHARE = {"red": 0.14, "orange": 0.07, "yellow": 0.04, "blue": 0.02}  # per item
# An enterprise's own check (企业自查, kind self_check) of a site or customer it owns, some days
# before the office's visit, for SELF_CHECK_SHARE of the visits; it finds SELF_CHECK_CANDOUR of
# what the office would (the comparison on /tasks shows what self-checks miss).
SELF_CHECK_SHARE = 0.4
SELF_CHECK_CANDOUR = 0.5
SELF_CHECK_DAYS = (1.0, 12.0)
PACE = 0.8  # visit position = u ** PACE: a little back-loaded within each window
FULL_COVERAGE_SHARE = 0.6  # districts that finish their whole plan; the others lag a little
FILED_HAZARD_SHARE = 0.03  # inspections where the inspector also files a major hazard
THIRD_PARTY_SHARE = 0.05
WORK_S_PER_DAY = 5 / 7 * 7.0 * HOUR  # a mean day's working time (weekdays, two shifts)

CHECKLISTS = {
    "enterprise": (
        "安全生产责任制落实",
        "燃气经营许可证在有效期内",
        "从业人员持证上岗",
        "应急预案及演练记录",
        "安全培训台账完整",
        "隐患排查治理台账完整",
        "实名制销售制度落实",
    ),
    "site": (
        "消防器材配置齐全有效",
        "可燃气体报警装置运行正常",
        "储存区安全间距符合要求",
        "防雷防静电检测合格",
        "视频监控在线",
        "充装前后检查记录完整",
        "气瓶储存数量不超限",
    ),
    "customer": (
        "燃气泄漏报警器安装并联动切断",
        "气瓶存放间通风良好",
        "胶管无老化且长度合规",
        "灶具具有熄火保护装置",
        "气瓶数量不超过规定",
        "用气场所非地下室",
        "气瓶扫码查验记录完整",
    ),
    "pipeline": (
        "管道标志桩完好",
        "管道上方无占压",
        "周边无违章施工",
        "阀门井无积水无泄漏",
        "阴极保护电位正常",
    ),
}
FILED_CATEGORIES = (
    ("管道占压", "管道上方违章搭建，占压燃气管道"),
    ("地下室违规用气", "地下室违规使用瓶装液化气"),
    ("违规存放气瓶", "餐饮场所超量存放液化气钢瓶"),
    ("燃气设施被圈占", "调压设施被违章圈占，无法检修"),
    ("私拉乱接", "用户私自改装燃气管道"),
)


@dataclass(frozen=True)
class Target:
    type: str  # enterprise | site | customer | pipeline
    id: str
    district: str
    lat: float
    lon: float
    colour: str
    owner: str | None  # the responsible enterprise (a customer is responsible for itself)
    phase: int  # which quarters a yellow or blue object is due in


@dataclass
class Visit:
    target: Target
    at: float
    token: int = 0  # a moved visit ignores its old schedule
    done: bool = False


@dataclass
class DistrictPlan:
    district: str
    quarter: str
    start: float
    end: float
    due: list[Target]
    skipped: frozenset[str]
    visits: list[Visit] = field(default_factory=list)

    @property
    def target_coverage(self) -> float:
        """The share of the objects due that the district will inspect this quarter."""
        return 1.0 - len(self.skipped) / len(self.due) if self.due else 1.0

    @property
    def progress(self) -> float:
        done = sum(1 for v in self.visits if v.done)
        return done / len(self.visits) if self.visits else 1.0


def _stable(seed: int, *parts: object) -> random.Random:
    digest = hashlib.sha256("/".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class InspectionPlanner:
    """Who is due for inspection in a quarter, and when the visits happen."""

    def __init__(self, world: World, seed: int, offset_s: int) -> None:
        self.seed = seed
        self.offset_s = offset_s
        rng = _stable(seed, "colours")
        raw: list[tuple[str, str, str, float, float, str | None]] = []
        for e in world.enterprises:
            raw.append(("enterprise", e.id, e.district, e.lat, e.lon, e.id))
        for s in world.sites:
            raw.append(("site", s.id, s.district, s.lat, s.lon, s.enterprise_id))
        for c in world.customers:
            if c.kind != "household":
                raw.append(("customer", c.id, c.district, c.lat, c.lon, c.id))
        for seg in world.segments:
            lat, lon = seg.coords[len(seg.coords) // 2]
            raw.append(("pipeline", seg.id, seg.district, lat, lon, seg.enterprise_id))
        self.targets = [
            Target(kind, oid, district, lat, lon, _pick(rng), owner, rng.randrange(4))
            for kind, oid, district, lat, lon, owner in raw
        ]
        self.districts = sorted({t.district for t in self.targets})
        # The districts' diligence (simulators/district_traits.py, coverage): overrides the draw.
        self.coverage: dict[str, float] = {}

    def visits_due(self, target: Target, quarter_index: int) -> int:
        """Visits a target needs in the quarter (0: not due)."""
        if target.colour == "red":
            return 3
        if target.colour == "orange":
            needed = 1
        elif target.colour == "yellow":
            needed = 1 if (target.phase + quarter_index) % 2 == 0 else 0
        else:
            needed = 1 if (target.phase + quarter_index) % 4 == 0 else 0
        return max(needed, 1 if target.type in QUARTERLY_TYPES else 0)

    def plans(self, t: float) -> dict[str, DistrictPlan]:
        """Every district's plan for the quarter containing `t`."""
        start, end = quarter_bounds(t, self.offset_s)
        label = quarter_label(start, self.offset_s)
        year, q = int(label[:4]), int(label[-1])
        index = year * 4 + q - 1
        months = _month_starts(start, end, self.offset_s)
        by_district: dict[str, list[Target]] = defaultdict(list)
        for target in self.targets:
            by_district[target.district].append(target)
        intervals_of: dict[tuple[float, float], list[tuple[float, float]]] = {}
        plans = {}
        for district in self.districts:
            rng = _stable(self.seed, "plan", label, district)
            due = [t for t in by_district[district] if self.visits_due(t, index)]
            diligence = 1.0 if rng.random() < FULL_COVERAGE_SHARE else rng.uniform(0.88, 0.98)
            diligence = self.coverage.get(district, diligence)
            optional = sorted((t for t in due if t.colour != "red"), key=lambda t: (t.type, t.id))
            n_skip = min(len(optional), round((1.0 - diligence) * len(due)))
            skipped = frozenset(t.id for t in rng.sample(optional, n_skip))
            plan = DistrictPlan(district, label, start, end, due, skipped)
            for target in due:
                if target.id in skipped:
                    continue
                n = self.visits_due(target, index)
                windows = months if n == 3 else [(start, end)]
                for lo, hi in windows[:n]:
                    if (lo, hi) not in intervals_of:
                        intervals_of[(lo, hi)] = working_intervals(lo, hi, self.offset_s)
                    intervals = intervals_of[(lo, hi)]
                    at = position_in(intervals, rng.random() ** PACE) if intervals else lo
                    plan.visits.append(Visit(target, at))
            plan.visits.sort(key=lambda v: (v.at, v.target.id))
            plans[district] = plan
        return plans


def _pick(rng: random.Random) -> str:
    u, acc = rng.random(), 0.0
    for colour, share in zip(COLOURS, COLOUR_SHARES, strict=True):
        acc += share
        if u < acc:
            return colour
    return COLOURS[-1]


def _month_starts(start: float, end: float, offset_s: int) -> list[tuple[float, float]]:
    """The three calendar months of a quarter as (start, end) pairs."""
    from datetime import datetime, timedelta, timezone

    tz = timezone(timedelta(seconds=offset_s))
    first = datetime.fromtimestamp(start, tz)
    bounds = []
    for k in range(4):
        month = first.month + k
        year = first.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        bounds.append(first.replace(year=year, month=month).timestamp())
    return [(bounds[k], min(bounds[k + 1], end)) for k in range(3)]


class InspectionStream(Stream):
    name = "inspections"

    def prepare(self) -> None:
        self.planner = InspectionPlanner(self.world, self.city.options.seed, self.city.offset_s)
        self.hazards = HazardDesk(self.city)
        self.plans: dict[str, DistrictPlan] = {}
        self.quarter: str | None = None
        self.staff: dict[str, list[str]] = {}
        self.inspectors_of = {
            e.id: [w.id for w in self.world.workers_of[(e.id, "inspector")]]
            for e in self.world.enterprises
        }
        self.done_by_target: dict[str, int] = defaultdict(int)
        self.self_rng = self.city.rng("inspections/self-check")
        self.task_rng = self.city.rng("inspections/tasks")
        self.tasks: list[TaskWork] = []  # taken before the stream starts; worked when it does
        self.target_of = {target.id: target for target in self.planner.targets}
        # Who checks an object itself: a site's enterprise, a customer's gas supplier (入户安检).
        self.checked_by = {s.id: s.enterprise_id for s in self.world.sites} | {
            c.id: c.enterprise_id for c in self.world.customers if c.kind != "household"
        }
        self.running = False

    def natural_rate(self) -> float:
        # each inspection brings about 0.4 hazard events
        return self._visits_per_s() * 1.4 * self.city.case_pace

    def _visits_per_s(self) -> float:
        """The plan's visits per simulated second (a quarter's mean)."""
        visits = 0.0
        for target in self.planner.targets:
            visits += {"red": 3.0, "orange": 1.0, "yellow": 0.5, "blue": 0.25}[target.colour]
            if target.type in QUARTERLY_TYPES and target.colour in ("yellow", "blue"):
                visits += 1.0 - {"yellow": 0.5, "blue": 0.25}[target.colour]
        return visits / (91.3 * DAY)

    def sources(self) -> set[str]:
        return {FIELD_APP}

    def start(self, t0: float) -> None:
        self.running = True
        self._plan_quarter(t0, t0)
        for work in self.tasks:
            self._schedule_task(work, t0)
        spot_rate = (self.city.case_pace - 1.0) * self._visits_per_s() * DAY / WORK_S_PER_DAY
        if spot_rate > 0:
            self.spot_rng = self.city.rng("inspections/spot")
            self.spot_rate = spot_rate  # per second of working time
            self.city.scheduler.call(self._next_spot(t0), self._spot_check)

    # --- spot checks (case_pace > 1) --------------------------------------------------------

    def _next_spot(self, t: float) -> float:
        """The next spot check: an exponential gap counted in working time only."""
        left = self.spot_rng.expovariate(self.spot_rate)
        while True:
            for lo, hi in working_intervals(t, t + 7 * DAY, self.city.offset_s):
                if left <= hi - lo:
                    return lo + left
                left -= hi - lo
            t += 7 * DAY

    def _spot_check(self, t: float) -> None:
        """Another visit to an object already inspected this quarter (the coverage stays the
        plan's)."""
        done = [v.target for plan in self.plans.values() for v in plan.visits if v.done]
        if done:
            self._visit(t, Visit(self.spot_rng.choice(done), t), 0)
        self.city.scheduler.call(self._next_spot(t), self._spot_check)

    # --- plans ------------------------------------------------------------------------------

    def _plan_quarter(self, t: float, since: float) -> None:
        """Plan the quarter containing `t`; visits before `since` count as done before the
        simulation began; the later ones are scheduled when the stream runs."""
        traits = self.city.traits.districts
        self.planner.coverage = {
            code: d.coverage for code, d in traits.items() if d.coverage is not None
        }
        self.plans = self.planner.plans(t)
        first = next(iter(self.plans.values()), None)
        self.quarter = first.quarter if first else None
        for district, plan in self.plans.items():
            self.staff[district] = [
                f"INSP-{district}-{k + 1:02d}" for k in range(max(2, math.ceil(len(plan.due) / 80)))
            ]
            for visit in plan.visits:
                if visit.at < since:
                    visit.done = True
                elif self.running:
                    self.city.scheduler.call(visit.at, self._visit, visit, visit.token)
                    self._plan_self_check(visit, since)
        if first is not None and self.running:
            self.city.scheduler.call(first.end, self._next_quarter)

    def _next_quarter(self, t: float) -> None:
        self._plan_quarter(t + 1.0, t)

    def push(self, t: float, window: float = 2 * HOUR, districts: int | None = 3) -> list[str]:
        """Quarter-end push: the remaining visits of the `districts` districts furthest behind
        (all when None) happen within `window` from `t`. Returns the districts pushed."""
        if not self.plans or t >= next(iter(self.plans.values())).end:
            self._plan_quarter(t, t)  # the stream is off: plan now, schedule only the push
        ranked = sorted(self.plans.values(), key=lambda p: (p.progress, p.district))
        chosen = ranked if districts is None else ranked[:districts]
        for plan in chosen:
            left = [v for v in plan.visits if not v.done and v.at > t]
            for i, visit in enumerate(left):
                visit.at = t + (i + 0.5) / len(left) * window
                visit.token += 1
                visit.done = False
                self.city.scheduler.call(visit.at, self._visit, visit, visit.token)
        return [plan.district for plan in chosen]

    # --- inspection tasks (simulators/streams/tasks.py) ---------------------------------------

    def take_task(self, work: TaskWork) -> None:
        """Work through a task: now if the stream runs, else from its start."""
        self.tasks.append(work)
        if self.running:
            self._schedule_task(work, self.city.scheduler.now)

    def _schedule_task(self, work: TaskWork, now: float) -> None:
        """The office's visits to `diligence` of the task's objects, in working hours between
        the issue (or now) and half a day before the deadline; at a `case_pace` above 1 (the
        demo) that much sooner, as the other cases are."""
        rng = self.task_rng
        objects = [oid for oid in work.objects if oid in self.target_of]
        chosen = rng.sample(objects, round(work.diligence * len(objects)))
        lo, hi = max(work.issued, now), work.deadline - 0.5 * DAY
        hi = lo + (hi - lo) / max(1.0, self.city.case_pace)
        intervals = working_intervals(lo, hi, self.city.offset_s) if hi > lo else []
        for oid in chosen:
            if intervals:
                at = position_in(intervals, rng.random())
                self.city.scheduler.call(at, self._task_visit, work, self.target_of[oid])
                self._plan_task_self_check(work, self.target_of[oid], at, lo)

    def _plan_task_self_check(
        self, work: TaskWork, target: Target, visit: float, lo: float
    ) -> None:
        """An enterprise asked to check its own objects first (企业自查) does so, by the task's
        checklist, some days before the office comes, for SELF_CHECK_SHARE of them."""
        rng = self.self_rng
        own = self.inspectors_of.get(self.checked_by.get(target.id) or "", [])
        if not own or rng.random() >= SELF_CHECK_SHARE:
            return
        at = visit - rng.uniform(0.5, 5.0) * DAY
        if at >= lo:
            self.city.scheduler.call(at, self._self_check, target, rng.choice(own), work.items)

    def _task_visit(self, t: float, work: TaskWork, target: Target) -> None:
        rng = self.task_rng
        officer = rng.choice(self.staff.get(target.district) or [f"INSP-{target.district}-01"])
        items, failed = self._items(work.items, self._fail_share(target), rng)
        self._inspect(t, target, work.kind, officer, officer, items, failed, work.task_id)

    # --- visits -----------------------------------------------------------------------------

    def _plan_self_check(self, visit: Visit, since: float) -> None:
        """The enterprise's own check of its site or customer some days before the office
        comes."""
        target, rng = visit.target, self.self_rng
        own = self.inspectors_of.get(self.checked_by.get(target.id) or "", [])
        if not own or rng.random() >= SELF_CHECK_SHARE:
            return
        at = visit.at - rng.uniform(*SELF_CHECK_DAYS) * DAY
        if at >= since:
            self.city.scheduler.call(at, self._self_check, target, rng.choice(own))

    def _self_check(
        self, t: float, target: Target, inspector: str, names: tuple[str, ...] | None = None
    ) -> None:
        """An enterprise's self-check (企业自查), by the object's checklist or `names`: it finds
        less than the office does; what it finds becomes a self-reported hazard by the same
        rule, which the enterprise follows up itself."""
        share = FAIL_SHARE[target.colour] * SELF_CHECK_CANDOUR
        if names is None:
            items, failed = self._checklist(target, share)
        else:
            items, failed = self._items(names, share, self.self_rng)
        self._inspect(t, target, "self_check", inspector, inspector, items, failed)

    def _checklist(
        self, target: Target, fail_share: float
    ) -> tuple[list[dict[str, Any]], list[int]]:
        """Five to seven items of the object's checklist, each failed with `fail_share`."""
        rng = self.rng
        checklist = CHECKLISTS[target.type]
        chosen = sorted(rng.sample(range(len(checklist)), min(len(checklist), rng.randint(5, 7))))
        return self._items([checklist[k] for k in chosen], fail_share, rng)

    @staticmethod
    def _items(
        names: Sequence[str], fail_share: float, rng: random.Random
    ) -> tuple[list[dict[str, Any]], list[int]]:
        """The items `names`, each failed with `fail_share`; (items, indexes of the failed)."""
        items: list[dict[str, Any]] = []
        failed: list[int] = []
        for index, name in enumerate(names):
            passed = rng.random() >= fail_share
            item: dict[str, Any] = {"item": name, "passed": passed}
            if not passed:
                item["note"] = f"不符合要求：{name}"
                failed.append(index)
            items.append(item)
        return items, failed

    def _fail_share(self, target: Target) -> float:
        """An item's chance to fail: the object's colour times its district's hazard rate."""
        return FAIL_SHARE[target.colour] * self.city.traits.district(target.district).hazard_rate

    def _visit(self, t: float, visit: Visit, token: int) -> None:
        if token != visit.token or visit.done:
            return
        visit.done = True
        target = visit.target
        self.done_by_target[target.id] += 1
        rng = self.rng
        officer = rng.choice(self.staff.get(target.district) or [f"INSP-{target.district}-01"])
        inspector = officer
        own = self.inspectors_of.get(target.owner or "", [])
        if target.type == "pipeline" and own:
            inspector = rng.choice(own)  # the owner's patrol (企业自查)
        kind = "third_party" if rng.random() < THIRD_PARTY_SHARE else "daily"
        items, failed = self._checklist(target, self._fail_share(target))
        inspection_id = self._inspect(t, target, kind, inspector, officer, items, failed)
        if rng.random() < FILED_HAZARD_SHARE:
            responsible = target.owner or target.id
            self._file_hazard(t, inspection_id, target, responsible, officer)

    def _inspect(
        self,
        t: float,
        target: Target,
        kind: str,
        inspector: str,
        officer: str,
        items: list[dict[str, Any]],
        failed: list[int],
        task_id: str | None = None,
    ) -> str:
        """Send one inspection and follow its failed items round the hazard loop."""
        city = self.city
        inspection_id = city.object_id("INS")
        data = {
            "inspection_id": inspection_id,
            "kind": kind,
            "target_type": target.type,
            "target_id": target.id,
            "district": target.district,
            "inspector_id": inspector,
            "items": items,
            "lat": target.lat,
            "lon": target.lon,
        }
        if task_id is not None:
            data["task_id"] = task_id
        gate = f"inspection:{inspection_id}"
        city.emit(t, FIELD_APP, "inspection.completed", data, provides=gate)
        occurred = city.clock.occurred(t)
        responsible = target.owner or target.id
        for index in failed:  # the system reports these hazards by rule; we follow them up
            due = occurred + RECTIFICATION_PERIOD.total_seconds()
            hazard_id = rule_hazard_id(inspection_id, index)
            self.hazards.track(
                t, hazard_id, due, responsible, officer, requires=gate, district=target.district
            )
        return inspection_id

    def _file_hazard(
        self, t: float, inspection_id: str, target: Target, responsible: str, officer: str
    ) -> None:
        city = self.city
        category, description = self.rng.choice(FILED_CATEGORIES)
        hazard_id = city.object_id("HZD")
        due = city.clock.occurred(t) + 3 * DAY
        data = {
            "hazard_id": hazard_id,
            "inspection_id": inspection_id,
            "target_type": target.type,
            "target_id": target.id,
            "district": target.district,
            "category": category,
            "level": "major",
            "description": description,
            "lat": target.lat,
            "lon": target.lon,
            "due_at": city.iso_occurred(due),
        }
        gate = f"hazard:{hazard_id}"
        city.emit(t + 120.0, FIELD_APP, "hazard.reported", data, provides=gate)
        self.hazards.track(
            t + 120.0, hazard_id, due, responsible, officer, requires=gate, district=target.district
        )
