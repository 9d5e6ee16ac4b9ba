"""The live simulators offline: determinism, valid events, the chain, anomaly rates.

Everything here runs `simulators.city.generate` on the demo city generated in memory (the rows
`simulators seed --scale demo --seed 7` writes), without a database or a gateway.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest

from dashboard.citypack import load_city_pack
from dashboard.domain.events import SYSTEM_EVENT_TYPES, Bounds, Event, parse_event
from simulators.anomalies import ANOMALY_KINDS, anomaly_rates
from simulators.city import generate
from simulators.core import ACCEPTED, DISCONNECT, DUPLICATE, CityOptions, source_types
from simulators.world import offline_world

PACK = load_city_pack("wuhan")
# Monday 23 November 2026, 06:00 in Wuhan.
START = datetime(2026, 11, 22, 22, 0, tzinfo=UTC).timestamp()
DAY = 86_400.0
QUIET = {"sensors": 0.05}  # a twentieth of the readings: the tests stay fast


@pytest.fixture(scope="module")
def world():
    return offline_world("demo", PACK, seed=7)


def run(world, span=DAY, **options):
    options.setdefault("volume", QUIET)
    city, out = generate(world, CityOptions(**options), sim_start=START, span=span)
    return city, out


def bounds() -> Bounds:
    (south, west), (north, east) = PACK.bounds
    return Bounds(south=south, west=west, north=north, east=east)


def test_the_same_seed_gives_the_same_streams(world) -> None:
    scenarios = (("restaurant_explosion", 3_600.0), ("pipeline_strike", 7_200.0))
    _, first = run(world, seed=3, scenarios=scenarios)
    _, second = run(world, seed=3, scenarios=scenarios)
    assert len(first) > 1_000
    assert [e.key() for e in first] == [e.key() for e in second]
    _, other = run(world, seed=4, scenarios=scenarios)
    assert [e.key() for e in other] != [e.key() for e in first]


def test_every_event_is_valid_and_from_a_source_allowed_to_send_it(world) -> None:
    city, out = run(world, seed=1, scenarios=(("restaurant_explosion", 600.0),))
    now = datetime.fromtimestamp(START + DAY + 60, UTC)
    types: Counter[str] = Counter()
    for emission in out:
        if emission.control:
            continue
        wire = {
            "id": emission.id,
            "type": emission.type,
            "occurred_at": city.iso(emission.occurred),
            "data": emission.data,
        }
        parsed = parse_event(
            wire, now=now, bounds=bounds(), allowed_types=source_types(emission.source)
        )
        assert isinstance(parsed, Event), (parsed, wire)
        assert emission.type not in SYSTEM_EVENT_TYPES
        types[emission.type] += 1
    expected = {
        "cylinder.scanned",
        "delivery.safety_checked",
        "sensor.reading",
        "inspection.completed",
        "incident.reported",
        "incident.update",
        "team.position",
        "team.status",
        "complaint.received",
        "complaint.updated",
        "excavation.registered",
    }
    assert expected <= set(types), types


def test_event_ids_are_unique_per_source_except_the_intended_duplicates(world) -> None:
    _, out = run(world, seed=2, anomalies=anomaly_rates(0.01))
    seen: set[tuple[str, str]] = set()
    for emission in out:
        if emission.control:
            continue
        key = (emission.source, emission.id)
        assert (key in seen) == (emission.expect == DUPLICATE), emission
        seen.add(key)


def test_the_cylinder_chain_follows_the_eight_stages_and_the_daily_rhythm(world) -> None:
    _, out = run(
        world, span=3 * DAY, seed=5, anomalies=anomaly_rates(0.0), streams=frozenset({"cylinders"})
    )
    registered = {c.code: c for c in world.cylinders}
    customers = {c.id: c for c in world.customers}
    order = ("inspection", "filling", "transport", "storage", "sale", "delivery", "use", "recovery")
    following = {
        stage: {order[(k + 1) % len(order)], "filling" if stage == "recovery" else ""}
        for k, stage in enumerate(order)
    }
    last: dict[str, str] = {}
    sold_to: dict[str, str] = {}
    delivered_hours: Counter[int] = Counter()
    checks = 0
    for emission in out:
        data = emission.data
        assert emission.source == registered[data["code"]].enterprise_id
        if emission.type == "delivery.safety_checked":
            checks += 1
            assert set(data["photos"]) == {
                "storefront",
                "cylinder_hose",
                "stove_hose",
                "surroundings",
            }
            assert all(p.startswith("sha256:") and len(p) == 71 for p in data["photos"].values())
            continue
        code, stage = data["code"], data["stage"]
        if code in last:
            assert stage in following[last[code]], (code, last[code], stage)
        last[code] = stage
        if stage == "sale":
            assert customers[data["customer_id"]].real_name
            sold_to[code] = data["customer_id"]
        if stage == "delivery":
            assert sold_to.pop(code) == data["customer_id"]
            delivered_hours[int((emission.occurred - START) / 3_600 + 6) % 24] += 1
    assert checks > 300
    night = sum(delivered_hours[h] for h in (0, 1, 2, 3, 4, 5))
    lunch = sum(delivered_hours[h] for h in (10, 11, 12))
    dinner = sum(delivered_hours[h] for h in (16, 17, 18))
    assert lunch > 5 * night and dinner > 5 * night
    assert max(delivered_hours, key=delivered_hours.get) in (10, 11, 12, 16, 17, 18)


def test_anomaly_rates_land_within_tolerance_and_match_what_was_sent(world) -> None:
    rate = 0.02
    city, out = run(
        world,
        span=DAY,
        seed=9,
        anomalies=anomaly_rates(rate),
        streams=frozenset({"cylinders", "sensors"}),
        volume={"cylinders": 30.0, "sensors": 0.2},
        flat=True,
    )
    rolls = city.anomalies
    for kind in ANOMALY_KINDS:
        occasions = rolls.occasions[kind]
        assert occasions > 1_000, (kind, occasions)
        observed = rolls.sent[kind] / occasions
        tolerance = 5 * math.sqrt(rate * (1 - rate) / occasions)
        assert abs(observed - rate) < tolerance, (kind, observed, occasions)
    tagged = Counter(e.anomaly for e in out if e.anomaly)
    # Every anomaly decided before the end of the span was also emitted within it, but for the
    # few whose late copies fall after the end.
    for kind in ANOMALY_KINDS:
        assert tagged[kind] <= rolls.sent[kind]
        assert tagged[kind] >= rolls.sent[kind] * 0.97, kind
    registered = {c.code for c in world.cylinders}
    workers = {w.id for w in world.workers}
    today = city.today
    overdue = {c.code for c in world.cylinders if c.valid_until() < today}
    black = {
        e.data["code"]
        for e in out
        if e.type == "cylinder.scanned" and e.data["code"] not in registered
    }
    assert len(black) == tagged["black_cylinder"]
    fillings = [e for e in out if e.type == "cylinder.scanned" and e.data["stage"] == "filling"]
    overdue_fillings = [e for e in fillings if e.data["code"] in overdue and e.expect == ACCEPTED]
    assert len(overdue_fillings) == tagged["overdue_filling"]
    assert all(e.anomaly == "overdue_filling" for e in overdue_fillings)
    rejected = [e for e in out if e.expect.startswith("rejected")]
    assert len(rejected) == tagged["unregistered_worker"]
    assert all(
        e.type == "delivery.safety_checked" and e.data["worker_id"] not in workers for e in rejected
    )
    assert sum(1 for e in out if e.expect == DUPLICATE) == tagged["duplicate"]
    assert sum(1 for e in out if e.control == DISCONNECT) == tagged["disconnect"]
    late = [e for e in out if e.anomaly == "out_of_order"]
    assert late and all(e.at > e.occurred for e in late)
    assert all(e.at == e.occurred for e in out if e.anomaly is None)


def test_without_anomalies_every_event_expects_acceptance(world) -> None:
    city, out = run(
        world, seed=2, anomalies=anomaly_rates(0.0), scenarios=(("pipeline_strike", 60.0),)
    )
    assert all(e.expect == ACCEPTED and e.anomaly is None and e.control is None for e in out)
    assert sum(city.anomalies.sent.values()) == 0


def test_teams_drive_to_incidents_at_town_speeds_and_report_on_scene(world) -> None:
    _, out = run(
        world,
        seed=4,
        anomalies=anomaly_rates(0.0),
        streams=frozenset({"emergency"}),
        scenarios=(("restaurant_explosion", 600.0),),
    )
    reported = {e.data["incident_id"]: e for e in out if e.type == "incident.reported"}
    assert any(e.data["kind"] == "explosion" and e.source == "fire-119" for e in reported.values())
    assert any(
        e.data["channel"] == "hotline_96511" and e.source == "hotline-96511"
        for e in reported.values()
    )
    positions: dict[str, list] = defaultdict(list)
    for e in out:
        if e.type == "team.position":
            positions[e.data["team_id"]].append(e)
            assert e.data["speed_kmh"] == 0 or 17 <= e.data["speed_kmh"] <= 56  # the hour's speed
        if e.type in ("team.status", "incident.update") and "incident_id" in e.data:
            incident = reported[e.data["incident_id"]]
            assert e.requires == f"incident:{incident.data['incident_id']}"
            assert e.at > incident.at
    assert positions
    statuses = [e.data["status"] for e in out if e.type == "incident.update" and "status" in e.data]
    assert {"on_scene", "contained", "resolved"} <= set(statuses)
    explosion = next(i for i, e in reported.items() if e.data["kind"] == "explosion")
    converging = {
        e.data["team_id"]
        for e in out
        if e.type == "team.status" and e.data.get("incident_id") == explosion
    }
    assert len(converging) >= 3


@pytest.mark.parametrize("stream", ["complaints", "inspections", "violations", "excavations"])
def test_each_case_stream_runs_alone(world, stream: str) -> None:
    _, out = run(
        world, span=5 * DAY, seed=6, streams=frozenset({stream}), anomalies=anomaly_rates(0)
    )
    assert out, stream


@pytest.mark.parametrize(("speed", "span"), [(1.0, 6 * 3600.0), (30.0, 2 * DAY)])
def test_rate_sets_the_events_per_real_second(world, speed: float, span: float) -> None:
    # (At a high speed the chain runs slower per simulated hour: it needs longer to settle.)
    options = CityOptions(seed=1, rate=2.0, flat=True, anomalies=anomaly_rates(0))
    _, out = generate(world, options, sim_start=START, span=span, speed=speed)
    per_real_second = len(out) / (span / speed)
    assert per_real_second == pytest.approx(2.0, rel=0.15)
    cylinders = sum(1 for e in out if e.source.startswith("ENT-"))
    sensors = sum(1 for e in out if e.source == "sensor-net")
    assert cylinders == pytest.approx(3 * sensors, rel=0.2)  # the volume streams' 3:1 mix
