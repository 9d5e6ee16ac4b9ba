"""The simulated field app following the duty desk, offline: synthetic live events in, the
crews' events out of the city's scheduler (no gateway, no network)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from dashboard.citypack import load_city_pack
from simulators.anomalies import anomaly_rates
from simulators.city import City
from simulators.clock import SimClock
from simulators.core import CityOptions, Emission, Job, Scheduler
from simulators.desk import DeskFeed, desk_secret, live_url_for
from simulators.places import km, offset_m
from simulators.world import offline_world

PACK = load_city_pack("wuhan")
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()  # 10:00 in Wuhan
HOUR = 3_600.0
DAY = 86_400.0


@pytest.fixture(scope="module")
def world():
    return offline_world("demo", PACK, seed=7)


def desk_city(world, **options) -> tuple[City, DeskFeed]:
    """A city with no streams of its own running: only what the desk starts happens."""
    options.setdefault("streams", frozenset())
    options.setdefault("anomalies", anomaly_rates(0.0))
    city = City(world, CityOptions(follow_desk=True, **options), SimClock(START, START, 1.0))
    city.start()
    return city, DeskFeed(city)


def run(city: City, until: float) -> list[Emission]:
    out: list[Emission] = []
    while batch := city.pop_until(until):
        out += batch
    return out


def reported(incident_id: str, at: tuple[float, float], kind: str = "leak") -> dict:
    data = {
        "incident_id": incident_id,
        "kind": kind,
        "channel": "hotline_96511",
        "lat": at[0],
        "lon": at[1],
        "address": "武昌区中山路 1 号",
        "severity": 2,
        "description": "居民报告厨房燃气味浓",
    }
    return {"seq": 1, "source": "user:duty", "type": "incident.reported", "data": data}


def dispatched(incident_id: str, *teams: str, source: str = "user:duty") -> dict:
    data = {"incident_id": incident_id, "team_ids": list(teams), "by": "duty", "eta_minutes": 8}
    return {"seq": 2, "source": source, "type": "incident.dispatched", "data": data}


def closed(incident_id: str) -> dict:
    data = {"incident_id": incident_id, "by": "duty", "summary": "处置完毕"}
    return {"seq": 3, "source": "user:duty", "type": "incident.closed", "data": data}


def near(team, north_m: float = 2_500.0, east_m: float = 1_800.0) -> tuple[float, float]:
    return offset_m(team.lat, team.lon, north_m, east_m)


def of_team(out: list[Emission], team_id: str, kind: str | None = None) -> list[Emission]:
    return [
        e
        for e in out
        if (e.data or {}).get("team_id") == team_id and (kind is None or e.type == kind)
    ]


def statuses(out: list[Emission], team_id: str) -> list[str]:
    return [e.data["status"] for e in of_team(out, team_id, "team.status")]


def updates(out: list[Emission], incident_id: str) -> list[Emission]:
    return [e for e in out if e.type == "incident.update" and e.data["incident_id"] == incident_id]


def test_a_desk_dispatch_sends_the_crew_there_and_back_without_reporting_dispatched(
    world,
) -> None:
    city, feed = desk_city(world)
    team = world.teams[0]
    feed.handle([reported("desk-1", near(team))], START + 10)
    feed.handle([dispatched("desk-1", team.id)], START + 60)
    out = run(city, START + DAY)
    assert statuses(out, team.id) == ["en_route", "on_scene", "returning", "available"]
    en_route, on_scene = of_team(out, team.id, "team.status")[:2]
    assert en_route.at == START + 90 and en_route.data["incident_id"] == "desk-1"
    driving = [e for e in of_team(out, team.id, "team.position") if e.at <= on_scene.at]
    assert len(driving) >= 5  # every 20 simulated seconds along the way, then the arrival
    gaps = [b.at - a.at for a, b in pairwise(driving[:-1])]
    assert gaps == pytest.approx([20.0] * len(gaps))
    assert driving[-1].at == on_scene.at
    assert (driving[-1].data["lat"], driving[-1].data["lon"]) == pytest.approx(near(team), abs=1e-5)
    steps = updates(out, "desk-1")
    assert [e.data["status"] for e in steps] == ["on_scene", "contained", "resolved"]
    assert all(e.data["author"] == team.id and e.at > on_scene.at for e in steps)
    assert any("已到达现场" in e.data["text"] for e in steps)
    # The desk's incident is in the log already: nothing waits for a report of the simulators.
    assert all(e.requires is None for e in out)
    home = of_team(out, team.id, "team.position")[-1]
    assert (home.data["lat"], home.data["lon"]) == pytest.approx((team.lat, team.lon), abs=1e-5)


def test_the_first_crew_on_scene_reports_for_the_incident(world) -> None:
    city, feed = desk_city(world)
    first, second = world.teams[0], world.teams[1]
    feed.handle([reported("desk-2", near(first), kind="fire")], START)
    feed.handle([dispatched("desk-2", first.id, second.id)], START + 30)
    out = run(city, START + DAY)
    for team in (first, second):
        assert statuses(out, team.id) == ["en_route", "on_scene", "returning", "available"]
    steps = updates(out, "desk-2")
    assert [e.data["status"] for e in steps] == ["on_scene", "contained", "resolved"]
    assert len({e.data["author"] for e in steps}) == 1
    assert steps[1].data["photos"]  # the contained report comes with a photo, like today's


def test_a_dispatch_to_an_unknown_incident_is_skipped_with_a_log_line(world, caplog) -> None:
    city, feed = desk_city(world)
    with caplog.at_level(logging.INFO, logger="simulators"):
        feed.handle([dispatched("nowhere", world.teams[0].id)], START)
        out = run(city, START + DAY)
    assert out == []
    assert "nowhere" in caplog.text and "unknown" in caplog.text


def test_dispatch_records_of_other_systems_are_not_followed(world) -> None:
    city, feed = desk_city(world)
    team = world.teams[0]
    feed.handle([reported("ext-1", near(team))], START)
    feed.handle([dispatched("ext-1", team.id, source="fire-119")], START + 10)
    assert run(city, START + DAY) == []


def test_closing_brings_the_crews_back_from_where_they_are(world) -> None:
    city, feed = desk_city(world)
    team = world.teams[0]
    feed.handle([reported("desk-3", near(team, 6_000.0, 4_000.0))], START)
    feed.handle([dispatched("desk-3", team.id)], START + 10)
    before = run(city, START + 300)  # on the way
    assert statuses(before, team.id) == ["en_route"]
    last = of_team(before, team.id, "team.position")[-1]
    feed.handle([closed("desk-3")], START + 300)
    after = run(city, START + DAY)
    assert statuses(after, team.id) == ["available"]  # the desk reported it returning
    assert updates(after, "desk-3") == []
    back = of_team(after, team.id, "team.position")
    assert km((last.data["lat"], last.data["lon"]), (back[0].data["lat"], back[0].data["lon"])) < 1
    assert (back[-1].data["lat"], back[-1].data["lon"]) == pytest.approx((team.lat, team.lon))
    # A later dispatch to the closed incident is not followed.
    feed.handle([dispatched("desk-3", team.id)], START + DAY)
    assert run(city, START + 2 * DAY) == []


def test_a_busy_crew_stays_on_its_job(world, caplog) -> None:
    city, feed = desk_city(world)
    team = world.teams[0]
    feed.handle([reported("desk-4", near(team)), reported("desk-5", near(team, -900, 300))], START)
    feed.handle([dispatched("desk-4", team.id)], START + 10)
    run(city, START + 120)
    with caplog.at_level(logging.INFO, logger="simulators"):
        feed.handle([dispatched("desk-5", team.id)], START + 120)
        out = run(city, START + DAY)
    assert {e.data.get("incident_id") for e in of_team(out, team.id, "team.status")} <= {
        "desk-4",
        None,
    }
    assert "busy" in caplog.text


def stand_in(city: City, incident_id: str, at: tuple[float, float], when: float) -> None:
    """A simulated incident and its stand-in dispatch, as the emergency stream makes them."""
    emergency = city.streams["emergency"]
    emergency.report(
        when, kind="leak", channel="hotline_96511", lat=at[0], lon=at[1], district="420106",
        severity=2, description="用户报告燃气管道接口漏气", incident_id=incident_id,
    )  # fmt: skip
    emergency.respond(when, incident_id, at[0], at[1], "leak", 2)


def test_the_stand_in_waits_its_delay_and_stands_aside_for_the_desk(world) -> None:
    delay = 180.0 * 20  # the demo's: three real minutes at speed 20
    city, feed = desk_city(world, dispatch_delay=delay)
    team = world.teams[0]
    stand_in(city, "INC-own", near(team), START)
    stand_in(city, "INC-desk", near(world.teams[5]), START)
    feed.handle([dispatched("INC-desk", team.id)], START + 600)
    out = run(city, START + DAY)
    sent = [e for e in out if e.type == "team.status" and e.data["status"] == "dispatched"]
    assert {e.data["incident_id"] for e in sent} == {"INC-own"}
    assert min(e.at for e in sent) == START + delay
    desk_crew = [e for e in of_team(out, team.id, "team.status") if e.at < START + delay]
    assert [e.data["status"] for e in desk_crew][:2] == ["en_route", "on_scene"]
    # Its own incident waits for the report's ack, as before; the updates come once each.
    assert all(e.requires == "incident:INC-own" for e in updates(out, "INC-own"))
    assert [e.data["status"] for e in updates(out, "INC-desk")] == [
        "on_scene",
        "contained",
        "resolved",
    ]


def test_without_a_delay_given_the_stand_in_keeps_its_minute(world) -> None:
    city, _ = desk_city(world)
    stand_in(city, "INC-1", near(world.teams[0]), START)
    out = run(city, START + DAY)
    sent = [e for e in out if e.type == "team.status" and e.data["status"] == "dispatched"]
    assert sent and min(e.at for e in sent) == START + 60.0


def test_a_returning_crew_can_be_sent_again_from_the_road(world) -> None:
    city, feed = desk_city(world)
    emergency = city.streams["emergency"]
    stand_in(city, "INC-2", near(world.teams[0]), START)
    run(city, START + 61)
    [crew] = [c for c in emergency.crews if c.incident_id == "INC-2"]
    team = crew.team
    assert crew.returns_at < crew.free_at < START + DAY
    turn = crew.returns_at + 40.0
    first = run(city, turn)
    assert statuses(first, team.id)[-1] == "returning"
    here = crew.where(turn)
    feed.handle([reported("desk-6", near(team, -3_000, -2_000))], turn)
    feed.handle([dispatched("desk-6", team.id)], turn)
    out = run(city, START + 2 * DAY)
    assert statuses(out, team.id) == ["en_route", "on_scene", "returning", "available"]
    assert of_team(out, team.id, "team.status")[0].data["incident_id"] == "desk-6"
    way = of_team(out, team.id, "team.position")[0]
    assert km(here, (way.data["lat"], way.data["lon"])) < 1  # from the road, not from base


def test_the_same_desk_events_give_the_same_emissions(world) -> None:
    def once() -> list[tuple]:
        city, feed = desk_city(world, seed=3)
        team = world.teams[2]
        feed.handle([reported("desk-7", near(team))], START)
        feed.handle([dispatched("desk-7", team.id)], START + 45)
        return [e.key() for e in run(city, START + DAY)]

    assert once() == once()


def test_a_cancelled_job_drops_its_emissions_and_their_copies() -> None:
    scheduler = Scheduler()
    job = Job()
    original = Emission(10.0, "field-app", "a", "team.position", {}, job=job)
    scheduler.emit(original)
    scheduler.emit(original.copy(at=20.0, expect="duplicate"))
    scheduler.emit(Emission(15.0, "field-app", "b", "team.position", {}))
    job.cancel()
    assert [e.id for e in scheduler.pop_until(100.0)] == ["b"]


def test_the_live_token_key_comes_from_the_environment_or_the_demo_data_dir(tmp_path) -> None:
    assert desk_secret({}, tmp_path) is None  # a remote gateway: today's behaviour
    assert not (tmp_path / "secret_key").exists()  # and no key made up
    (tmp_path / "secret_key").write_text("f" * 64 + "\n")
    assert desk_secret({}, tmp_path) == "f" * 64
    assert desk_secret({"SECRET_KEY": "k" * 32}, tmp_path) == "k" * 32


def test_the_live_channel_is_beside_the_ingest_path() -> None:
    assert live_url_for("ws://127.0.0.1:8765/ingest") == "ws://127.0.0.1:8765/live"
