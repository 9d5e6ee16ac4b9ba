"""The incident view's server side: what lies around an incident, the teams it may rank, and
who may see and act, through the real Dash callbacks of a signed-in test client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.domain.events import Event, ExcavationRegistered
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import CITYWIDE, Scope
from data_access import commands
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Customer, EventRecord, PipelineSegment, Sensor, Site, Team
from data_access.queries import incident_view as view
from tests.conftest import sign_in
from tests.support import desk_user

JIANGAN, WUCHANG = "420102", "420106"


def open_at(engine, lat: float, lon: float, kind: str = "leak") -> str:
    draft = IncidentDraft(kind, 3, "hotline_96511", lat, lon, "测试地址", "测试描述")
    return commands.report_incident(engine, desk_user(), draft).subject


def test_the_view_lists_the_customers_and_pipelines_at_the_incidents_place(city):
    with city.connect() as connection:
        customer = connection.execute(
            select(Customer.id, Customer.lat, Customer.lon).limit(1)
        ).one()
        segment = connection.execute(
            select(PipelineSegment.id, PipelineSegment.coords).limit(1)
        ).one()
    today = datetime.now(UTC).date()
    around = view.surroundings(city, customer.lat, customer.lon, CITYWIDE, today)
    assert customer.id in [c.id for c in around.customers]
    assert all(c.distance_m <= 2 * view.ADDRESS_M for c in around.customers)
    lat, lon = segment.coords[0]
    pipes = view.pipelines_near(city, lat, lon, CITYWIDE)
    assert segment.id in [p.id for p in pipes]
    assert len(around.depots) <= view.NEAREST_DEPOTS
    distances = [d.distance_km for d in around.depots]
    assert distances == sorted(distances)


def _column(engine, key, value, ids):
    """{id: value} of the rows whose `key` is among `ids`."""
    with engine.connect() as connection:
        return dict(connection.execute(select(key, value).where(key.in_(ids))).all())


def test_what_lies_around_an_incident_is_scoped_like_everything_else(city):
    """A district officer sees their district's surroundings; an enterprise its own pipelines,
    sensors and customers, and none of the authorities' digs, depots and experts."""
    with city.connect() as connection:
        customer = connection.execute(
            select(
                Customer.id, Customer.lat, Customer.lon, Customer.district, Customer.enterprise_id
            )
            .where(Customer.enterprise_id.is_not(None))
            .order_by(Customer.id)
            .limit(1)
        ).one()
    today = datetime.now(UTC).date()
    dig = ExcavationRegistered(
        permit_id="DIG-AROUND",
        contractor="某施工队",
        district=customer.district,
        lat=customer.lat,
        lon=customer.lon,
        radius_m=50,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=5),
        agreement_signed=True,
    )
    event = Event.of(dig, id="e-dig-around", occurred_at=datetime.now(UTC))
    [accepted] = append_events(city, [Incoming("test", event)])
    assert isinstance(accepted, Accepted)

    def around(scope: Scope) -> view.Surroundings:
        return view.surroundings(city, customer.lat, customer.lon, scope, today)

    everything = around(CITYWIDE)
    assert everything.pipelines and everything.sensors and everything.customers
    assert [d.id for d in everything.excavations] == ["DIG-AROUND"]
    assert everything.depots and everything.experts

    district, other = customer.district, WUCHANG if customer.district != WUCHANG else JIANGAN
    for code in (district, other):
        seen = around(Scope(district=code))
        pipelines = _column(
            city, PipelineSegment.id, PipelineSegment.district, [p.id for p in seen.pipelines]
        )
        sensors = _column(city, Sensor.id, Sensor.district, [s.id for s in seen.sensors])
        customers = _column(city, Customer.id, Customer.district, [c.id for c in seen.customers])
        assert set(pipelines.values()) | set(sensors.values()) | set(customers.values()) <= {code}
        assert {d.district for d in seen.depots} | {e.district for e in seen.experts} <= {code}
        assert [d.id for d in seen.excavations] == (["DIG-AROUND"] if code == district else [])
        assert (customer.id in [c.id for c in seen.customers]) == (code == district)

    owner = customer.enterprise_id
    own = around(Scope(enterprise_id=owner))
    pipe_owners = _column(
        city,
        PipelineSegment.id,
        PipelineSegment.enterprise_id,
        [p.id for p in everything.pipelines],
    )
    site_owners = _column(
        city, Site.id, Site.enterprise_id, [s.site_id for s in everything.sensors]
    )
    segment_owners = _column(
        city,
        PipelineSegment.id,
        PipelineSegment.enterprise_id,
        [s.segment_id for s in everything.sensors],
    )
    customer_owners = _column(
        city, Customer.id, Customer.enterprise_id, [c.id for c in everything.customers]
    )
    assert [p.id for p in own.pipelines] == [
        p.id for p in everything.pipelines if pipe_owners[p.id] == owner
    ]
    assert [s.id for s in own.sensors] == [
        s.id
        for s in everything.sensors
        if owner in (site_owners.get(s.site_id), segment_owners.get(s.segment_id))
    ]
    assert [c.id for c in own.customers] == [
        c.id for c in everything.customers if customer_owners[c.id] == owner
    ]
    assert own.pipelines and customer.id in [c.id for c in own.customers]
    assert own.excavations == own.depots == own.experts == []


def test_a_district_officer_ranks_only_their_districts_teams(city):
    everyone = view.team_positions(city, CITYWIDE)
    jiangan = view.team_positions(city, Scope(district=JIANGAN))
    with city.connect() as connection:
        own = set(connection.scalars(select(Team.id).where(Team.district == JIANGAN)))
    assert {t.id for t in jiangan} == own and 0 < len(own) < len(everyone)
    assert view.team_positions(city, Scope(enterprise_id="ENT-0007")) == []


def test_an_incident_of_another_district_is_not_found_for_a_district_officer(city):
    incident_id = open_at(city, 30.55, 114.31)  # Wuchang
    assert view.incident(city, incident_id, CITYWIDE) is not None
    assert view.incident(city, incident_id, Scope(district=WUCHANG)) is not None
    assert view.incident(city, incident_id, Scope(district=JIANGAN)) is None


def test_an_enterprise_finds_no_incident(city):
    incident_id = open_at(city, 30.55, 114.31)
    assert view.incident(city, incident_id, CITYWIDE) is not None
    assert view.incident(city, incident_id, Scope(enterprise_id="ENT-0001")) is None


def refresh_body(incident_id: str) -> dict:
    outputs = [
        ("incident-header", "children"),
        ("incident-map-teams", "children"),
        ("incident-ranking", "children"),
        ("incident-ranking-note", "children"),
        ("incident-dispatched", "children"),
        ("incident-timeline", "children"),
        ("incident-notifications", "children"),
    ]
    return {
        "output": "...".join(f"{i}.{p}" for i, p in outputs).join(["..", ".."]),
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [
            {"id": "incident-id", "property": "data", "value": incident_id},
            {"id": "incident-tick", "property": "data", "value": None},
            {"id": "incident-refresh", "property": "n_intervals", "value": None},
            {"id": "incident-feedback", "property": "children", "value": None},
        ],
        "state": [{"id": "incident-picked", "property": "data", "value": []}],
        "changedPropIds": [],
    }


def dispatch_body(client, incident_id: str, team_id: str) -> dict:
    """The dispatch callback's request, its output names as Dash registered them."""
    [callback] = [
        c
        for c in client.get("/_dash-dependencies").get_json()
        if {"id": "incident-dispatch-confirm", "property": "n_clicks"} in c["inputs"]
    ]
    outputs = [part.rsplit(".", 1) for part in callback["output"].strip(".").split("...")]
    return {
        "output": callback["output"],
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": "incident-dispatch-confirm", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "incident-picked", "property": "data", "value": [team_id]},
            {"id": "incident-id", "property": "data", "value": incident_id},
        ],
        "changedPropIds": ["incident-dispatch-confirm.n_clicks"],
    }


@pytest.fixture
def wuchang_incident(demo_app) -> str:
    return open_at(demo_app.server.config["GASCC_ENGINE"], 30.55, 114.31)


def dispatches(demo_app) -> int:
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        query = select(func.count()).where(EventRecord.type == "incident.dispatched")
        return connection.scalar(query)


def test_the_view_refreshes_with_the_ranking_for_the_duty_officer(client, wuchang_incident):
    sign_in(client, "duty")
    response = client.post("/_dash-update-component", json=refresh_body(wuchang_incident))
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert "测试地址" in text and "candidate" in text and "data-team" in text


def test_a_district_officer_gets_nothing_of_another_districts_incident(
    client, wuchang_incident, demo_app
):
    sign_in(client, "jiangan")
    response = client.post("/_dash-update-component", json=refresh_body(wuchang_incident))
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert "测试地址" not in text and "candidate" not in text
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        team = connection.scalar(select(Team.id).where(Team.district == JIANGAN))
    before = dispatches(demo_app)
    response = client.post(
        "/_dash-update-component", json=dispatch_body(client, wuchang_incident, team)
    )
    assert response.status_code == 200 and '"refused"' in response.get_data(as_text=True)
    assert dispatches(demo_app) == before


def test_leadership_may_look_but_not_dispatch(client, wuchang_incident, demo_app):
    sign_in(client, "leader")
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        team = connection.scalar(select(Team.id).where(Team.district == WUCHANG))
    before = dispatches(demo_app)
    response = client.post(
        "/_dash-update-component", json=dispatch_body(client, wuchang_incident, team)
    )
    assert '"refused"' in response.get_data(as_text=True)
    assert dispatches(demo_app) == before


def test_the_duty_officer_dispatches_through_the_view(client, wuchang_incident, demo_app):
    sign_in(client, "duty")
    with demo_app.server.config["GASCC_ENGINE"].connect() as connection:
        team = connection.scalar(select(Team.id).where(Team.district == WUCHANG))
    before = dispatches(demo_app)
    response = client.post(
        "/_dash-update-component", json=dispatch_body(client, wuchang_incident, team)
    )
    assert '"done"' in response.get_data(as_text=True)
    assert dispatches(demo_app) == before + 1
    demo_app.server.config["GASCC"].notifier.drain(30)
