"""Emergencies: incidents from the 119 fire feed, the 96511 hotline and patrols; teams answering.

Incidents (`incident.reported`) come from the source of their channel: fire_119 from `fire-119`,
hotline_96511 from `hotline-96511`, patrol from the field app. Their mix follows what a city gas
hotline hears (odours and small leaks most, fires and cylinder incidents from 119, now and then an
explosion), spread over the day by the "incidents" rhythm, about 30 a day at Wuhan's size
(`INCIDENTS_PER_DAY_WUHAN`, scaled by the registry's cylinders, at least `MIN_PER_DAY`).

Dispatch is a duty officer's action (`incident.dispatched` is a system event), so the simulators
use a simple stand-in rule: one minute after the report (`DISPATCH_DELAY_S`) the nearest available
teams with the capability the incident needs (leak_repair, fire or cylinder; more teams for more
severe incidents) set off, as if dispatched. The field app then reports what the teams do:
`team.status` dispatched and en_route, `team.position` every 20 simulated seconds along a street-
like route at 30-50 km/h, `team.status` on_scene on arrival, `incident.update` on_scene, contained
and resolved from the first team there, then returning and available once back at base. Everything
that names an incident waits until the gateway has acknowledged the incident's report (the client's
gates), as a field app only learns of an incident from the command center.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.domain.dispatch import NEEDS  # the capability each kind of incident needs
from simulators.clock import DAY, MINUTE
from simulators.core import FIELD_APP, FIRE_119, HOTLINE
from simulators.places import address, along, km, offset_m, path_length_km, street_path
from simulators.seed import streets_of
from simulators.streams import Stream
from simulators.world import Team

INCIDENTS_PER_DAY_WUHAN = 30.0
WUHAN_CYLINDERS = 2_010_000
MIN_PER_DAY = 4.0
DISPATCH_DELAY_S = 60.0
POSITION_EVERY_S = 20.0
SPEED_KMH = (30.0, 50.0)
ROAD_FACTOR = 1.0  # street_path already follows the grid
EVENTS_PER_INCIDENT = 150.0

CHANNEL_SOURCE = {
    "fire_119": FIRE_119,
    "hotline_96511": HOTLINE,
    "public": HOTLINE,
    "patrol": FIELD_APP,
}
TEAMS_BY_SEVERITY = {1: 1, 2: 1, 3: 2, 4: 3}
# (share, kind, channel, severities, where)
MIX = (
    (0.33, "odor", "hotline_96511", (1, 1), "customer"),
    (0.28, "leak", "hotline_96511", (1, 2), "customer"),
    (0.10, "leak", "patrol", (2, 2), "pipeline"),
    (0.14, "fire", "fire_119", (2, 3), "customer"),
    (0.12, "cylinder", "fire_119", (2, 3), "customer"),
    (0.03, "explosion", "fire_119", (3, 4), "commercial"),
)
DESCRIPTIONS = {
    "odor": ("居民反映楼道内有燃气异味", "用户报告厨房闻到液化气味", "商户反映门店附近有异味"),
    "leak": (
        "用户报告燃气管道接口漏气",
        "气瓶减压阀处漏气，用户已关闭瓶阀",
        "巡线发现管道疑似泄漏",
    ),
    "fire": ("厨房燃气灶起火，明火未灭", "液化气胶管起火", "餐馆后厨燃气着火"),
    "cylinder": ("液化气钢瓶瓶阀着火", "气瓶倾倒漏气，现场有明火风险", "气瓶角阀损坏漏气"),
    "explosion": ("餐馆液化气爆燃，有人员受伤", "居民楼燃气爆燃，门窗损毁"),
    "pipeline_damage": ("施工挖断燃气管道，大量泄漏", "第三方施工损坏中压管道"),
}
CONTAINED = {
    "odor": "已排查泄漏点并关闭阀门，异味消散",
    "leak": "已关闭阀门，泄漏已控制",
    "fire": "明火已扑灭，现场持续监测",
    "cylinder": "已关闭瓶阀，问题气瓶已移至安全区域",
    "explosion": "现场火势已控制，被困人员已救出",
    "pipeline_damage": "已关闭上游阀门，管道泄漏已控制",
}
RESOLVED = {
    "odor": "检测无残留燃气，处置完毕",
    "leak": "漏点已修复，检测合格，恢复供气",
    "fire": "现场处置完毕，燃气设施已安全隔离",
    "cylinder": "问题气瓶已收缴，用户已完成安全检查",
    "explosion": "现场清理完毕，周边燃气设施已全部排查",
    "pipeline_damage": "管道抢修完成，恢复供气",
}


@dataclass
class Crew:
    team: Team
    free_at: float = float("-inf")  # back at base and available from then on

    @property
    def home(self) -> tuple[float, float]:
        return self.team.lat, self.team.lon


class EmergencyStream(Stream):
    name = "emergency"

    def prepare(self) -> None:
        self.crews = [Crew(team) for team in self.world.teams]
        cylinders = self.world.totals.get("cylinders", len(self.world.cylinders))
        scaled = INCIDENTS_PER_DAY_WUHAN * cylinders / WUHAN_CYLINDERS
        self.per_day = max(MIN_PER_DAY, scaled)
        self.places = [c for c in self.world.customers]
        self.commercial = [c for c in self.world.customers if c.kind != "household"]
        self.streets = {d.code: streets_of(d) for d in self.world.pack.districts}

    def natural_rate(self) -> float:
        # A report, then each team's statuses and positions there and back (every 20 s over
        # ~10 km at 30-50 km/h) and the updates: about 150 events an incident (measured).
        return self.per_day * EVENTS_PER_INCIDENT / DAY

    def sources(self) -> set[str]:
        return {FIRE_119, HOTLINE, FIELD_APP}

    def start(self, t0: float) -> None:
        for crew in self.crews:  # teams left out on a job by an earlier run: back at base
            if crew.team.id in self.world.team_status:
                self._status(t0, crew, "available")
                self._position(t0, crew, crew.home, 0.0, 0.0)
        if self.places or self.world.segments:
            self.city.scheduler.call(self._next(t0), self._random_incident)

    def _next(self, t: float) -> float:
        rhythm = self.city.rhythm("incidents")
        return rhythm.advance(t, self.rng.expovariate(self.per_day / DAY))

    # --- incidents --------------------------------------------------------------------------

    def _random_incident(self, t: float) -> None:
        rng = self.rng
        _, kind, channel, severities, where = weighted(rng, MIX)
        lat, lon, district = self.place(where)
        severity = rng.randint(*severities)
        description = rng.choice(DESCRIPTIONS[kind])
        incident_id = self.report(
            t, kind=kind, channel=channel, lat=lat, lon=lon, district=district,
            severity=severity, description=description,
        )  # fmt: skip
        self.respond(t, incident_id, lat, lon, kind, severity)
        self.city.scheduler.call(self._next(t), self._random_incident)

    def place(self, where: str) -> tuple[float, float, str]:
        """A plausible spot for an incident: a gas user's home or shop, or a pipeline."""
        rng = self.rng
        if where == "pipeline" and self.world.segments:
            segment = rng.choice(self.world.segments)
            lat, lon = segment.coords[rng.randrange(len(segment.coords))]
            return round(lat, 6), round(lon, 6), segment.district
        pool = self.commercial if where == "commercial" and self.commercial else self.places
        if not pool:
            d = rng.choice(self.world.districts)
            return d.lat, d.lon, d.code
        c = rng.choice(pool)
        lat, lon = offset_m(c.lat, c.lon, rng.uniform(-15, 15), rng.uniform(-15, 15))
        return lat, lon, c.district

    def address(self, district: str) -> str:
        info = self.world.district.get(district)
        name = info.name_zh if info else ""
        return address(self.world.pack.name_zh, name, self.streets.get(district, ()), self.rng)

    def report(
        self,
        t: float,
        *,
        kind: str,
        channel: str,
        lat: float,
        lon: float,
        district: str,
        severity: int,
        description: str,
        address: str | None = None,
        incident_id: str | None = None,
    ) -> str:
        """Send an `incident.reported` from its channel's source; returns the incident id."""
        incident_id = incident_id or self.city.object_id("INC")
        data = {
            "incident_id": incident_id,
            "kind": kind,
            "channel": channel,
            "lat": lat,
            "lon": lon,
            "address": address or self.address(district),
            "severity": severity,
            "description": description,
        }
        self.city.emit(
            t, CHANNEL_SOURCE[channel], "incident.reported", data, provides=_gate(incident_id)
        )
        return incident_id

    # --- teams ------------------------------------------------------------------------------

    def respond(
        self,
        t: float,
        incident_id: str,
        lat: float,
        lon: float,
        kind: str,
        severity: int,
        *,
        teams: int | None = None,
        prefer: list[str] | None = None,
        contained_after: float | None = None,
        resolved_after: float | None = None,
        texts: dict[str, str] | None = None,
        notes: tuple[tuple[float, str], ...] = (),
    ) -> list[str]:
        """Send the nearest capable teams one minute after `t`; returns their ids."""
        rng = self.rng
        dispatch = t + DISPATCH_DELAY_S
        chosen = self._choose(
            dispatch, lat, lon, NEEDS[kind], teams or TEAMS_BY_SEVERITY[severity], prefer
        )
        if not chosen:
            return []
        dest = (lat, lon)
        arrivals = [
            self._go(dispatch + 20.0 * k, crew, incident_id, dest) for k, crew in enumerate(chosen)
        ]
        first = min(arrivals)
        lead = chosen[arrivals.index(first)]
        texts = texts or {}
        scale = 1.0 + 0.5 * (severity - 1)
        contained = first + (contained_after or rng.uniform(10.0, 40.0) * MINUTE * scale)
        resolved = contained + (resolved_after or rng.uniform(15.0, 90.0) * MINUTE)
        self._update(first + 30.0, lead, incident_id, "on_scene",
                     texts.get("on_scene", "抢险队伍已到达现场，开始警戒、疏散和检测"))  # fmt: skip
        self._update(contained, lead, incident_id, "contained",
                     texts.get("contained", CONTAINED[kind]), photo=True)  # fmt: skip
        self._update(resolved, lead, incident_id, "resolved", texts.get("resolved", RESOLVED[kind]))
        for after, text in notes:  # on-site reports in between (no status change)
            self._update(min(first + after, resolved - 1.0), lead, incident_id, None, text)
        for crew, arrival in zip(chosen, arrivals, strict=True):
            leave = max(resolved, arrival) + rng.uniform(2.0, 10.0) * MINUTE
            self._return(leave, crew, incident_id, dest)
        return [crew.team.id for crew in chosen]

    def _choose(
        self, t: float, lat: float, lon: float, need: str, count: int, prefer: list[str] | None
    ) -> list[Crew]:
        free = [c for c in self.crews if c.free_at <= t]
        by_id = {c.team.id: c for c in free}
        chosen = [by_id[i] for i in (prefer or []) if i in by_id][:count]

        def distance(crew: Crew) -> float:
            return km(crew.home, (lat, lon))

        capable = sorted((c for c in free if need in c.team.capabilities and c not in chosen),
                         key=lambda c: (distance(c), c.team.id))  # fmt: skip
        chosen += capable[: count - len(chosen)]
        if len(chosen) < count:  # not enough of them free: whoever is nearest helps
            others = sorted(
                (c for c in free if c not in chosen), key=lambda c: (distance(c), c.team.id)
            )
            chosen += others[: count - len(chosen)]
        for crew in chosen:
            crew.free_at = float("inf")  # until its return is planned
        return chosen

    def _go(self, t: float, crew: Crew, incident_id: str, dest: tuple[float, float]) -> float:
        """Dispatched at `t`: statuses and positions to `dest`; returns the arrival time."""
        self._status(t, crew, "dispatched", incident_id)
        depart = t + 30.0
        self._status(depart, crew, "en_route", incident_id)
        return self._drive(depart, crew, crew.home, dest, incident_id, "on_scene")

    def _return(self, t: float, crew: Crew, incident_id: str, origin: tuple[float, float]) -> None:
        self._status(t, crew, "returning", incident_id)
        home = self._drive(t, crew, origin, crew.home, None, "available")
        crew.free_at = home

    def _drive(
        self,
        t: float,
        crew: Crew,
        start: tuple[float, float],
        end: tuple[float, float],
        incident_id: str | None,
        on_arrival: str,
    ) -> float:
        rng = self.rng
        path = street_path(start, end, rng)
        length = path_length_km(path) * ROAD_FACTOR
        speed = rng.uniform(*SPEED_KMH)
        duration = length / speed * 3600.0
        k = 1
        while k * POSITION_EVERY_S < duration:
            elapsed = k * POSITION_EVERY_S
            moving = speed * rng.uniform(0.85, 1.1)
            lat, lon, heading = along(path, speed * elapsed / 3600.0)
            self._position(t + elapsed, crew, (lat, lon), round(moving, 1), heading)
            k += 1
        arrive = t + duration
        self._position(arrive, crew, (round(end[0], 6), round(end[1], 6)), 0.0, None)
        self._status(arrive, crew, on_arrival, incident_id)
        return arrive

    # --- events -----------------------------------------------------------------------------

    def _status(self, t: float, crew: Crew, status: str, incident_id: str | None = None) -> None:
        data: dict[str, Any] = {"team_id": crew.team.id, "status": status}
        if incident_id is not None:
            data["incident_id"] = incident_id
        requires = _gate(incident_id) if incident_id else None
        self.city.emit(t, FIELD_APP, "team.status", data, requires=requires)

    def _position(
        self,
        t: float,
        crew: Crew,
        at: tuple[float, float],
        speed: float,
        heading: float | None,
    ) -> None:
        data: dict[str, Any] = {
            "team_id": crew.team.id,
            "lat": at[0],
            "lon": at[1],
            "speed_kmh": speed,
        }
        if heading is not None:
            data["heading"] = heading
        self.city.emit(t, FIELD_APP, "team.position", data)

    def _update(
        self,
        t: float,
        crew: Crew,
        incident_id: str,
        status: str | None,
        text: str,
        photo: bool = False,
    ) -> None:
        data: dict[str, Any] = {"incident_id": incident_id, "author": crew.team.id, "text": text}
        if status is not None:
            data["status"] = status
        if photo:
            taken = self.city.local(t).strftime("%Y-%m-%d %H:%M")
            data["photos"] = [self.city.photos.ref("incident", incident_id, crew.team.id, taken)]
        self.city.emit(t, FIELD_APP, "incident.update", data, requires=_gate(incident_id))


def weighted(rng: Any, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    """A row of `table` drawn by its first column (the shares)."""
    u, acc = rng.random() * sum(row[0] for row in table), 0.0
    for row in table:
        acc += row[0]
        if u < acc:
            return row
    return table[-1]


def _gate(incident_id: str) -> str:
    return f"incident:{incident_id}"
