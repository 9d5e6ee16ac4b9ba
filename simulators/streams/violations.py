"""The 12-point system (Linhai, seeds/003): violations recorded by law-enforcement inspectors.

The field app sends `violation.recorded` for bottled-gas enterprises, their stations and supply
points, and their delivery workers, with Linhai's five point values (1, 2, 3, 6, 12) for rules
of that kind. Most violations are small; now and then one costs 12 points and suspends its subject
at once (the system sums the points per year). One in ten of the chain's anomalies that a
supervisor would notice (a black cylinder, an overdue filling, a sale without real name) is
followed by the matching violation a few days later (`follow_up`): with every other one, a
quarter's history suspended most of the city's bottled-gas enterprises, where suspension is the
exception that Linhai's system means it to be (seeds/003).
"""

from __future__ import annotations

from typing import Any

from simulators.clock import DAY
from simulators.core import FIELD_APP
from simulators.streams import Stream
from simulators.streams.emergency import weighted

PER_BOTTLED_ENTERPRISE_DAY = 0.05
MIN_PER_DAY = 0.5
FOLLOW_UP_SHARE = 0.1
# (share, points, subject type, rule)
RULES = (
    (0.18, 1, "worker", "送气工未佩戴服务证件"),
    (0.17, 1, "worker", "送气工未按规定着装、未规范搬运气瓶"),
    (0.13, 2, "site", "供应站气瓶储存超量"),
    (0.12, 2, "worker", "送气时未对气瓶扫码"),
    (0.12, 3, "worker", "未按规定开展入户安检"),
    (0.10, 3, "enterprise", "未落实实名制销售"),
    (0.07, 6, "enterprise", "充装超期未检或报废气瓶"),
    (0.06, 6, "site", "向无资质经营者供气"),
    (0.03, 12, "enterprise", "充装非自有产权气瓶（黑气瓶）"),
    (0.02, 12, "site", "擅自跨区域经营"),
)
FOLLOW_UPS = {
    "black_cylinder": (12, "enterprise", "充装非自有产权气瓶（黑气瓶）"),
    "overdue_filling": (6, "enterprise", "充装超期未检或报废气瓶"),
    "no_real_name_sale": (3, "enterprise", "未落实实名制销售"),
}


class ViolationStream(Stream):
    name = "violations"

    def prepare(self) -> None:
        w = self.world
        self.enterprises = [e.id for e in w.bottled]
        self.sites = [s.id for s in w.sites if s.enterprise_id in set(self.enterprises)]
        self.workers = [wk.id for wk in w.workers if wk.role == "delivery"]
        natural = max(MIN_PER_DAY, PER_BOTTLED_ENTERPRISE_DAY * len(self.enterprises))
        self.per_day = natural * self.city.case_pace  # --pace: more cases, same durations

    def natural_rate(self) -> float:
        return self.per_day / DAY

    def sources(self) -> set[str]:
        return {FIELD_APP}

    def start(self, t0: float) -> None:
        if self.enterprises:
            self.city.scheduler.call(self._next(t0), self._violation)

    def _next(self, t: float) -> float:
        return self.city.rhythm("work").advance(t, self.rng.expovariate(self.per_day / DAY))

    def _violation(self, t: float) -> None:
        _, points, subject_type, rule = weighted(self.rng, RULES)
        pool = {"enterprise": self.enterprises, "site": self.sites, "worker": self.workers}
        subjects = pool[subject_type] or self.enterprises
        subject_type = subject_type if pool[subject_type] else "enterprise"
        self.record(t, subject_type, self._caught(subject_type, subjects), rule, points)
        self.city.scheduler.call(self._next(t), self._violation)

    def _caught(self, subject_type: str, subjects: list[str]) -> str:
        """Who the inspectors catch: an enterprise by its traits' violations weight
        (simulators/district_traits.py: rogue and sloppy ones more often); others uniformly."""
        traits = self.city.traits
        if subject_type != "enterprise" or not traits.active:
            return self.rng.choice(subjects)
        weights = [traits.enterprise(e).violations for e in subjects]
        return self.rng.choices(subjects, weights=weights)[0]

    def record(self, t: float, subject_type: str, subject_id: str, rule: str, points: int) -> str:
        city = self.city
        violation_id = city.object_id("VIO")
        day = city.occurred_local(t).strftime("%Y-%m-%d")
        data: dict[str, Any] = {
            "violation_id": violation_id,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "rule": rule,
            "points": points,
            "evidence": f"{day} 执法检查记录：{rule}",
        }
        city.emit(t, FIELD_APP, "violation.recorded", data)
        return violation_id

    def follow_up(self, t: float, anomaly: str, enterprise_id: str) -> None:
        """Maybe record the violation a supervisor finds after a chain anomaly."""
        if not self.city.enabled(self.name) or anomaly not in FOLLOW_UPS:
            return
        weight = self.city.traits.enterprise(enterprise_id).violations  # district_traits.py
        if self.rng.random() >= FOLLOW_UP_SHARE * weight:
            return
        points, subject_type, rule = FOLLOW_UPS[anomaly]
        when = self.city.rhythm("work").advance(t, self.rng.uniform(1.0, 5.0) * DAY)
        self.city.scheduler.call(when, self._follow_up, subject_type, enterprise_id, rule, points)

    def _follow_up(
        self, t: float, subject_type: str, subject_id: str, rule: str, points: int
    ) -> None:
        self.record(t, subject_type, subject_id, rule, points)
