"""Third-party excavations near gas pipelines (第三方施工), and the damage some of them do.

The field app registers digs its patrols find or the permit office passes on
(`excavation.registered`): about one a day per hundred pipeline segments. `NEAR_SHARE` of them
are within tens of metres of a registered segment (placed on the segment's polyline, then moved
sideways); most of those have a signed protection agreement, some do not (the system raises a
finding for those by rule). Now and then a dig strikes the pipe (`damage`): the segment's
pressure sensors drop below their threshold (its flow sensors jump above theirs), a methane
detector nearby rises above its own, a `pipeline_damage` incident is reported (by the patrol, or
by the contractor calling 96511) and a repair team (the owner's own if it has one) goes out.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from simulators.clock import DAY, HOUR, MINUTE
from simulators.core import FIELD_APP
from simulators.places import offset_m, point_on_polyline
from simulators.streams import Stream
from simulators.world import Segment

PER_100_SEGMENTS_DAY = 1.0
MIN_PER_DAY = 2.0
NEAR_SHARE = 0.45
SIGNED_NEAR = 0.75
SIGNED_FAR = 0.9
DAMAGE_UNSIGNED = 0.08
DAMAGE_SIGNED = 0.01
CONTRACTORS = (
    "武汉市政建设集团有限公司",
    "中建三局第一建设工程有限责任公司",
    "中铁十一局集团城市轨道工程有限公司",
    "湖北省路桥集团有限公司",
    "武汉地铁集团有限公司工程部",
    "武汉江城水务工程有限公司",
    "湖北楚天通信管线工程有限公司",
    "国网武汉供电公司工程部",
)


class ExcavationStream(Stream):
    name = "excavations"

    def prepare(self) -> None:
        natural = max(MIN_PER_DAY, PER_100_SEGMENTS_DAY * len(self.world.segments) / 100.0)
        self.per_day = natural * self.city.case_pace  # --pace: more cases, same durations
        self.enterprise_teams: dict[str, list[str]] = {}
        for team in self.world.teams:
            if team.level == "enterprise":
                self.enterprise_teams.setdefault(team.owner_id, []).append(team.id)

    def natural_rate(self) -> float:
        return self.per_day / DAY

    def sources(self) -> set[str]:
        return {FIELD_APP}

    def start(self, t0: float) -> None:
        if self.world.districts:
            self.city.scheduler.call(self._next(t0), self._random_dig)

    def _next(self, t: float) -> float:
        return self.city.rhythm("work").advance(t, self.rng.expovariate(self.per_day / DAY))

    def _random_dig(self, t: float) -> None:
        rng = self.rng
        near = bool(self.world.segments) and rng.random() < NEAR_SHARE
        segment = rng.choice(self.world.segments) if near else None
        signed = rng.random() < (SIGNED_NEAR if near else SIGNED_FAR)
        permit = self.register(t, segment=segment, signed=signed)
        if segment is not None and rng.random() < (DAMAGE_SIGNED if signed else DAMAGE_UNSIGNED):
            strike = t + rng.uniform(1.0, 8.0) * HOUR
            self.city.scheduler.call(strike, self._strike, permit, segment)
        self.city.scheduler.call(self._next(t), self._random_dig)

    def _strike(self, t: float, permit: dict[str, Any], segment: Segment) -> None:
        self.damage(t, permit, segment)

    def register(
        self,
        t: float,
        *,
        segment: Segment | None = None,
        signed: bool = True,
        radius_m: float | None = None,
        offset: float | None = None,
    ) -> dict[str, Any]:
        """Register a dig at `t` (near `segment` if given); returns the permit's data."""
        rng, city = self.rng, self.city
        radius = radius_m if radius_m is not None else rng.uniform(10.0, 80.0)
        if segment is not None:
            lat, lon, heading = point_on_polyline(segment.coords, rng)
            side = offset if offset is not None else rng.uniform(5.0, 40.0) * rng.choice((-1, 1))
            angle = math.radians(heading + 90.0)
            lat, lon = offset_m(lat, lon, side * math.cos(angle), side * math.sin(angle))
            district = segment.district
        else:
            d = rng.choice(self.world.districts)
            lat, lon = offset_m(d.lat, d.lon, rng.uniform(-2500, 2500), rng.uniform(-2500, 2500))
            district = d.code
        starts = city.occurred_date(t) + timedelta(days=rng.randint(0, 5))
        ends = starts + timedelta(days=rng.randint(3, 45))
        data: dict[str, Any] = {
            "permit_id": city.object_id("PMT"),
            "contractor": rng.choice(CONTRACTORS),
            "district": district,
            "lat": lat,
            "lon": lon,
            "radius_m": round(radius, 1),
            "starts_on": starts.isoformat(),
            "ends_on": ends.isoformat(),
            "agreement_signed": signed,
        }
        city.emit(t, FIELD_APP, "excavation.registered", data)
        return data

    def damage(
        self,
        t: float,
        permit: dict[str, Any],
        segment: Segment,
        *,
        severity: int | None = None,
        leak_minutes: float = 60.0,
        resolved_after: float | None = None,
    ) -> str:
        """The dig strikes the pipe at `t`: sensor excursions, an incident, a repair team."""
        city, rng = self.city, self.rng
        sensors = city.streams["sensors"]
        for sensor in self.world.sensors_of_segment.get(segment.id, []):
            gauge = sensors.by_id.get(sensor.id)
            if gauge is not None:  # pressure falls, flow jumps through the breach
                direction = "low" if sensor.kind == "pressure" else "high"
                sensors.episode(t, gauge, leak_minutes * MINUTE, direction)
        methane = sensors.nearest(permit["lat"], permit["lon"], ("methane",), within_km=1.5)
        if methane is not None:
            sensors.episode(t + 60.0, methane, 0.7 * leak_minutes * MINUTE, "high")
        severity = severity or (3 if segment.pressure_class != "low" else 2)
        channel = "patrol" if rng.random() < 0.6 else "hotline_96511"
        emergency = city.streams["emergency"]
        reported = t + rng.uniform(1.0, 4.0) * MINUTE
        incident_id = emergency.report(
            reported,
            kind="pipeline_damage",
            channel=channel,
            lat=permit["lat"],
            lon=permit["lon"],
            district=segment.district,
            severity=severity,
            description=(
                f"{permit['contractor']}施工挖断{_PRESSURE[segment.pressure_class]}燃气管道"
                f"（{segment.id}），现场燃气大量泄漏"
            ),
        )
        emergency.respond(
            reported,
            incident_id,
            permit["lat"],
            permit["lon"],
            "pipeline_damage",
            severity,
            teams=2 if severity >= 3 else 1,
            prefer=self.enterprise_teams.get(segment.enterprise_id, []),
            resolved_after=resolved_after,
        )
        return incident_id


_PRESSURE = {"low": "低压", "medium": "中压", "high": "高压"}
