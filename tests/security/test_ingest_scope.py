"""An ingest source acting outside its enterprise, its districts and its name (issue 13, item 5).

- 5a: a token bound to one enterprise may not act on another enterprise's customer (a safety
  check, a delivery scan), through append_events on both databases and through the gateway;
- 5b: a hazard, complaint or inspection must name a district of the city pack, and its point
  must lie in that district (a few hundred metres of slack for simplified outlines);
- 5c: an `incident.update` from a source shows as the source in the timeline, whatever author
  it claims.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shapely
from sqlalchemy import Engine

from dashboard.citypack import load_city_pack
from dashboard.domain.events import Rejection
from dashboard.gateway.ingest import IngestConfig
from dashboard.gateway.server import city_bounds
from data_access.db import make_engine
from data_access.queries.incident_view import timeline
from tests.integration.test_eventlog import scan
from tests.integration.test_gateway import ThreadGateway, hello, send_events
from tests.integration.test_permits import bound, safety_check, seed_two_enterprises
from tests.support import IN_JIANGAN, IN_WUCHANG, incident, issue_token

JIANGAN, WUCHANG = "420102", "420106"
PLACED_TYPES = ("hazard.reported", "complaint.received", "inspection.completed")


@pytest.fixture
def db(demo_settings) -> Iterator[Engine]:
    """The seeded demo city (SQLite) that the gateways below serve."""
    engine = make_engine(demo_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def start_gateway(db: Engine) -> Iterator[Callable[..., ThreadGateway]]:
    started: list[ThreadGateway] = []

    def start(**changes: Any) -> ThreadGateway:
        gateway = ThreadGateway(db, IngestConfig(bounds=city_bounds("wuhan"), **changes))
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.close()


# --- 5a: another enterprise's customer --------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        safety_check("sc-c3", "Y1", "w1").model_copy(
            update={"data": safety_check("sc-c3", "Y1", "w1").data.model_copy(
                update={"customer_id": "c3"})}
        ),
        scan("dl-c3", "Y1", "delivery", 1, customer_id="c3"),
    ],
    ids=["safety_check", "delivery_scan"],
)  # fmt: skip
def test_a_bound_source_may_not_act_on_another_enterprises_customer(
    engine: Engine, event: Any
) -> None:
    seed_two_enterprises(engine)
    (outcome,) = bound(engine, event)
    assert isinstance(outcome, Rejection), outcome
    assert (outcome.code, outcome.field) == ("not_permitted", "data.customer_id")
    assert "'e2'" in outcome.message


def test_its_own_customer_is_still_allowed(engine: Engine) -> None:
    seed_two_enterprises(engine)
    (outcome,) = bound(engine, safety_check("sc-c1", "Y1", "w1"))
    assert not isinstance(outcome, Rejection), outcome


# --- 5b: the district is checked against the city pack ----------------------------------------


def placed(kind: str, event_id: str, district: str, lat: float, lon: float) -> dict[str, Any]:
    common = {"district": district, "lat": lat, "lon": lon}
    data: dict[str, Any] = {
        "hazard.reported": {
            "hazard_id": event_id, "target_type": "site", "target_id": "site-x",
            "category": "hose", "level": "general", "description": "old hose",
            "due_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        "complaint.received": {
            "complaint_id": event_id, "channel": "hotline_96511", "category": "smell",
            "text": "gas smell in the stairwell",
        },
        "inspection.completed": {
            "inspection_id": event_id, "kind": "daily", "target_type": "site",
            "target_id": "site-x", "inspector_id": "insp-1",
            "items": [{"item": "hose", "passed": True}],
        },
    }[kind]  # fmt: skip
    occurred = (datetime.now(UTC) - timedelta(seconds=5)).isoformat(timespec="seconds")
    return {"id": event_id, "type": kind, "occurred_at": occurred, "data": {**data, **common}}


@pytest.fixture
def placing(start_gateway, db: Engine):
    gateway = start_gateway(city=load_city_pack("wuhan"))
    secret = issue_token(db, "field-app", PLACED_TYPES, "tests")[1]
    ws, welcome = hello(gateway.url, secret)
    assert welcome["op"] == "welcome"
    yield lambda events: send_events(ws, "r", events)
    ws.close()


@pytest.mark.parametrize("kind", PLACED_TYPES)
def test_an_unknown_district_is_rejected(placing, kind: str) -> None:
    ack = placing([placed(kind, "p-unknown", "999999", *IN_WUCHANG)])
    (rejected,) = ack["rejected"]
    assert (rejected["code"], rejected["field"]) == ("invalid_field", "data.district")
    assert "999999" in rejected["message"]


@pytest.mark.parametrize("kind", PLACED_TYPES)
def test_a_point_in_another_district_is_rejected(placing, kind: str) -> None:
    ack = placing([placed(kind, "p-elsewhere", WUCHANG, *IN_JIANGAN)])
    (rejected,) = ack["rejected"]
    assert (rejected["code"], rejected["field"]) == ("invalid_field", "data.district")
    assert JIANGAN in rejected["message"]


@pytest.mark.parametrize("kind", PLACED_TYPES)
def test_a_point_in_its_district_is_accepted(placing, kind: str) -> None:
    assert placing([placed(kind, "p-right", JIANGAN, *IN_JIANGAN)])["accepted"] == ["p-right"]


def just_outside_the_city(district: str, metres: float = 30.0) -> tuple[float, float]:
    """A point `metres` outside `district`'s outline, in no district at all (the river side of
    a simplified boundary, say)."""
    pack = load_city_pack("wuhan")
    shape = pack.district(district).shape
    step = metres / 111_320.0
    for lon, lat in shapely.get_coordinates(shape.boundary)[::7]:
        for dlat, dlon in ((step, 0), (-step, 0), (0, step * 1.2), (0, -step * 1.2)):
            point = (lat + dlat, lon + dlon)
            if pack.district_at(*point) is None and 0 < pack.metres_outside(district, *point) < 60:
                return point
    raise AssertionError(f"no point just outside {district}")


def test_a_point_a_few_metres_outside_every_district_is_not_rejected(placing) -> None:
    point = just_outside_the_city("420117")  # Xinzhou, on the city's edge
    ack = placing([placed("hazard.reported", "p-edge", "420117", *point)])
    assert ack["accepted"] == ["p-edge"], ack


# --- 5c: an ingest source does not write as a desk officer -------------------------------------


def update(event_id: str, incident_id: str, author: str) -> dict[str, Any]:
    occurred = datetime.now(UTC).isoformat(timespec="seconds")
    return {
        "id": event_id,
        "type": "incident.update",
        "occurred_at": occurred,
        "data": {"incident_id": incident_id, "author": author, "text": "on our way"},
    }


def test_an_ingested_update_shows_its_source_not_the_author_it_claims(
    start_gateway, db: Engine, demo_app
) -> None:
    from callbacks.incident import timeline_list  # after the app: its pages register then

    gateway = start_gateway()
    secret = issue_token(db, "field-app", ["incident.reported", "incident.update"], "tests")[1]
    ws, _ = hello(gateway.url, secret)
    ack = send_events(ws, "r", [incident("inc-x", *IN_WUCHANG), update("u1", "inc-x", "duty")])
    assert ack["accepted"] == ["inc-x", "u1"], ack
    ws.close()
    entry = next(row for row in timeline(db, "inc-x") if row.kind == "update")
    assert entry.actor == "source:field-app"
    for lang in ("zh", "en"):
        with demo_app.server.app_context():
            shown = str(timeline_list([entry], {}, lang))
        assert "field-app" not in shown and "· duty" not in shown
        assert ("外勤App" if lang == "zh" else "Field app") in shown
        assert "who-source" in shown


def test_a_desk_update_still_shows_the_desk_user() -> None:
    from dashboard.domain.incidents import update_author

    assert update_author("user:duty", "duty") == "duty"  # a desk's own update (commands)
    assert update_author("field-app", "duty") == "source:field-app"
