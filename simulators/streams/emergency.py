"""Emergencies: incidents from the 119 fire feed, the 96511 hotline and patrols; teams answering.

Incidents (`incident.reported`) come from the source of their channel: fire_119 from `fire-119`,
hotline_96511 from `hotline-96511`, patrol from the field app. Their mix follows what a city gas
hotline hears (odours and small leaks most, fires and cylinder incidents from 119, now and then an
explosion), spread over the day by the "incidents" rhythm, about 30 a day at Wuhan's size
(`INCIDENTS_PER_DAY_WUHAN`, scaled by the registry's cylinders, at least `MIN_PER_DAY`).

Dispatch is a duty officer's action (`incident.dispatched` is a system event), so without a desk
the simulators use a simple stand-in rule (`CityOptions.stand_in_dispatch`, on except in the demo):
one minute after the report (`DISPATCH_DELAY_S`) the nearest available teams with the capability
the incident needs (leak_repair, fire or cylinder; more teams for more severe incidents) set off,
as if dispatched (no team free: it tries again every two minutes). The field app then reports what
the teams do: `team.status` dispatched and en_route, `team.position` every 20 seconds along a
street-like route at the speed of the hour (`drive_speed_kmh`: 20-30 km/h in the rush hours,
40-50 at night), `team.status` on_scene on arrival, `incident.update` on_scene, contained and
resolved from the first team there (`ON_SITE_MIN`, by kind); the other teams head back once the
incident is contained, the first one once it is resolved. Everything that names an incident waits
until the gateway has acknowledged the incident's report (the client's gates), as a field app only
learns of an incident from the command center.

Honest time: every duration here (the stand-in's delay, the drive, the work on site, the way back)
is one of occurred_at time, i.e. `City.honest` simulated seconds: at any `--speed` a 10-minute
drive is stamped 10 minutes apart, so a response time is never impossible. Only how often
incidents happen is compressed (`--speed`, and `CityOptions.case_pace`).

An incident the duty desk has dispatched or closed by the stand-in's moment is left to the desk.
The desk's own dispatches and closings come in through `desk_dispatched` and `desk_closed`
(simulators/desk.py hears them on /live), with a scenario's script (its texts and durations) kept
for the desk's crews: each crew's errand is a `Job`, so what is still planned when the desk closes
the incident or sends a returning crew elsewhere is called off.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from random import Random
from typing import Any

from dashboard.domain.dispatch import NEEDS, teams_needed  # capability by kind, wave by severity
from simulators.clock import DAY, HOUR, MINUTE
from simulators.core import FIELD_APP, FIRE_119, HOTLINE, Job
from simulators.places import address, along, km, offset_m, path_length_km, street_path
from simulators.seed import streets_of
from simulators.streams import Stream
from simulators.world import Team

INCIDENTS_PER_DAY_WUHAN = 30.0
WUHAN_CYLINDERS = 2_010_000
MIN_PER_DAY = 4.0
# Durations below are seconds of occurred_at time (`City.honest` makes them simulated ones).
DISPATCH_DELAY_S = 60.0  # from the report to the stand-in dispatch
RETRY_S = 120.0  # no team free: the stand-in looks again this much later
RETRY_FOR_S = 2 * HOUR  # and gives up after this long (the incident stays open)
DEPART_S = 30.0  # from dispatched to en route
POSITION_EVERY_S = 20.0
LEAVE_MIN = (2.0, 10.0)  # minutes on scene after the crew's part is done
KNOWN_INCIDENTS = 5_000  # incidents whose place the field app remembers (the newest)
EVENTS_PER_INCIDENT = 150.0
# Minutes from the first crew's arrival to contained, and from contained to resolved, by kind
# (contained takes longer for severer incidents: `_on_site`).
ON_SITE_MIN: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "odor": ((10.0, 25.0), (10.0, 30.0)),
    "leak": ((15.0, 40.0), (20.0, 60.0)),
    "fire": ((15.0, 45.0), (20.0, 60.0)),
    "cylinder": ((10.0, 30.0), (15.0, 45.0)),
    "explosion": ((30.0, 60.0), (60.0, 120.0)),
    "pipeline_damage": ((30.0, 90.0), (60.0, 180.0)),
}


def drive_speed_kmh(local_hour: int) -> tuple[float, float]:
    """The range of a rescue team's speed over the street-like route at a local hour: slowest
    in the rush hours, fastest at night (the desk's ETA rule, dashboard/domain/dispatch.py,
    assumes 20 / 30 / 35 / 45 km/h over 1.4 times the straight line: the same order)."""
    hour = local_hour % 24
    if hour in (7, 8, 17, 18):
        return 20.0, 30.0
    if 9 <= hour < 17:
        return 28.0, 38.0
    if 19 <= hour < 23:
        return 32.0, 42.0
    return 40.0, 50.0


CHANNEL_SOURCE = {
    "fire_119": FIRE_119,
    "hotline_96511": HOTLINE,
    "public": HOTLINE,
    "patrol": FIELD_APP,
}
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
ON_SCENE = "抢险队伍已到达现场，开始警戒、疏散和检测"
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
    returns_at: float = float("inf")  # heading back to base from then on (until free_at)
    incident_id: str | None = None  # the incident of the current errand
    job: Job | None = None  # the current errand's plan, called off when the desk changes it
    # Where the current errand takes the crew, (simulated time, (lat, lon)) in time order.
    track: list[tuple[float, tuple[float, float]]] = field(default_factory=list)

    @property
    def home(self) -> tuple[float, float]:
        return self.team.lat, self.team.lon

    def state(self, t: float) -> str:
        """idle (at base), returning (on the way back: free for the desk) or busy, at `t`."""
        if self.free_at <= t:
            return "idle"
        return "returning" if self.returns_at <= t else "busy"

    def where(self, t: float) -> tuple[float, float]:
        """Where the crew is at `t`: its last planned position at or before then."""
        k = bisect_right(self.track, t, key=lambda point: point[0])
        return self.track[k - 1][1] if k else self.home

    def begin(self, t: float, incident_id: str | None) -> Job:
        """A new errand from wherever the crew is at `t`; what was left of the old is off."""
        here = self.where(t)
        if self.job is not None:
            self.job.cancel()
        self.job = Job()
        self.incident_id = incident_id
        self.track = [(t, here)]
        self.free_at = self.returns_at = float("inf")
        return self.job


@dataclass
class Place:
    """What the field app knows of an incident: where, what, and how far the plan is."""

    lat: float
    lon: float
    kind: str
    severity: int
    ours: bool  # reported by the simulators (their client's gate opens with the report's ack)
    resolved_at: float | None = None  # when the on-site updates say resolved (once planned)
    closed: bool = False
    desk: bool = False  # the duty desk has sent teams to it
    contained_at: float | None = None  # when the on-site updates say contained (once planned)
    script: StandIn | None = None  # a scenario's texts and durations, for whoever goes

    @property
    def dest(self) -> tuple[float, float]:
        return self.lat, self.lon


@dataclass(frozen=True)
class StandIn:
    """A stand-in dispatch waiting for its moment (see `EmergencyStream.respond`)."""

    incident_id: str
    kind: str
    severity: int
    teams: int | None
    prefer: list[str] | None
    contained_after: float | None
    resolved_after: float | None
    texts: dict[str, str]
    notes: tuple[tuple[float, str], ...]
    record: list[str]


class EmergencyStream(Stream):
    name = "emergency"

    def prepare(self) -> None:
        self.crews = [Crew(team) for team in self.world.teams]
        cylinders = self.world.totals.get("cylinders", len(self.world.cylinders))
        scaled = INCIDENTS_PER_DAY_WUHAN * cylinders / WUHAN_CYLINDERS
        self.per_day = max(MIN_PER_DAY, scaled) * self.city.case_pace
        self.places = [c for c in self.world.customers]
        self.commercial = [c for c in self.world.customers if c.kind != "household"]
        self.streets = {d.code: streets_of(d) for d in self.world.pack.districts}
        self.by_team = {crew.team.id: crew for crew in self.crews}
        delay = self.city.options.dispatch_delay
        self.dispatch_delay = DISPATCH_DELAY_S if delay is None else delay
        self.stand_in = self.city.options.stand_in_dispatch
        self.known: OrderedDict[str, Place] = OrderedDict()
        # The desk's crews draw from their own generator: what the desk does never shifts the
        # draws of the city's own incidents.
        self.desk_rng = self.city.rng("desk")

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
        self.learn(incident_id, lat, lon, kind, severity, ours=True)
        return incident_id

    def learn(
        self, incident_id: str, lat: float, lon: float, kind: str, severity: int, *, ours: bool
    ) -> None:
        """Remember where an incident is (ours, or one the command center told of)."""
        if incident_id in self.known:
            return
        self.known[incident_id] = Place(lat, lon, kind, severity, ours)
        while len(self.known) > KNOWN_INCIDENTS:
            self.known.popitem(last=False)

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
        """The stand-in dispatch: `dispatch_delay` after `t` the nearest capable teams set off,
        unless the duty desk has sent teams (or closed the incident) by then; with the stand-in
        off, only the script is kept for the desk's crews. Durations (`contained_after`,
        `resolved_after`, the notes' offsets from the first arrival) are occurred_at seconds.
        Returns the list the ids of the teams that go are added to when they set off."""
        self.learn(incident_id, lat, lon, kind, severity, ours=True)
        plan = StandIn(
            incident_id, kind, severity, teams, prefer, contained_after, resolved_after,
            texts or {}, notes, [],
        )  # fmt: skip
        self.known[incident_id].script = plan
        if self.stand_in:
            when = t + self.city.honest(self.dispatch_delay + self._remote_s(lat, lon))
            self.city.scheduler.call(when, self._stand_in, plan)
        return plan.record

    def _remote_s(self, lat: float, lon: float) -> float:
        """The district's extra delay before its teams set off (teams far away, a slow call
        handling: simulators/district_traits.py, response_delay_min); 0 when neutral."""
        traits = self.city.traits
        if not traits.active:
            return 0.0
        found = self.world.pack.district_at(lat, lon)
        return traits.district(found.code if found else None).response_delay_min * 60.0

    def _stand_in(self, t: float, plan: StandIn, tries: int = 0) -> None:
        place = self.known.get(plan.incident_id)
        if place is None or place.desk or place.closed:
            return  # the desk has it (or it has been forgotten): the stand-in stands aside
        rng = self.rng
        need = NEEDS[plan.kind]
        chosen = self._choose(
            t, place.lat, place.lon, need, plan.teams or teams_needed(plan.severity),
            plan.prefer,
        )  # fmt: skip
        if not chosen:  # every team is out: a dispatcher waits for one to come free
            if (tries + 1) * RETRY_S <= RETRY_FOR_S:
                again = t + self.city.honest(RETRY_S)
                self.city.scheduler.call(again, self._stand_in, plan, tries + 1)
            return
        for crew in chosen:
            crew.begin(t, plan.incident_id)
        going = [
            (crew, self._go(t + self.city.honest(20.0 * k), crew, plan.incident_id, place.dest,
                            rng))
            for k, crew in enumerate(chosen)
        ]  # fmt: skip
        self._attend(going, plan.incident_id, place, rng)
        plan.record.extend(crew.team.id for crew in chosen)

    def _attend(
        self, going: list[tuple[Crew, float]], incident_id: str, place: Place, rng: Random
    ) -> None:
        """Crews on their way (with their arrival times): the first there reports for the
        incident (once), the others head back when it is contained, the first when resolved."""
        lead: Crew | None = None
        if place.resolved_at is None:
            lead, first = min(going, key=lambda g: g[1])
            self._on_site(first, lead, incident_id, place, rng)
        for crew, arrival in going:
            done = place.resolved_at if crew is lead else place.contained_at
            linger = self.city.honest(rng.uniform(*LEAVE_MIN) * MINUTE)
            leave = max(done if done is not None else arrival, arrival) + linger
            self._return(leave, crew, incident_id, place.dest, rng)

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
        return chosen

    def _go(
        self, t: float, crew: Crew, incident_id: str, dest: tuple[float, float], rng: Random
    ) -> float:
        """Dispatched at `t`: statuses and positions to `dest`; returns the arrival time."""
        self._status(t, crew, "dispatched", incident_id)
        depart = t + self.city.honest(DEPART_S)
        self._status(depart, crew, "en_route", incident_id)
        return self._drive(depart, crew, crew.home, dest, incident_id, "on_scene", rng)

    def _return(
        self,
        t: float,
        crew: Crew,
        incident_id: str,
        origin: tuple[float, float],
        rng: Random,
        *,
        announce: bool = True,
    ) -> None:
        """Head back to base from `origin` at `t` (`announce`: report returning first)."""
        if announce:
            self._status(t, crew, "returning", incident_id)
        crew.returns_at = t
        home = self._drive(t, crew, origin, crew.home, None, "available", rng)
        crew.free_at = home

    def _drive(
        self,
        t: float,
        crew: Crew,
        start: tuple[float, float],
        end: tuple[float, float],
        incident_id: str | None,
        on_arrival: str,
        rng: Random,
    ) -> float:
        """Drive from `start` at `t` at the hour's speed; returns the (simulated) arrival.
        The drive takes in occurred_at time what its length and speed say, whatever the speed
        of the simulated clock (positions every 20 s of it)."""
        path = street_path(start, end, rng)
        length = path_length_km(path)
        speed = rng.uniform(*drive_speed_kmh(self.city.occurred_local(t).hour))
        duration = length / speed * 3600.0  # occurred_at seconds
        scale = self.city.honest(1.0)  # simulated seconds per second of the drive
        k = 1
        while k * POSITION_EVERY_S < duration:
            elapsed = k * POSITION_EVERY_S
            moving = speed * rng.uniform(0.85, 1.1)
            lat, lon, heading = along(path, speed * elapsed / 3600.0)
            self._position(t + elapsed * scale, crew, (lat, lon), round(moving, 1), heading)
            k += 1
        arrive = t + duration * scale
        self._position(arrive, crew, (round(end[0], 6), round(end[1], 6)), 0.0, None)
        self._status(arrive, crew, on_arrival, incident_id)
        return arrive

    # --- the duty desk (simulators/desk.py hands its dispatches and closings in) -------------

    def desk_dispatched(self, t: float, incident_id: str, team_ids: list[str]) -> list[str]:
        """The desk sent `team_ids` at `t`: the idle (or returning) crews among them drive there
        as the stand-in's would, without a `team.status` dispatched (the desk's event marked
        them). Returns what was not followed, as log lines."""
        place = self.known.get(incident_id)
        if place is None:
            return [f"desk dispatch to {incident_id}: its place is unknown, not followed"]
        place.desk = True
        if place.closed:
            return [f"desk dispatch to {incident_id}: the incident is closed, not followed"]
        skipped: list[str] = []
        rng = self.desk_rng
        going: list[tuple[Crew, float]] = []
        for team_id in team_ids:
            crew = self.by_team.get(team_id)
            state = crew.state(t) if crew is not None else "unknown"
            if crew is None or state == "busy":
                on = f" with {crew.incident_id}" if crew is not None and crew.incident_id else ""
                skipped.append(f"desk dispatch of {team_id} to {incident_id}: {state}{on}")
                continue
            start = crew.where(t)
            crew.begin(t, incident_id)
            depart = t + self.city.honest(DEPART_S)
            self._status(depart, crew, "en_route", incident_id)
            going.append((crew, self._drive(depart, crew, start, place.dest, incident_id,
                                            "on_scene", rng)))  # fmt: skip
        if not going:
            return skipped
        self._attend(going, incident_id, place, rng)
        if place.script is not None:  # a scenario's log names the teams that went
            place.script.record.extend(crew.team.id for crew, _ in going)
        return skipped

    def desk_closed(self, t: float, incident_id: str) -> None:
        """The desk closed the incident at `t`: crews still on their way or on scene head back
        from where they are (the desk reported them returning), and nothing more is said."""
        place = self.known.get(incident_id)
        if place is not None:
            place.closed = True
        for crew in self.crews:
            if crew.incident_id != incident_id or crew.state(t) != "busy":
                continue
            start = crew.where(t)
            crew.begin(t, None)
            self._return(t, crew, incident_id, start, self.desk_rng, announce=False)

    def _on_site(
        self, first: float, crew: Crew, incident_id: str, place: Place, rng: Random
    ) -> None:
        """The lead crew's updates: on scene, contained, resolved (a scenario's script if the
        incident has one), at honest intervals from its arrival at `first`; the place learns
        when it is contained and resolved."""
        kind = place.kind if place.kind in ON_SITE_MIN else "leak"
        script = place.script
        texts = script.texts if script is not None else {}
        (contain_lo, contain_hi), (resolve_lo, resolve_hi) = ON_SITE_MIN[kind]
        severer = 1.0 + 0.25 * (min(max(place.severity, 1), 4) - 1)
        contain_s = script.contained_after if script is not None else None
        resolve_s = script.resolved_after if script is not None else None
        contain_s = contain_s or rng.uniform(contain_lo, contain_hi) * MINUTE * severer
        resolve_s = resolve_s or rng.uniform(resolve_lo, resolve_hi) * MINUTE
        honest = self.city.honest
        contained = first + honest(contain_s)
        resolved = contained + honest(resolve_s)
        place.contained_at, place.resolved_at = contained, resolved
        on_scene = texts.get("on_scene", ON_SCENE)
        self._update(first + honest(30.0), crew, incident_id, "on_scene", on_scene)
        self._update(contained, crew, incident_id, "contained",
                     texts.get("contained", CONTAINED[kind]), photo=True)  # fmt: skip
        self._update(resolved, crew, incident_id, "resolved", texts.get("resolved", RESOLVED[kind]))
        for after, text in script.notes if script is not None else ():  # reports in between
            self._update(min(first + honest(after), resolved - honest(1.0)), crew, incident_id,
                         None, text)  # fmt: skip

    # --- events -----------------------------------------------------------------------------

    def _status(
        self,
        t: float,
        crew: Crew,
        status: str,
        incident_id: str | None = None,
    ) -> None:
        data: dict[str, Any] = {"team_id": crew.team.id, "status": status}
        if incident_id is not None:
            data["incident_id"] = incident_id
        requires = self._requires(incident_id)
        self.city.emit(t, FIELD_APP, "team.status", data, requires=requires, job=crew.job)

    def _requires(self, incident_id: str | None) -> str | None:
        """Wait for the incident's report only when the simulators sent it themselves: one the
        command center told of is in its log already (and no ack of ours would open the gate)."""
        if incident_id is None:
            return None
        place = self.known.get(incident_id)
        return _gate(incident_id) if place is None or place.ours else None

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
        crew.track.append((t, at))
        self.city.emit(t, FIELD_APP, "team.position", data, job=crew.job)

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
            taken = self.city.occurred_local(t).strftime("%Y-%m-%d %H:%M")
            data["photos"] = [self.city.photos.ref("incident", incident_id, crew.team.id, taken)]
        requires = self._requires(incident_id)
        self.city.emit(t, FIELD_APP, "incident.update", data, requires=requires, job=crew.job)


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
