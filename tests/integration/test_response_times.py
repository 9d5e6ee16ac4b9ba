"""Response-time statistics per district and month on fixed incidents (both databases), and the
page's callback: the table with its total row, the district officer's scope."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from dashboard.domain.events import Event, EventData, IncidentClosed, IncidentReported, TeamStatus
from dashboard.domain.response import month_of, month_start, shift_month
from dashboard.domain.roles import CITYWIDE, Scope
from data_access.cache import MemoryCache, use_cache
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Team
from data_access.queries.response_times import response_table
from tests.conftest import sign_in

ZONE = "Asia/Shanghai"
WUCHANG, JIANGAN = "420106", "420102"
PLACES = {WUCHANG: (30.55, 114.31), JIANGAN: (30.60, 114.30)}
NOW = datetime.now(UTC)
THIS = month_of(NOW, ZONE)
A, B = shift_month(THIS, -2), shift_month(THIS, -1)
OLDER = shift_month(THIS, -3)


def reported_in(month: str) -> datetime:
    """The 10th of the month, 10:00 in the city: well inside the month in any zone."""
    return month_start(month, ZONE) + timedelta(days=9, hours=10)


# (id, district, month, minutes to on scene or None, minutes to close or None)
INCIDENTS = [
    ("RT-1", WUCHANG, A, 10, 60),  # met
    ("RT-2", WUCHANG, A, 30, 90),  # late: a breach
    ("RT-3", WUCHANG, A, None, 8),  # called off within 8 minutes: not judged
    ("RT-4", WUCHANG, B, 18, None),  # open, met
    ("RT-5", JIANGAN, B, 25, 70),  # late
    ("RT-6", JIANGAN, B, None, None),  # open, nobody there a month later: waiting and a breach
    ("RT-7", WUCHANG, OLDER, 5, 30),  # before the period: never counted
]


def load_incidents(engine: Engine) -> None:
    with engine.connect() as connection:
        team = connection.scalar(select(Team.id).order_by(Team.id).limit(1))
    items = []
    for incident_id, district, month, on_scene, closed in INCIDENTS:
        t0 = reported_in(month)
        lat, lon = PLACES[district]
        steps: list[tuple[float, EventData]] = [
            (
                0,
                IncidentReported(
                    incident_id=incident_id,
                    kind="leak",
                    channel="patrol",
                    lat=lat,
                    lon=lon,
                    address="测试地址",
                    severity=2,
                    description="测试",
                ),
            )
        ]
        if on_scene is not None:
            status = TeamStatus(team_id=team, status="on_scene", incident_id=incident_id)
            steps.append((on_scene, status))
        if closed is not None:
            steps.append((closed, IncidentClosed(incident_id=incident_id, by="duty", summary="完")))
        for number, (minutes, data) in enumerate(steps):
            event = Event.of(
                data, id=f"{incident_id}-{number}", occurred_at=t0 + timedelta(minutes=minutes)
            )
            items.append(Incoming("field-app", event))
    outcomes = append_events(engine, items)
    assert all(isinstance(outcome, Accepted) for outcome in outcomes), outcomes


def test_statistics_per_district_over_the_period(city):
    load_incidents(city)
    table = response_table(city, CITYWIDE, [A, B], NOW, ZONE)
    wuchang, jiangan = table.district(WUCHANG), table.district(JIANGAN)
    assert (wuchang.count, wuchang.arrived, wuchang.median_min) == (4, 3, 18)
    assert wuchang.p90_min == pytest.approx(27.6)  # 18 + (30 - 18) * 0.8
    assert (wuchang.on_time, wuchang.judged, wuchang.breaches, wuchang.waiting) == (2, 3, 1, 0)
    assert wuchang.compliance == pytest.approx(2 / 3)
    assert (jiangan.count, jiangan.median_min, jiangan.p90_min) == (2, 25, 25)
    assert (jiangan.compliance, jiangan.breaches, jiangan.waiting) == (0, 2, 1)
    total = table.total
    assert (total.count, total.median_min, total.on_time, total.judged) == (6, 21.5, 2, 5)
    assert (total.compliance, total.breaches, total.waiting) == (0.4, 3, 1)


def test_statistics_per_district_and_month(city):
    load_incidents(city)
    table = response_table(city, CITYWIDE, [A, B], NOW, ZONE)
    assert table.months == (A, B)
    assert table.cell(WUCHANG, A).count == 3 and table.cell(WUCHANG, A).compliance == 0.5
    assert table.cell(WUCHANG, B).compliance == 1.0
    assert table.cell(JIANGAN, A).count == 0 and table.cell(JIANGAN, A).compliance is None
    assert table.month(A).compliance == 0.5
    assert table.month(B).compliance == pytest.approx(1 / 3)


def test_incidents_count_in_the_month_they_were_reported_in_the_city(city):
    load_incidents(city)
    assert response_table(city, CITYWIDE, [OLDER], NOW, ZONE).total.count == 1
    assert response_table(city, CITYWIDE, [THIS], NOW, ZONE).total.count == 0


def test_a_district_officer_counts_only_their_district(city):
    load_incidents(city)
    table = response_table(city, Scope(district=JIANGAN), [A, B], NOW, ZONE)
    assert set(table.by_district) == {JIANGAN}
    assert table.total.count == 2 and table.total.compliance == 0
    nothing = response_table(city, Scope(enterprise_id="ENT-0001"), [A, B], NOW, ZONE)
    assert nothing.total.count == 0


def test_the_table_is_kept_a_minute_per_scope_and_period(city):
    """In the engine's cache (the app's): a later incident waits for the minute to pass, and
    another scope or period never gets this one's table. Redis keeps it pickled."""
    load_incidents(city)
    use_cache(city, MemoryCache())
    kept = response_table(city, CITYWIDE, [A, B], NOW, ZONE)
    late = IncidentReported(
        incident_id="RT-8",
        kind="leak",
        channel="patrol",
        lat=PLACES[WUCHANG][0],
        lon=PLACES[WUCHANG][1],
        address="测试地址",
        severity=2,
        description="测试",
    )
    event = Event.of(late, id="RT-8-0", occurred_at=reported_in(A))
    [outcome] = append_events(city, [Incoming("field-app", event)])
    assert isinstance(outcome, Accepted)
    assert response_table(city, CITYWIDE, [A, B], NOW + timedelta(seconds=1), ZONE) is kept
    assert response_table(city, Scope(district=WUCHANG), [A, B], NOW, ZONE).total.count == 5
    assert response_table(city, CITYWIDE, [A], NOW, ZONE).total.count == 4
    assert pickle.loads(pickle.dumps(kept)) == kept


# --- the page's callback --------------------------------------------------------------------

OUTPUTS = [
    ("response-times-table", "children"),
    ("response-times-chart", "figure"),
    ("response-times-matrix", "children"),
    ("response-times-notice", "children"),
    ("response-times-as-of", "children"),
]


def ask_statistics(client, first: str, last: str) -> dict:
    body = {
        "output": "..{}..".format("...".join(f"{i}.{p}" for i, p in OUTPUTS)),
        "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
        "inputs": [
            {"id": "response-times-from", "property": "value", "value": first},
            {"id": "response-times-to", "property": "value", "value": last},
        ],
        "changedPropIds": ["response-times-from.value"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]


def rows_by_district(table: dict) -> dict[str, list]:
    """data-district -> the row's cells' texts, from the rendered table."""
    found = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if "data-district" in props:
                cells = props["children"]
                found[props["data-district"]] = [
                    c["props"]["children"]
                    if isinstance(c["props"]["children"], str)
                    else c["props"]["children"]["props"]["children"]
                    for c in cells
                ]
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(table)
    return found


@pytest.fixture
def app_with_incidents(demo_app):
    load_incidents(demo_app.server.config["GASCC_ENGINE"])
    return demo_app


def test_the_page_shows_each_district_and_the_city_total(client, app_with_incidents):
    sign_in(client, "duty")
    answer = ask_statistics(client, A, B)
    rows = rows_by_district(answer["response-times-table"]["children"])
    assert len(rows) == 13 + 1  # every district of the city pack, and the total
    assert rows[WUCHANG][1:] == ["4", "18.0", "27.6", "67%", "0", "1"]
    assert rows["total"] == ["全市合计", "6", "21.5", "28.5", "40%", "1", "3"]
    bars = answer["response-times-chart"]["figure"]["data"][0]
    assert bars["type"] == "bar" and bars["y"] == [50.0, pytest.approx(100 / 3)]


def test_a_district_officer_sees_only_their_district(client, app_with_incidents):
    sign_in(client, "jiangan")
    rows = rows_by_district(ask_statistics(client, A, B)["response-times-table"]["children"])
    assert set(rows) == {JIANGAN, "total"}
    assert rows["total"][1:] == ["2", "25.0", "25.0", "0%", "1", "2"]


def test_months_given_backwards_are_swapped_and_said_so(client, app_with_incidents):
    sign_in(client, "duty")
    client.get("/lang/en")
    answer = ask_statistics(client, B, A)
    assert "swapped" in json.dumps(answer["response-times-notice"])
    rows = rows_by_district(answer["response-times-table"]["children"])
    assert rows["total"][0] == "City total" and rows["total"][1] == "6"


@pytest.mark.parametrize("username", ["enterprise", "screen"])
def test_roles_without_the_page_get_no_statistics(client, app_with_incidents, username):
    sign_in(client, username)
    body = {
        "output": "..{}..".format("...".join(f"{i}.{p}" for i, p in OUTPUTS)),
        "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
        "inputs": [
            {"id": "response-times-from", "property": "value", "value": A},
            {"id": "response-times-to", "property": "value", "value": B},
        ],
        "changedPropIds": ["response-times-from.value"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 204  # PreventUpdate: nothing sent
