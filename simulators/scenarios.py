"""Named scenarios: short scripted stories on top of the living city.

- ``restaurant_explosion``: a restaurant's LPG cylinder explodes in Wuchang (420106) at dinner
  time. The 119 feed reports the explosion (severity 4); 45 seconds later a neighbour calls 96511
  about a strong gas smell in the next building (a second incident, a leak); a methane detector
  nearby goes off; four teams converge on the restaurant (the nearest fire-capable ones: city and
  district teams), one on the neighbour's building; on-site updates follow (arrival, evacuation,
  casualties, contained, resolved). Notifying the four levels (city, district, street,
  enterprise) and closing the incident are the duty officer's system events: the scenario
  produces everything around them.
- ``pipeline_strike``: an excavator without a protection agreement strikes a medium- or
  high-pressure pipeline: the dig is registered, 20 minutes later the segment's pressure sensors
  drop below their threshold and a methane detector nearby rises, the patrol (or the contractor,
  through 96511) reports a pipeline_damage incident, the owner's repair team (and one more) goes
  out, contains the leak and repairs the pipe.
- ``quarter_end_push``: the districts furthest behind their quarterly inspection plan send out
  everyone: their remaining visits of the quarter happen within two simulated hours (all
  districts when the scenario is asked for by name, the three furthest behind when it comes
  round in the demo cycle).

Durations the command center measures (the neighbour's call 45 s later, contained after 35
minutes, resolved after 100) are honest, in occurred_at time, and the restaurant's report names the
hour of its occurred_at (`meal_time`). With the stand-in dispatch off (the demo) the desk chooses
the teams, and the crews it sends play the script.

`--scenario NAME` runs a scenario once, shortly after the start (without `--sim-start`, the
simulated clock then starts just before the scenario's own moment: dinner time, a working
morning, ten days before the quarter ends: `scenario_moment`). The demo preset cycles through
all three.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from simulators.clock import HOUR, MINUTE, quarter_bounds
from simulators.places import offset_m

if TYPE_CHECKING:
    from simulators.city import City

WUCHANG = "420106"


class ScenarioRunner:
    """Schedules the scenarios the options ask for and remembers what they did."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.log: list[dict[str, Any]] = []
        self.runs = 0

    def start(self, t0: float) -> None:
        options = self.city.options
        for name, offset in options.scenarios:
            self.city.scheduler.call(t0 + offset, self._run, name, None)
        if options.scenario_every:
            self.city.scheduler.call(t0 + options.first_scenario_after, self._cycle, 0)

    def _cycle(self, t: float, k: int) -> None:
        cycle = self.city.options.scenario_cycle
        self._run(t, cycle[k % len(cycle)], k)
        every = self.city.options.scenario_every or 0.0
        self.city.scheduler.call(t + every, self._cycle, k + 1)

    def _run(self, t: float, name: str, cycle_index: int | None) -> None:
        self.runs += 1
        what = SCENARIOS[name](self.city, t, self.runs, cycle_index is not None)
        at = self.city.occurred_local(t).isoformat(timespec="seconds")
        self.log.append({"name": name, "at": at, **what})


def meal_time(hour: int) -> str:
    """What a restaurant's hour is called in a report: the dinner or lunch peak, or opening
    hours."""
    if 16 <= hour < 20:
        return "晚餐高峰"
    return "午餐高峰" if 10 <= hour < 14 else "营业时间"


def restaurant_explosion(city: City, t: float, run: int, cycled: bool) -> dict[str, Any]:
    rng = city.rng(f"scenario/restaurant_explosion/{run}")
    emergency = city.streams["emergency"]
    world = city.world
    district = WUCHANG if WUCHANG in world.district else max(
        world.districts, key=lambda d: d.population
    ).code  # fmt: skip
    shops = [c for c in world.customers if c.district == district and c.kind == "commercial"]
    if shops:
        shop = rng.choice(shops)
        lat, lon = shop.lat, shop.lon
    else:
        d = world.district[district]
        lat, lon = offset_m(d.lat, d.lon, rng.uniform(-800, 800), rng.uniform(-800, 800))
    name = world.district[district].name_zh
    address = emergency.address(district).removesuffix("号") + "号 江城人家饭店"
    when = meal_time(city.occurred_local(t).hour)  # the hour the desk's clock shows
    main = emergency.report(
        t,
        kind="explosion",
        channel="fire_119",
        lat=lat,
        lon=lon,
        district=district,
        severity=4,
        address=address,
        description=f"{when}，{name}一饭店后厨液化气钢瓶爆炸起火，有人员受伤被困，请求燃气抢险",
    )
    teams = emergency.respond(
        t,
        main,
        lat,
        lon,
        "explosion",
        4,
        teams=4,
        contained_after=35 * MINUTE,
        resolved_after=100 * MINUTE,
        texts={
            "on_scene": "抢险队伍到达现场，划定警戒区，疏散周边群众，关闭片区燃气阀门",
            "contained": "明火已扑灭，现场全部液化气钢瓶角阀已关闭并移出",
            "resolved": "现场清理完毕，周边200米内燃气设施排查无异常，移交事故调查",
        },
        notes=(
            (8 * MINUTE, "已疏散周边群众120余人，2名受伤人员已送医救治"),
            (20 * MINUTE, "现场检测可燃气体浓度持续下降，正在搜救排查"),
        ),
    )
    n_lat, n_lon = offset_m(lat, lon, rng.uniform(40, 90), rng.uniform(-60, 60))
    called = t + city.honest(45.0)  # a neighbour's call, 45 s later by the desk's clock
    neighbour = emergency.report(
        called,
        kind="leak",
        channel="hotline_96511",
        lat=n_lat,
        lon=n_lon,
        district=district,
        severity=2,
        description="饭店爆炸后，邻近居民楼楼道内燃气味浓烈，居民请求上门检查",
    )
    neighbour_teams = emergency.respond(called, neighbour, n_lat, n_lon, "leak", 2, teams=1)
    sensors = city.streams["sensors"]
    gauge = sensors.nearest(lat, lon, ("methane",), within_km=1.5)
    if gauge is not None:
        sensors.episode(t + 20.0, gauge, 25 * MINUTE, "high")
    return {
        "incidents": [main, neighbour],
        # Filled in when the stand-in dispatches (empty when the desk has sent teams first).
        "teams": teams,
        "neighbour_teams": neighbour_teams,
        "district": district,
        "note": "notify the four levels (city, district, street, enterprise) from the duty desk",
    }


def pipeline_strike(city: City, t: float, run: int, cycled: bool) -> dict[str, Any]:
    rng = city.rng(f"scenario/pipeline_strike/{run}")
    world = city.world
    if not world.segments:
        return {"skipped": "no pipeline segments"}
    gauged = [
        s
        for s in world.segments
        if any(x.kind == "pressure" for x in world.sensors_of_segment.get(s.id, []))
    ]
    pressured = [s for s in gauged if s.pressure_class in ("medium", "high")]
    segment = rng.choice(pressured or gauged or world.segments)
    digs = city.streams["excavations"]
    permit = digs.register(t, segment=segment, signed=False, radius_m=25.0, offset=12.0)
    incident = digs.damage(
        t + 20 * MINUTE, permit, segment, severity=3, leak_minutes=70.0, resolved_after=3 * HOUR
    )
    return {"permit": permit["permit_id"], "segment": segment.id, "incidents": [incident]}


def quarter_end_push(city: City, t: float, run: int, cycled: bool) -> dict[str, Any]:
    inspections = city.streams["inspections"]
    districts = inspections.push(t, window=2 * HOUR, districts=3 if cycled else None)
    return {"districts": districts}


SCENARIOS: dict[str, Callable[[City, float, int, bool], dict[str, Any]]] = {
    "restaurant_explosion": restaurant_explosion,
    "pipeline_strike": pipeline_strike,
    "quarter_end_push": quarter_end_push,
}


def scenario_moment(name: str, now: float, offset_s: int) -> float:
    """When a scenario asked for by name happens (the simulated clock starts just before it):
    18:00 for the restaurant (dinner time), 10:00 for the excavator (a working morning), 09:00
    ten days before the quarter ends for the push; on the local day of `now`."""
    tz = timezone(timedelta(seconds=offset_s))
    today = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if name == "restaurant_explosion":
        return (today + timedelta(hours=18)).timestamp()
    if name == "pipeline_strike":
        return (today + timedelta(hours=10)).timestamp()
    _, end = quarter_bounds(now, offset_s)
    day = datetime.fromtimestamp(end, tz) - timedelta(days=10)
    return day.replace(hour=9, minute=0, second=0, microsecond=0).timestamp()
