"""Honest time in the simulators, offline: what occurred_at says about a response is true at any
speed, texts name the hour the desk's clock shows, the case pace compresses how often cases
happen but not how long they take, and the demo preset keeps its teams in a steady state."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from dashboard.citypack import load_city_pack
from simulators.anomalies import anomaly_rates
from simulators.city import City, generate
from simulators.clock import SimClock
from simulators.core import CityOptions, Emission
from simulators.desk import DeskFeed
from simulators.places import km
from simulators.run import demo_options
from simulators.scenarios import meal_time
from simulators.streams.emergency import DISPATCH_DELAY_S, ON_SITE_MIN, drive_speed_kmh
from simulators.world import offline_world

PACK = load_city_pack("wuhan")
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()  # Monday 10:00 in Wuhan
MINUTE = 60.0
HOUR = 3_600.0
DAY = 86_400.0
TOP_SPEED_KMH = 50.0 * 1.1  # the fastest band, with the speedometer's jitter


@pytest.fixture(scope="module")
def world():
    return offline_world("demo", PACK, seed=7)


def quiet_city(world, speed: float, **options) -> City:
    """A live-clock city at `speed` with no stream of its own running."""
    options.setdefault("streams", frozenset())
    options.setdefault("anomalies", anomaly_rates(0.0))
    clock = SimClock(sim_start=START, real_start=START, speed=speed, mode="live")
    city = City(world, CityOptions(**options), clock)
    city.start()
    return city


def drain(city: City, until: float) -> list[Emission]:
    out: list[Emission] = []
    while batch := city.pop_until(until):
        out += batch
    return out


def far_spot(world, low_km: float = 3.0, high_km: float = 8.0) -> tuple[tuple[float, float], float]:
    """A gas user between `low_km` and `high_km` from the nearest team (every team can repair
    leaks), and that distance."""
    for customer in world.customers:
        nearest = min(km((t.lat, t.lon), (customer.lat, customer.lon)) for t in world.teams)
        if low_km <= nearest <= high_km:
            return (customer.lat, customer.lon), nearest
    raise AssertionError("no gas user that far from every team")


def leak_at(city: City, incident_id: str, at: tuple[float, float], when: float) -> None:
    """A reported leak the emergency stream answers (stand-in dispatch, if on)."""
    emergency = city.streams["emergency"]
    emergency.report(
        when, kind="leak", channel="hotline_96511", lat=at[0], lon=at[1], district="420106",
        severity=2, description="用户报告燃气管道接口漏气", incident_id=incident_id,
    )  # fmt: skip
    emergency.respond(when, incident_id, at[0], at[1], "leak", 2)


def stamped(city: City, emission: Emission) -> float:
    """An emission's occurred_at (epoch seconds)."""
    return city.clock.occurred(emission.occurred)


def story(city: City, out: list[Emission], incident_id: str) -> list[tuple[str, str, float]]:
    """(type, status, seconds of occurred_at after the report) of an incident's crews and
    updates, positions included, in order."""
    report = next(e for e in out if e.type == "incident.reported")
    crews = {e.data["team_id"] for e in out if e.type == "team.status"
             and e.data.get("incident_id") == incident_id}  # fmt: skip
    lines = []
    for e in out:
        data = e.data or {}
        if data.get("incident_id") == incident_id or data.get("team_id") in crews:
            status = str(data.get("status", ""))
            lines.append((e.type, status, stamped(city, e) - stamped(city, report)))
    return lines


def test_at_speed_20_a_drive_is_stamped_minutes_apart_not_seconds(world) -> None:
    spot, distance = far_spot(world)
    city = quiet_city(world, 20.0)
    leak_at(city, "INC-far", spot, START)
    out = drain(city, START + 20 * 6 * HOUR)
    lines = story(city, out, "INC-far")
    at = {(kind, status): t for kind, status, t in reversed(lines)}  # the first of each
    assert at[("team.status", "dispatched")] == pytest.approx(DISPATCH_DELAY_S)
    drive = at[("team.status", "on_scene")] - at[("team.status", "en_route")]
    assert drive >= distance / TOP_SPEED_KMH * HOUR  # minutes, as the distance says
    assert at[("team.status", "on_scene")] >= 3 * MINUTE
    driving = [t for kind, _, t in lines if kind == "team.position"]
    gaps = [b - a for a, b in pairwise(driving[: len(driving) // 3])]
    assert gaps and max(gaps) == pytest.approx(20.0)  # a position every 20 s of occurred_at
    contained = at[("incident.update", "contained")] - at[("incident.update", "on_scene")]
    assert contained >= ON_SITE_MIN["leak"][0][0] * MINUTE - 30.0


def test_a_response_takes_the_same_occurred_time_at_any_speed(world) -> None:
    spot, _ = far_spot(world)
    stories = []
    for speed in (1.0, 20.0, 300.0):
        city = quiet_city(world, speed, seed=5)
        leak_at(city, "INC-same", spot, START)
        stories.append(story(city, drain(city, START + speed * 6 * HOUR), "INC-same"))
    slow, fast, fastest = stories
    assert len(slow) > 20
    for other in (fast, fastest):
        assert [line[:2] for line in other] == [line[:2] for line in slow]
        assert [line[2] for line in other] == pytest.approx([line[2] for line in slow], abs=1e-3)


def test_teams_drive_at_the_speed_of_the_hour_the_desk_sees(world) -> None:
    spot, _ = far_spot(world)
    speeds = {}
    for hour_utc, label in ((0, "rush 08:00"), (18, "night 02:00")):
        start = datetime(2026, 11, 23, hour_utc, 0, tzinfo=UTC).timestamp()
        clock = SimClock(sim_start=start, real_start=start, speed=1.0)
        options = CityOptions(streams=frozenset(), anomalies=anomaly_rates(0.0))
        city = City(world, options, clock)
        city.start()
        leak_at(city, f"INC-{hour_utc}", spot, start)
        out = drain(city, start + 6 * HOUR)
        moving = [
            e.data["speed_kmh"] for e in out if e.type == "team.position" and e.data["speed_kmh"]
        ]
        speeds[label] = statistics.mean(moving)
    low, high = drive_speed_kmh(8)
    assert low * 0.85 <= speeds["rush 08:00"] <= high * 1.1
    low, high = drive_speed_kmh(2)
    assert low * 0.85 <= speeds["night 02:00"] <= high * 1.1
    assert speeds["night 02:00"] > speeds["rush 08:00"]


def test_the_scenario_names_the_hour_of_its_occurred_at(world) -> None:
    # The simulated morning (10:30) runs at speed 20 from a real 18:00: the desk's clock says
    # dinner time, and so must the 119 report.
    sim_start = datetime(2026, 11, 23, 2, 30, tzinfo=UTC).timestamp()
    real_start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp()
    options = CityOptions(
        streams=frozenset({"emergency"}),
        anomalies=anomaly_rates(0.0),
        scenarios=(("restaurant_explosion", 600.0),),
    )
    city, out = generate(
        world, options, sim_start=sim_start, span=2 * HOUR, real_start=real_start, speed=20.0
    )
    explosion = next(
        e for e in out if e.type == "incident.reported" and e.data["kind"] == "explosion"
    )
    hour = datetime.fromisoformat(city.iso(explosion.occurred)).hour
    assert hour == 18
    assert explosion.data["description"].startswith(meal_time(hour) + "，")
    assert meal_time(hour) == "晚餐高峰"
    assert city.scenarios.log[0]["at"].startswith("2026-11-23T18:00")


def count(out: list[Emission], event_type: str) -> int:
    return sum(1 for e in out if e.type == event_type)


def mean_gap(city: City, out: list[Emission], first: str, then: str) -> float:
    """Mean occurred_at seconds from a complaint's `first` status to its `then` status."""
    seen: dict[str, dict[str, float]] = {}
    for e in out:
        if e.type in ("complaint.received", "complaint.updated"):
            status = e.data.get("status", "received")
            seen.setdefault(e.data["complaint_id"], {})[status] = stamped(city, e)
    gaps = [s[then] - s[first] for s in seen.values() if first in s and then in s]
    return statistics.mean(gaps)


def test_the_case_pace_multiplies_the_cases_not_their_durations(world) -> None:
    streams = frozenset({"emergency", "complaints", "violations", "excavations", "inspections"})
    runs = {}
    for pace in (1.0, 4.0):
        options = CityOptions(seed=2, streams=streams, anomalies=anomaly_rates(0.0), case_pace=pace)
        runs[pace] = generate(world, options, sim_start=START, span=4 * DAY)
    (city1, one), (city4, four) = runs[1.0], runs[4.0]
    for event_type in ("incident.reported", "complaint.received", "inspection.completed"):
        ratio = count(four, event_type) / count(one, event_type)
        assert 3.0 <= ratio <= 5.0, (event_type, ratio)
    # How long a complaint takes to be assigned and answered does not change.
    for first, then in (("received", "assigned"), ("assigned", "replied")):
        slow, fast = mean_gap(city1, one, first, then), mean_gap(city4, four, first, then)
        assert fast == pytest.approx(slow, rel=0.3), (first, then)
    # Spot checks revisit objects already inspected this quarter: the coverage stays the plan's.
    inspected = {e.data["target_id"] for e in one if e.type == "inspection.completed"}
    plans = city4.streams["inspections"].plans.values()
    before = {v.target.id for plan in plans for v in plan.visits if v.at < START}
    extra = {e.data["target_id"] for e in four if e.type == "inspection.completed"} - inspected
    assert extra <= before


def test_the_demo_runs_the_real_clock_with_the_stand_in_off() -> None:
    city, run = demo_options("ws://127.0.0.1:8765/ingest")
    assert run.speed == 1.0 and run.start_hour is None and run.sim_start is None
    assert city.stand_in_dispatch is False
    assert city.case_pace > 1.0
    assert city.scenario_every is not None and city.scenario_every >= HOUR


def test_without_the_stand_in_only_the_desk_sends_teams(world) -> None:
    options, _ = demo_options("ws://127.0.0.1:8765/ingest")
    options = replace(options, rate=None, anomalies=anomaly_rates(0.0),
                      streams=frozenset({"emergency"}))  # fmt: skip
    _, out = generate(world, options, sim_start=START, span=DAY)
    assert count(out, "incident.reported") > 10
    assert count(out, "team.status") == 0 and count(out, "incident.update") == 0


def busy_teams(city: City, out: list[Emission], every: float) -> list[int]:
    """How many teams are out (dispatched until available again), every `every` seconds."""
    busy: set[str] = set()
    samples: list[int] = []
    moment = city.clock.sim_start
    for e in out:
        if e.type != "team.status":
            continue
        while e.occurred >= moment:
            samples.append(len(busy))
            moment += every
        if e.data["status"] == "dispatched":
            busy.add(e.data["team_id"])
        elif e.data["status"] == "available":
            busy.discard(e.data["team_id"])
    return samples


def test_the_demo_pace_and_scenarios_keep_most_teams_free(world) -> None:
    # The demo's desk dispatches after a human-like delay; the stand-in plays it here.
    options, _ = demo_options("ws://127.0.0.1:8765/ingest")
    options = replace(
        options,
        rate=None,
        anomalies=anomaly_rates(0.0),
        streams=frozenset({"emergency", "excavations"}),
        stand_in_dispatch=True,
        dispatch_delay=95.0,
        seed=1,
    )
    city, out = generate(world, options, sim_start=START, span=2 * DAY)
    samples = busy_teams(city, out, 5 * MINUTE)
    teams = len(world.teams)
    assert statistics.mean(samples) <= 0.4 * teams
    assert max(samples) <= teams - 4  # a scripted explosion always finds its teams
    explosions = [e for e in city.scenarios.log if e["name"] == "restaurant_explosion"]
    assert len(explosions) >= 10 and all(len(e["teams"]) == 4 for e in explosions)
    reached = Counter(
        e.data["incident_id"] for e in out if e.type == "incident.update" and
        e.data.get("status") == "on_scene"
    )  # fmt: skip
    reported = [e.data["incident_id"] for e in out if e.type == "incident.reported"]
    assert sum(1 for i in reported if i in reached) >= len(reported) - 3  # the last hour's


def test_crews_follow_the_desk_with_honest_durations_and_the_scenario_script(world) -> None:
    city = quiet_city(world, 20.0, stand_in_dispatch=False, follow_desk=True)
    city.scheduler.call(START, lambda t: city.scenarios._run(t, "restaurant_explosion", None))
    drain(city, START + 60)
    main, _neighbour = city.scenarios.log[0]["incidents"]
    assert not [e for e in drain(city, START + 20 * 10 * MINUTE) if e.type == "team.status"]
    feed = DeskFeed(city)
    teams = [t.id for t in world.teams[:3]]
    at = START + 20 * 2 * MINUTE  # the desk sends three teams two minutes after the report
    feed.handle([{"seq": 9, "source": "user:duty", "type": "incident.dispatched",
                  "data": {"incident_id": main, "team_ids": teams, "by": "duty"}}], at)  # fmt: skip
    out = drain(city, START + 20 * 8 * HOUR)
    steps = {e.data.get("status"): e for e in out if e.type == "incident.update"}
    on_scene, contained = stamped(city, steps["on_scene"]), stamped(city, steps["contained"])
    assert contained - on_scene == pytest.approx(35 * MINUTE - 30.0)  # the script, honestly
    assert steps["contained"].data["text"].startswith("明火已扑灭")
    first = min(
        stamped(city, e) for e in out if e.type == "team.status" and e.data["status"] == "on_scene"
    )
    assert first - city.clock.occurred(at) >= 3 * MINUTE  # a drive across town, not seconds
    assert city.scenarios.log[0]["teams"] == teams
